package cmd_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/comment"
	"github.com/iamsync/iamsync/comment/commenttest"
)

const ciToken = "ghs_CANARYtokenNeverPrinted42"

type ciRun struct {
	t   *testing.T
	dir string
	env map[string]string
}

func (r *ciRun) write(name, content string) string {
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *ciRun) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	env := cmd.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: r.dir,
		Getenv: func(k string) string { return r.env[k] }}
	code = cmd.Main(context.Background(), append([]string{"comment"}, args...), env)
	if strings.Contains(out.String()+errb.String(), ciToken) {
		r.t.Fatal("the token was printed")
	}
	return code, out.String(), errb.String()
}

func githubRun(t *testing.T, srv *commenttest.Server, event string) *ciRun {
	r := &ciRun{t: t, dir: t.TempDir()}
	r.env = map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": ciToken, "GITHUB_REPOSITORY": "acme/iam",
		"GITHUB_API_URL": srv.APIURL(), "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
		"GITHUB_SHA": "mergecommit0000", "GITHUB_EVENT_NAME": "pull_request",
	}
	r.env["GITHUB_EVENT_PATH"] = r.write("event.json", event)
	return r
}

const prEvent = `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abcdef1234567890"}}}`

const planMD = "**iamsync plan** for stack `platform`: 1 to create.\n\n<details><summary>1 action</summary>\n\n```diff\n+ application/web\n```\n\n</details>\n"

func TestCommentGitHubCreatesThenUpdatesOneComment(t *testing.T) {
	srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, ciToken)
	defer srv.Close()
	srv.Add("LGTM", false)
	r := githubRun(t, srv, prEvent)
	r.write("plan.md", planMD)
	r.write("audit.md", "### iamsync audit: stack `platform`\n\nNo findings.\n")

	code, _, stderr := r.run("--github", "--id", "manifests", "plan.md", "audit.md")
	if code != 0 || !strings.Contains(stderr, "Posted the iamsync comment: https://github.com/acme/iam/pull/7#issuecomment-") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	notes := srv.Notes()
	if len(notes) != 2 {
		t.Fatalf("%d comments, want 2", len(notes))
	}
	body := notes[1].Body
	for _, want := range []string{
		comment.Marker("manifests") + "\n", "+ application/web", "No findings.",
		"commit abcdef12", "[CI run](https://github.com/acme/iam/actions/runs/42)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
	if !strings.HasPrefix(body, comment.Marker("manifests")) {
		t.Error("the marker is not the comment's first line")
	}

	r.write("plan.md", strings.Replace(planMD, "web", "api", -1))
	code, _, stderr = r.run("--github", "--id", "manifests", "plan.md", "audit.md")
	if code != 0 || !strings.Contains(stderr, "Updated the iamsync comment in place") {
		t.Fatalf("second run: exit %d, stderr:\n%s", code, stderr)
	}
	if n := srv.Notes(); len(n) != 2 || !strings.Contains(n[1].Body, "+ application/api") {
		t.Fatalf("not updated in place: %d comments", len(n))
	}
	writes := srv.Writes()
	code, _, stderr = r.run("--github", "--id", "manifests", "plan.md", "audit.md")
	if code != 0 || !strings.Contains(stderr, "already up to date") || srv.Writes() != writes {
		t.Fatalf("third run: exit %d, %d writes, stderr:\n%s", code, srv.Writes()-writes, stderr)
	}
}

func TestCommentGitHubLongPlanIsCutAndPointsAtTheArtifact(t *testing.T) {
	srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, ciToken)
	defer srv.Close()
	r := githubRun(t, srv, prEvent)
	r.write("plan.md", planMD)
	var audit strings.Builder
	audit.WriteString("### iamsync audit: stack `platform`\n\n| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n")
	for i := range 3000 {
		fmt.Fprintf(&audit, "| high | IAM101 | `policy/p%d` | live | grants everything |\n", i)
	}
	r.write("audit.md", audit.String())
	code, _, stderr := r.run("--github", "plan.md", "audit.md")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "warning: the comment is cut to fit GitHub's limit") {
		t.Errorf("no warning about the cut:\n%s", stderr)
	}
	body := srv.Notes()[0].Body
	if len(body) > comment.GitHubLimit {
		t.Fatalf("posted %d bytes", len(body))
	}
	if !strings.Contains(body, "The full plan is in the `iamsync-plan` artifact of [the CI run](https://github.com/acme/iam/actions/runs/42).") {
		t.Errorf("the cut comment does not say where the full plan is:\n%s", body[len(body)-500:])
	}
	if !strings.Contains(body, "+ application/web") {
		t.Error("the plan itself was cut; only what follows it should be")
	}
}

func TestCommentGitHubRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(*commenttest.Server, *ciRun)
		args     []string
		want     []string
		requests int
	}{
		{"fork read-only token", func(s *commenttest.Server, _ *ciRun) { s.ReadOnly = true }, nil,
			[]string{"403 Forbidden: Resource not accessible by integration", "hint: ", "permissions: pull-requests: write", "fork"}, 2},
		{"bad token", func(s *commenttest.Server, _ *ciRun) { s.Token = "other" }, nil,
			[]string{"401 Unauthorized: Bad credentials", "GITHUB_TOKEN: ${{ github.token }}"}, 1},
		{"no token", func(_ *commenttest.Server, r *ciRun) { delete(r.env, "GITHUB_TOKEN") }, nil,
			[]string{"error: GITHUB_TOKEN is not set", "pull-requests: write"}, 0},
		{"push event", func(_ *commenttest.Server, r *ciRun) {
			r.env["GITHUB_EVENT_NAME"] = "push"
			r.env["GITHUB_EVENT_PATH"] = r.write("event.json", `{"ref":"refs/heads/main"}`)
		}, nil, []string{"not for a pull request (event push)", "github.event_name == 'pull_request'"}, 0},
		{"wrong number", nil, []string{"--number", "8"}, []string{"404 Not Found", "pull request #8 of acme/iam was not found"}, 1},
		{"missing file", nil, []string{"nosuch.md"}, []string{"read nosuch.md", "--format markdown"}, 0},
		{"both forges", nil, []string{"--gitlab"}, []string{"--github and --gitlab cannot be used together"}, 0},
		{"bad log", nil, []string{"--log", "validate.txt"}, []string{"want TITLE=FILE"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, ciToken)
			defer srv.Close()
			r := githubRun(t, srv, prEvent)
			r.write("plan.md", planMD)
			if tc.setup != nil {
				tc.setup(srv, r)
			}
			code, _, stderr := r.run(append(append([]string{"--github"}, tc.args...), "plan.md")...)
			if code != cmd.ExitError {
				t.Errorf("exit %d, want %d", code, cmd.ExitError)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if srv.Requests() != tc.requests {
				t.Errorf("%d requests, want %d", srv.Requests(), tc.requests)
			}
			if len(srv.Notes()) != 0 {
				t.Error("a comment was written")
			}
		})
	}
}

func TestCommentDryRunLogsAndDetection(t *testing.T) {
	srv := commenttest.New(commenttest.GitHub, "acme/iam", 7, ciToken)
	defer srv.Close()
	r := githubRun(t, srv, prEvent)
	delete(r.env, "GITHUB_TOKEN")
	r.write("validate.txt", "iam.yaml:6:5: unknown field \"colour\" [E101]\n")
	// No --github: GITHUB_ACTIONS says where we are.
	code, stdout, stderr := r.run("--dry-run", "--log", "iamsync validate failed=validate.txt")
	if code != 0 || srv.Requests() != 0 {
		t.Fatalf("exit %d after %d requests:\n%s", code, srv.Requests(), stderr)
	}
	want := comment.Marker("default") + "\n**iamsync validate failed**\n\n```text\niam.yaml:6:5: unknown field \"colour\" [E101]\n```\n\n<sub>iamsync "
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("dry run printed:\n%s\nwant it to start with:\n%s", stdout, want)
	}

	r.env = map[string]string{}
	code, _, stderr = r.run("--dry-run", "plan.md")
	if code != cmd.ExitError || !strings.Contains(stderr, "pass --github or --gitlab") {
		t.Errorf("outside CI without a forge flag: exit %d\n%s", code, stderr)
	}
}

func gitlabRun(t *testing.T, srv *commenttest.Server) *ciRun {
	r := &ciRun{t: t, dir: t.TempDir()}
	r.env = map[string]string{
		"GITLAB_CI": "true", "IAMSYNC_GITLAB_TOKEN": ciToken, "CI_API_V4_URL": srv.APIURL(), "CI_PROJECT_ID": "1234",
		"CI_MERGE_REQUEST_IID": "7", "CI_JOB_URL": "https://gitlab.example/platform/iam/-/jobs/99",
		"CI_MERGE_REQUEST_PROJECT_URL": "https://gitlab.example/platform/iam", "CI_COMMIT_SHA": "0123456789abcdef",
	}
	return r
}

func TestCommentGitLabCreatesThenUpdatesOneNote(t *testing.T) {
	srv := commenttest.New(commenttest.GitLab, "1234", 7, ciToken)
	defer srv.Close()
	srv.Add("added 1 commit", true)
	r := gitlabRun(t, srv)
	r.write("plan.md", planMD)
	code, _, stderr := r.run("plan.md") // GITLAB_CI says where we are
	if code != 0 || !strings.Contains(stderr, "Posted the iamsync comment: https://gitlab.example/platform/iam/-/merge_requests/7#note_") {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	r.write("plan.md", strings.Replace(planMD, "web", "api", -1))
	code, _, stderr = r.run("--gitlab", "plan.md")
	if code != 0 || !strings.Contains(stderr, "Updated the iamsync comment in place") {
		t.Fatalf("second run: exit %d:\n%s", code, stderr)
	}
	notes := srv.Notes()
	if len(notes) != 2 || !strings.Contains(notes[1].Body, "+ application/api") || !strings.Contains(notes[1].Body, "commit 01234567 · [CI run](https://gitlab.example/platform/iam/-/jobs/99)") {
		t.Fatalf("notes: %+v", notes)
	}
}

func TestCommentGitLabRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(*commenttest.Server, *ciRun)
		want     []string
		requests int
	}{
		{"reporter role missing", func(s *commenttest.Server, _ *ciRun) { s.ReadOnly = true }, []string{"403 Forbidden", "Reporter role"}, 2},
		{"revoked token", func(s *commenttest.Server, _ *ciRun) { s.Token = "other" }, []string{"401 Unauthorized", "expired or been revoked"}, 1},
		{"no token", func(_ *commenttest.Server, r *ciRun) { delete(r.env, "IAMSYNC_GITLAB_TOKEN") }, []string{"IAMSYNC_GITLAB_TOKEN is not set", "CI_JOB_TOKEN cannot write notes"}, 0},
		{"branch pipeline", func(_ *commenttest.Server, r *ciRun) { delete(r.env, "CI_MERGE_REQUEST_IID") }, []string{"not for a merge request", "merge_request_event"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := commenttest.New(commenttest.GitLab, "1234", 7, ciToken)
			defer srv.Close()
			r := gitlabRun(t, srv)
			r.write("plan.md", planMD)
			tc.setup(srv, r)
			code, _, stderr := r.run("--gitlab", "plan.md")
			if code != cmd.ExitError {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if srv.Requests() != tc.requests || len(srv.Notes()) != 0 {
				t.Errorf("%d requests (want %d), %d notes", srv.Requests(), tc.requests, len(srv.Notes()))
			}
		})
	}
}

// The real plan renderer's Markdown for a plan too long to show whole, with an audit table
// after it: the comment keeps the plan as rendered and cuts the table between rows.
func TestCommentRealLongPlan(t *testing.T) {
	r := &ciRun{t: t, dir: t.TempDir(), env: map[string]string{}}
	var m strings.Builder
	m.WriteString("version: 1\nstack: big\napplications:\n")
	for i := range 1500 {
		fmt.Fprintf(&m, "  - name: app-%04d\n    description: application number %d of a large organization\n", i, i)
	}
	r.write("iam.yaml", m.String())
	var planOut, planErr bytes.Buffer
	env := cmd.Env{Stdin: strings.NewReader(""), Stdout: &planOut, Stderr: &planErr, Dir: r.dir, Getenv: func(string) string { return "" }}
	if code := cmd.Main(context.Background(), []string{"plan", "--local", "--format", "markdown", "iam.yaml"}, env); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, planErr.String())
	}
	plan := planOut.String()
	if !strings.Contains(plan, "left out to fit in a comment") {
		t.Fatalf("the plan is not long enough to be shortened by its renderer (%d bytes)", len(plan))
	}
	r.write("plan.md", plan)
	var audit strings.Builder
	audit.WriteString("### iamsync audit: stack `big`\n\n| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n")
	for i := range 1500 {
		fmt.Fprintf(&audit, "| medium | IAM201 | `application/app-%04d` | `iam.yaml:%d:5` | drift: missing in the organization |\n", i, 4+2*i)
	}
	r.write("audit.md", audit.String())

	code, body, stderr := r.run("--github", "--dry-run", "plan.md", "audit.md")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(body) > comment.GitHubLimit {
		t.Fatalf("%d bytes, over GitHub's limit", len(body))
	}
	if !strings.Contains(body, strings.TrimRight(plan, "\n")) {
		t.Error("the plan was not kept as rendered")
	}
	rows := 0
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "| medium |") {
			rows++
			if !strings.HasSuffix(l, "missing in the organization |") {
				t.Fatalf("a row was cut: %q", l)
			}
		}
	}
	if rows == 0 || rows == 1500 || !strings.Contains(body, "The full plan is in the `iamsync-plan` artifact") {
		t.Errorf("%d of 1500 rows kept; want a cut table and the note", rows)
	}
}
