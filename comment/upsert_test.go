package comment_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/comment"
	"github.com/iamsync/iamsync/comment/commenttest"
)

const token = "ghs_canaryTOKEN0123456789"

// forges runs each test against both forges, through the same Upsert.
func forges(t *testing.T, fn func(t *testing.T, srv *commenttest.Server, f comment.Forge)) {
	t.Run("github", func(t *testing.T) {
		srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, token)
		defer srv.Close()
		fn(t, srv, &comment.GitHub{APIURL: srv.APIURL(), Repo: "acme/iam", Number: 7, Token: token, Backoff: 1})
	})
	t.Run("gitlab", func(t *testing.T) {
		srv := commenttest.New(commenttest.GitLab, "platform/iam", 7, token)
		defer srv.Close()
		fn(t, srv, &comment.GitLab{APIURL: srv.APIURL(), Project: "platform/iam", MR: 7, Token: token, Backoff: 1,
			WebURL: "https://gitlab.example/platform/iam"})
	})
}

func body(marker, text string) string { return marker + "\n" + text + "\n" }

func TestUpsertCreatesThenUpdatesInPlace(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		ctx := context.Background()
		m := comment.Marker("iam")
		srv.Page = 2 // the comment sits behind several pages
		for i := range 5 {
			srv.Add(fmt.Sprintf("review remark %d", i), i == 1)
		}
		res, err := comment.Upsert(ctx, f, m, body(m, "plan one"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != comment.Created || res.Comment.URL == "" {
			t.Fatalf("first run: %+v", res)
		}
		for i := range 4 {
			srv.Add(fmt.Sprintf("later remark %d", i), false)
		}
		res2, err := comment.Upsert(ctx, f, m, body(m, "plan two"))
		if err != nil {
			t.Fatal(err)
		}
		if res2.Outcome != comment.Updated || res2.Comment.ID != res.Comment.ID || res2.Comment.URL == "" {
			t.Fatalf("second run: %+v, first %+v", res2, res)
		}
		notes := srv.Notes()
		if len(notes) != 10 {
			t.Fatalf("%d comments, want 10 (one of them iamsync's)", len(notes))
		}
		ours := 0
		for _, n := range notes {
			if strings.HasPrefix(n.Body, m) {
				ours++
				if !strings.Contains(n.Body, "plan two") {
					t.Errorf("iamsync's comment was not updated: %q", n.Body)
				}
			}
		}
		if ours != 1 {
			t.Errorf("%d iamsync comments, want 1", ours)
		}
		if srv.Writes() != 2 {
			t.Errorf("%d writes, want 2 (one create, one update)", srv.Writes())
		}
	})
}

func TestUpsertUnchangedWritesNothing(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		srv.CRLF = srv.Forge == commenttest.GitHub
		m := comment.Marker("iam")
		b := body(m, "line one\nline two")
		if _, err := comment.Upsert(context.Background(), f, m, b); err != nil {
			t.Fatal(err)
		}
		res, err := comment.Upsert(context.Background(), f, m, b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != comment.Unchanged || srv.Writes() != 1 {
			t.Fatalf("outcome %v after %d writes, want unchanged after 1", res.Outcome, srv.Writes())
		}
	})
}

func TestUpsertIgnoresQuotesAndOtherIDs(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		srv.Add("> "+m+"\n> quoted by a reviewer", false)
		srv.Add(comment.Marker("other-stack")+"\nthe other set's plan", false)
		res, err := comment.Upsert(context.Background(), f, m, body(m, "plan"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != comment.Created || len(srv.Notes()) != 3 {
			t.Fatalf("outcome %v with %d comments: a quote or another id's comment was taken for ours", res.Outcome, len(srv.Notes()))
		}
	})
}

func TestUpsertReportsDuplicatesAndUpdatesTheOldest(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		first := srv.Add(body(m, "old"), false)
		srv.Add(body(m, "raced"), false)
		res, err := comment.Upsert(context.Background(), f, m, body(m, "new"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Comment.ID != fmt.Sprint(first) || len(res.Duplicates) != 1 {
			t.Fatalf("updated %s with duplicates %v, want %d and one duplicate", res.Comment.ID, res.Duplicates, first)
		}
	})
}

func TestUpsertReadOnlyToken(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		srv.ReadOnly = true
		m := comment.Marker("iam")
		_, err := comment.Upsert(context.Background(), f, m, body(m, "plan"))
		var ae *comment.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
			t.Fatalf("err = %v, want a 403 APIError", err)
		}
		want := "Resource not accessible by integration"
		if srv.Forge == commenttest.GitLab {
			want = "403 Forbidden"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not carry the forge's message %q", err, want)
		}
		if comment.Retryable(err) {
			t.Error("a 403 without Retry-After is not retryable")
		}
		if srv.Requests() != 2 {
			t.Errorf("%d requests, want 2: list, then one refused create", srv.Requests())
		}
		if strings.Contains(err.Error(), token) {
			t.Error("the error shows the token")
		}
	})
}

func TestUpsertBadToken(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		srv.Token = "another"
		m := comment.Marker("iam")
		_, err := comment.Upsert(context.Background(), f, m, body(m, "plan"))
		var ae *comment.APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Fatalf("err = %v, want a 401 APIError", err)
		}
		if srv.Requests() != 1 || strings.Contains(err.Error(), token) {
			t.Errorf("%d requests (want 1, no retry of a 401); error %q", srv.Requests(), err)
		}
	})
}

func TestUpsertRetriesReadsAndUpdates(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		srv.Add(body(m, "old"), false)
		srv.Fail(commenttest.Failure{Method: http.MethodGet, Status: http.StatusBadGateway, Body: "{}", Times: 1})
		srv.Fail(commenttest.Failure{Method: http.MethodPatch, Status: http.StatusTooManyRequests, Body: `{"message":"slow down"}`, Times: 1, RetryAfter: "0"})
		srv.Fail(commenttest.Failure{Method: http.MethodPut, Status: http.StatusServiceUnavailable, Body: `{"message":"503"}`, Times: 1})
		res, err := comment.Upsert(context.Background(), f, m, body(m, "new"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != comment.Updated || !strings.Contains(srv.Notes()[0].Body, "new") {
			t.Fatalf("outcome %v, body %q", res.Outcome, srv.Notes()[0].Body)
		}
	})
}

func TestUpsertLostCreateAnswerMakesNoSecondComment(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		srv.Fail(commenttest.Failure{Method: http.MethodPost, Status: http.StatusBadGateway, Body: "<html>bad gateway</html>", Times: 1, Lose: true})
		res, err := comment.Upsert(context.Background(), f, m, body(m, "plan"))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Notes()); n != 1 {
			t.Fatalf("%d comments after a lost create answer, want 1", n)
		}
		if res.Outcome != comment.Unchanged {
			t.Errorf("outcome %v, want unchanged (the lost create had already written it)", res.Outcome)
		}
	})
}

func TestUpsertCreateFailsTwice(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		srv.Fail(commenttest.Failure{Method: http.MethodPost, Status: http.StatusInternalServerError, Body: `{"message":"boom"}`, Times: 2})
		_, err := comment.Upsert(context.Background(), f, m, body(m, "plan"))
		var ae *comment.APIError
		if !errors.As(err, &ae) || ae.Status != 500 || len(srv.Notes()) != 0 {
			t.Fatalf("err = %v with %d comments", err, len(srv.Notes()))
		}
	})
}

func TestUpsertRefusesOversizedBodyBeforeAnyRequest(t *testing.T) {
	forges(t, func(t *testing.T, srv *commenttest.Server, f comment.Forge) {
		m := comment.Marker("iam")
		_, err := comment.Upsert(context.Background(), f, m, body(m, strings.Repeat("x", f.Limit())))
		if err == nil || !strings.Contains(err.Error(), "limit") || srv.Requests() != 0 {
			t.Fatalf("err = %v after %d requests", err, srv.Requests())
		}
	})
}

func TestGitHubWontFollowPaginationElsewhere(t *testing.T) {
	evil := commenttest.New(commenttest.GitHub, "acme/iam", 7, token)
	defer evil.Close()
	srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, token)
	defer srv.Close()
	srv.Page = 1
	srv.LinkHost = strings.TrimPrefix(evil.URL, "http://")
	srv.Add("one", false)
	srv.Add("two", false)
	g := &comment.GitHub{APIURL: srv.APIURL(), Repo: "acme/iam", Number: 7, Token: token}
	_, err := g.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("err = %v, want a refusal to follow the next link to another host", err)
	}
	if evil.Requests() != 0 {
		t.Error("the token went to another host")
	}
}

func TestMarker(t *testing.T) {
	for id, want := range map[string]string{
		"":                   "<!-- iamsync:comment id=default -->",
		"manifests/prod":     "<!-- iamsync:comment id=manifests/prod -->",
		"a--> <script>":      "<!-- iamsync:comment id=a_____script_ -->",
		"iam stacks/eu-west": "<!-- iamsync:comment id=iam_stacks/eu_west -->",
	} {
		if got := comment.Marker(id); got != want {
			t.Errorf("Marker(%q) = %q, want %q", id, got, want)
		}
	}
}
