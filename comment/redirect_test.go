package comment_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/iamsync/iamsync/comment"
)

// A forge that redirects to another host never gets the token sent there (issue 16): Go would
// carry GitLab's PRIVATE-TOKEN, a custom header, across hosts.
func TestTokenNeverFollowsARedirectElsewhere(t *testing.T) {
	const token = "glpat-canary-0123456789"
	var leaked, seen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Header.Get("PRIVATE-TOKEN") != "" || r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Write([]byte("[]"))
	}))
	defer other.Close()
	forge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer forge.Close()
	g := &comment.GitLab{APIURL: forge.URL, Project: "platform/iam", MR: 7, Token: token, Backoff: 1}
	_, err := g.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Fatalf("List through a redirect to another host: %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatalf("the error shows the token: %v", err)
	}
	if seen.Load() != 0 || leaked.Load() != 0 {
		t.Fatalf("the other host was asked %d times, %d with the token", seen.Load(), leaked.Load())
	}
}
