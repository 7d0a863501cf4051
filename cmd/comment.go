package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/comment"
	"github.com/iamsync/iamsync/escape"
)

type commentFlags struct {
	github   bool     // post on a GitHub pull request
	gitlab   bool     // post on a GitLab merge request
	id       string   // tells apart the comments of several manifest sets on one request
	logs     []string // TITLE=FILE: preformatted output shown before the Markdown
	artifact string   // where the full plan is, named when the comment had to be cut
	number   int      // the pull/merge request, when the CI environment does not say
	dryRun   bool     // print the body instead of posting it
}

func (f *commentFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.github, "github", false, "post on the GitHub pull request of this workflow run (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH)")
	fs.BoolVar(&f.gitlab, "gitlab", false, "post on the GitLab merge request of this pipeline (IAMSYNC_GITLAB_TOKEN, CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID)")
	fs.StringVar(&f.id, "id", "default", "comment `NAME`: one per manifest set when several are planned on one request")
	fs.StringArrayVar(&f.logs, "log", nil, "preformatted text `TITLE=FILE` (a failed command's output) shown before the Markdown (repeatable)")
	fs.StringVar(&f.artifact, "artifact", "iamsync-plan", "CI artifact `NAME` holding the whole plan, named when the comment has to be cut")
	fs.IntVar(&f.number, "number", 0, "pull or merge request `number` (default: from the CI environment)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the comment's body instead of posting it (no token needed)")
}

func (f *commentFlags) check() error {
	if f.github && f.gitlab {
		return errors.New("--github and --gitlab cannot be used together: a comment goes to one forge")
	}
	if f.number < 0 {
		return fmt.Errorf("--number must be a pull or merge request number, not %d", f.number)
	}
	for _, l := range f.logs {
		if title, file, ok := strings.Cut(l, "="); !ok || title == "" || file == "" {
			return fmt.Errorf("--log %q: want TITLE=FILE, e.g. --log 'iamsync plan failed=plan.log'", l)
		}
	}
	return nil
}

const commentUsage = `Usage: iamsync comment --github|--gitlab [flags] [MARKDOWN...]

Posts the Markdown files (iamsync plan --format markdown, iamsync audit --format markdown;
"-" reads stdin) as one comment on the pull request (GitHub) or merge request (GitLab) the CI
run is for, and on later runs edits that same comment in place. The comment is found by a
hidden marker naming --id. A body over the forge's limit (GitHub: 65,536 characters) is cut
between blocks or table rows, and says where the rest is (--artifact).

GitHub Actions: GITHUB_TOKEN (with pull-requests: write), GITHUB_REPOSITORY, GITHUB_EVENT_PATH,
and GITHUB_API_URL for GitHub Enterprise. GitLab CI: IAMSYNC_GITLAB_TOKEN (or GITLAB_TOKEN), a
project access token with the api scope (CI_JOB_TOKEN cannot write notes), CI_API_V4_URL,
CI_PROJECT_ID, CI_MERGE_REQUEST_IID.

Example:
  iamsync plan --out plan.json --format markdown manifests > plan.md
  iamsync comment --github --id manifests plan.md

Flags:
`

func runComment(ctx context.Context, env Env, args []string) int {
	var f commentFlags
	fs := newFlagSet(env, "comment", commentUsage, f.register)
	files, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if !f.github && !f.gitlab {
		switch {
		case env.Getenv("GITHUB_ACTIONS") == "true":
			f.github = true
		case env.Getenv("GITLAB_CI") == "true":
			f.gitlab = true
		default:
			errorf(env, "which forge to post on? This is neither a GitHub Actions run nor a GitLab CI job")
			hintf(env, "pass --github or --gitlab (or --dry-run with one of them to see the comment)")
			return ExitError
		}
	}
	sections, ok := readSections(env, f.logs, files)
	if !ok {
		return ExitError
	}
	var (
		target commentTarget
		err    error
	)
	if f.github {
		target, err = githubTarget(env, f)
	} else {
		target, err = gitlabTarget(env, f)
	}
	if err != nil {
		errorf(env, "%v", err)
		if h := (hinted{}); errors.As(err, &h) {
			hintf(env, "%s", h.hint)
		}
		return ExitError
	}
	marker := comment.Marker(f.id)
	b := comment.Body{Marker: marker, Sections: sections, Footer: target.footer(), Overflow: target.overflow(f.artifact)}
	text, left := b.Compose(target.forge.Limit())
	if left > 0 {
		warnf(env, "the comment is cut to fit %s's limit: %s left out; %s", target.forge.Name(), count(left, "line", "lines"), target.overflow(f.artifact))
	}
	if f.dryRun {
		fmt.Fprint(env.Stdout, text)
		return ExitOK
	}
	res, err := comment.Upsert(ctx, target.forge, marker, text)
	if err != nil {
		reportCommentError(env, target, err)
		return ExitError
	}
	where := res.Comment.URL
	if where == "" {
		where = target.what
	}
	switch res.Outcome {
	case comment.Created:
		fmt.Fprintf(env.Stderr, "Posted the iamsync comment: %s\n", where)
	case comment.Updated:
		fmt.Fprintf(env.Stderr, "Updated the iamsync comment in place: %s\n", where)
	default:
		fmt.Fprintf(env.Stderr, "The iamsync comment is already up to date: %s\n", where)
	}
	for _, d := range res.Duplicates {
		warnf(env, "another comment carries the same marker (%s): two runs raced to create it; delete it by hand, or give concurrent runs a concurrency group", orID(d))
	}
	return ExitOK
}

func orID(c comment.Comment) string {
	if c.URL != "" {
		return c.URL
	}
	return "comment " + c.ID
}

// readSections reads the --log files, then the Markdown files, in the order given.
func readSections(env Env, logs, files []string) ([]comment.Section, bool) {
	var out []comment.Section
	read := func(name string) (string, bool) {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(env.Stdin)
		} else {
			data, err = os.ReadFile(resolvePath(env, name))
		}
		if err != nil {
			errorf(env, "read %s: %v", name, err)
			hintf(env, "pass the files that 'iamsync plan --format markdown > plan.md' and 'iamsync audit --format markdown > audit.md' wrote")
			return "", false
		}
		return string(data), true
	}
	for _, l := range logs {
		title, file, _ := strings.Cut(l, "=")
		text, ok := read(file)
		if !ok {
			return nil, false
		}
		out = append(out, comment.Section{Title: title, Text: text})
	}
	for _, file := range files {
		md, ok := read(file)
		if !ok {
			return nil, false
		}
		if strings.TrimSpace(md) == "" {
			warnf(env, "%s is empty; left out of the comment", file)
			continue
		}
		out = append(out, comment.Section{Markdown: md})
	}
	if len(out) == 0 {
		errorf(env, "nothing to post: no Markdown file and no --log")
		hintf(env, "iamsync plan --format markdown manifests > plan.md && iamsync comment --github plan.md")
		return nil, false
	}
	return out, true
}

// commentTarget is where the comment goes, and what the CI run says about itself.
type commentTarget struct {
	forge  comment.Forge
	what   string // "pull request #7 of acme/iam", for messages
	runURL string // the workflow run or job, whose artifacts hold the whole plan
	commit string // the commit planned
}

func (t commentTarget) footer() string {
	parts := []string{"iamsync " + currentVersion().Version}
	if t.commit != "" {
		parts = append(parts, "commit "+escape.Markdown(t.commit[:min(len(t.commit), 8)]))
	}
	if t.runURL != "" {
		parts = append(parts, "[CI run]("+t.runURL+")")
	}
	return "<sub>" + strings.Join(parts, " · ") + "</sub>"
}

func (t commentTarget) overflow(artifact string) string {
	switch {
	case artifact == "" && t.runURL != "":
		return "The whole output is in the log of [the CI run](" + t.runURL + ")."
	case artifact == "":
		return "The whole output is in the CI job's log."
	case t.runURL != "":
		return "The full plan is in the " + escape.CodeSpan(artifact) + " artifact of [the CI run](" + t.runURL + ")."
	}
	return "The full plan is in the " + escape.CodeSpan(artifact) + " artifact of this CI run."
}

// hinted is an error with the next step for the user.
type hinted struct {
	msg, hint string
}

func (h hinted) Error() string { return h.msg }

func githubTarget(env Env, f commentFlags) (commentTarget, error) {
	repo := env.Getenv("GITHUB_REPOSITORY")
	token := env.Getenv("GITHUB_TOKEN")
	if repo == "" && !f.dryRun {
		return commentTarget{}, hinted{"GITHUB_REPOSITORY is not set", "run in GitHub Actions, or set GITHUB_REPOSITORY=owner/name"}
	}
	if token == "" && !f.dryRun {
		return commentTarget{}, hinted{"GITHUB_TOKEN is not set",
			"give the step 'env: GITHUB_TOKEN: ${{ github.token }}' and the job 'permissions: pull-requests: write'"}
	}
	number, head, err := githubEvent(env)
	if err != nil {
		return commentTarget{}, err
	}
	if f.number > 0 {
		number = f.number
	}
	if number == 0 && !f.dryRun {
		event := env.Getenv("GITHUB_EVENT_NAME")
		if event == "" {
			event = "unknown"
		}
		return commentTarget{}, hinted{fmt.Sprintf("this run is not for a pull request (event %s), so there is nothing to comment on", event),
			"run the step only on pull requests (if: github.event_name == 'pull_request'), or pass --number"}
	}
	api := env.Getenv("GITHUB_API_URL")
	if api == "" {
		api = "https://api.github.com"
	}
	t := commentTarget{
		forge:  &comment.GitHub{APIURL: api, Repo: repo, Number: number, Token: token, UserAgent: "iamsync/" + currentVersion().Version},
		what:   fmt.Sprintf("pull request #%d of %s", number, repo),
		commit: head,
	}
	if t.commit == "" {
		t.commit = env.Getenv("GITHUB_SHA")
	}
	if id := env.Getenv("GITHUB_RUN_ID"); id != "" && repo != "" {
		server := env.Getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		t.runURL = strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + id
	}
	return t, nil
}

// githubEvent reads the pull request's number and head commit from the event payload: a
// pull_request event, or an issue_comment on a pull request. Other events give 0.
func githubEvent(env Env) (number int, head string, err error) {
	path := env.Getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return 0, "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", fmt.Errorf("read the event payload GITHUB_EVENT_PATH: %w", err)
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
		Issue *struct {
			Number      int       `json:"number"`
			PullRequest *struct{} `json:"pull_request"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return 0, "", fmt.Errorf("read the event payload %s: %w", path, err)
	}
	switch {
	case ev.PullRequest != nil:
		return ev.PullRequest.Number, ev.PullRequest.Head.SHA, nil
	case ev.Issue != nil && ev.Issue.PullRequest != nil:
		return ev.Issue.Number, "", nil
	}
	return 0, "", nil
}

func gitlabTarget(env Env, f commentFlags) (commentTarget, error) {
	api := env.Getenv("CI_API_V4_URL")
	project := env.Getenv("CI_PROJECT_ID")
	token := env.Getenv("IAMSYNC_GITLAB_TOKEN")
	if token == "" {
		token = env.Getenv("GITLAB_TOKEN")
	}
	if (api == "" || project == "") && !f.dryRun {
		return commentTarget{}, hinted{"CI_API_V4_URL or CI_PROJECT_ID is not set", "run in a GitLab CI job (both are predefined variables there)"}
	}
	if token == "" && !f.dryRun {
		return commentTarget{}, hinted{"IAMSYNC_GITLAB_TOKEN is not set",
			"create a project access token with the api scope and the Reporter role, and store it as the masked CI/CD variable IAMSYNC_GITLAB_TOKEN (CI_JOB_TOKEN cannot write notes)"}
	}
	number := f.number
	if number == 0 {
		if s := env.Getenv("CI_MERGE_REQUEST_IID"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return commentTarget{}, fmt.Errorf("CI_MERGE_REQUEST_IID is %q, not a merge request number", s)
			}
			number = n
		}
	}
	if number == 0 && !f.dryRun {
		return commentTarget{}, hinted{"this pipeline is not for a merge request (CI_MERGE_REQUEST_IID is not set)",
			"run the job in merge request pipelines (rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --number"}
	}
	web := env.Getenv("CI_MERGE_REQUEST_PROJECT_URL")
	if web == "" {
		web = env.Getenv("CI_PROJECT_URL")
	}
	t := commentTarget{
		forge: &comment.GitLab{APIURL: api, Project: project, MR: number, Token: token, WebURL: web,
			UserAgent: "iamsync/" + currentVersion().Version},
		what:   fmt.Sprintf("merge request !%d of project %s", number, project),
		runURL: env.Getenv("CI_JOB_URL"),
		commit: env.Getenv("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"),
	}
	if t.commit == "" {
		t.commit = env.Getenv("CI_COMMIT_SHA")
	}
	return t, nil
}

// reportCommentError says what the forge refused and what to change; the token is in no
// message (comment never puts it in an error).
func reportCommentError(env Env, t commentTarget, err error) {
	errorf(env, "%v", err)
	var ae *comment.APIError
	if !errors.As(err, &ae) {
		hintf(env, "check the network and %s's status, then run the job again", t.forge.Name())
		return
	}
	github := t.forge.Name() == "GitHub"
	switch {
	case ae.Status == 401 && github:
		hintf(env, "the token was refused: pass the workflow's own, env GITHUB_TOKEN: ${{ github.token }}")
	case ae.Status == 401:
		hintf(env, "IAMSYNC_GITLAB_TOKEN was refused: it may have expired or been revoked; create a new project access token with the api scope")
	case ae.Status == 403 && github:
		hintf(env, "the token may read but not write %s: give the job 'permissions: pull-requests: write'; a pull request from a fork only gets a read-only token, so there the plan stays in the job log and its artifact", t.what)
	case ae.Status == 403:
		hintf(env, "the token may not write notes on %s: give the project access token the Reporter role (or higher) and the api scope", t.what)
	case ae.Status == 404:
		hintf(env, "%s was not found, or the token cannot see it: check the repository/project and the number (--number)", t.what)
	case ae.Status == 422 || ae.Status == 400:
		hintf(env, "%s refused the comment's content; run with --dry-run to see it", t.forge.Name())
	default:
		hintf(env, "%s failed; run the job again later", t.forge.Name())
	}
}
