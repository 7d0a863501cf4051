package comment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitLabLimit is the longest note GitLab stores: 1,000,000 characters (bytes here, never more
// generous).
const GitLabLimit = 1_000_000

// GitLab is the notes API of one merge request.
type GitLab struct {
	APIURL  string // https://gitlab.com/api/v4 (CI_API_V4_URL)
	Project string // numeric ID or full path (CI_PROJECT_ID)
	MR      int    // the merge request's IID (CI_MERGE_REQUEST_IID)
	// Token is a project, group or personal access token with the api scope, sent as
	// PRIVATE-TOKEN. CI_JOB_TOKEN cannot write notes.
	Token string
	// WebURL is the project's page (CI_MERGE_REQUEST_PROJECT_URL), to link to the note; notes
	// carry no URL of their own.
	WebURL    string
	UserAgent string
	Client    *http.Client
	Backoff   time.Duration // first wait between retries; 0: one second
}

func (g *GitLab) Name() string { return "GitLab" }
func (g *GitLab) Limit() int   { return GitLabLimit }

func (g *GitLab) transport() *transport {
	h := http.Header{}
	h.Set("PRIVATE-TOKEN", g.Token)
	h.Set("Accept", "application/json")
	ua := g.UserAgent
	if ua == "" {
		ua = "iamsync"
	}
	h.Set("User-Agent", ua)
	backoff := g.Backoff
	if backoff == 0 {
		backoff = time.Second
	}
	return &transport{forge: "GitLab", client: g.Client, header: h, backoff: backoff, tries: 3, message: gitlabMessage}
}

func (g *GitLab) notesURL() string {
	return fmt.Sprintf("%s/projects/%s/merge_requests/%d/notes", strings.TrimRight(g.APIURL, "/"), url.PathEscape(g.Project), g.MR)
}

type gitlabNote struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	System bool   `json:"system"`
}

func (g *GitLab) comment(n gitlabNote) Comment {
	c := Comment{ID: strconv.FormatInt(n.ID, 10), Body: n.Body}
	if g.WebURL != "" {
		c.URL = fmt.Sprintf("%s/-/merge_requests/%d#note_%d", strings.TrimRight(g.WebURL, "/"), g.MR, n.ID)
	}
	return c
}

// List reads every page (X-Next-Page), oldest first, leaving out GitLab's system notes.
func (g *GitLab) List(ctx context.Context) ([]Comment, error) {
	t := g.transport()
	var out []Comment
	next := "1"
	for page := 1; next != ""; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("GitLab: more than %d pages of notes; giving up", maxPages)
		}
		u := g.notesURL() + "?sort=asc&order_by=created_at&per_page=100&page=" + url.QueryEscape(next)
		var ns []gitlabNote
		h, err := t.do(ctx, http.MethodGet, u, nil, &ns)
		if err != nil {
			return nil, fmt.Errorf("list the notes of merge request !%d, page %d: %w", g.MR, page, err)
		}
		for _, n := range ns {
			if !n.System {
				out = append(out, g.comment(n))
			}
		}
		next = strings.TrimSpace(h.Get("X-Next-Page"))
		if _, err := strconv.Atoi(next); next != "" && err != nil {
			return nil, fmt.Errorf("GitLab: X-Next-Page is %q, not a page number", next)
		}
	}
	return out, nil
}

func (g *GitLab) Create(ctx context.Context, body string) (Comment, error) {
	var n gitlabNote
	if _, err := g.transport().do(ctx, http.MethodPost, g.notesURL(), map[string]string{"body": body}, &n); err != nil {
		return Comment{}, fmt.Errorf("comment on merge request !%d: %w", g.MR, err)
	}
	return g.comment(n), nil
}

func (g *GitLab) Update(ctx context.Context, id, body string) (Comment, error) {
	var n gitlabNote
	u := g.notesURL() + "/" + url.PathEscape(id)
	if _, err := g.transport().do(ctx, http.MethodPut, u, map[string]string{"body": body}, &n); err != nil {
		return Comment{}, fmt.Errorf("update note %s on merge request !%d: %w", id, g.MR, err)
	}
	return g.comment(n), nil
}

// gitlabMessage reads GitLab's error bodies: {"message": "..."}, {"message": {"field": [...]}}
// or {"error": "..."}.
func gitlabMessage(body []byte) string {
	var e struct {
		Message json.RawMessage `json:"message"`
		Error   string          `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(e.Message, &s) == nil {
		return s
	}
	var fields map[string][]string
	if json.Unmarshal(e.Message, &fields) == nil {
		var parts []string
		for k, v := range fields {
			parts = append(parts, k+" "+strings.Join(v, ", "))
		}
		if len(parts) > 0 {
			slices.Sort(parts)
			return strings.Join(parts, "; ")
		}
	}
	return e.Error
}
