package comment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// GitHubLimit is the longest comment body GitHub stores: 65,536 characters. Counting bytes
// instead is never more generous, whatever GitHub counts (code points or UTF-16 units).
const GitHubLimit = 65536

// GitHub is the issue-comments API of one pull request (pull requests are issues there).
type GitHub struct {
	APIURL    string // https://api.github.com, or GitHub Enterprise's .../api/v3 (GITHUB_API_URL)
	Repo      string // owner/name (GITHUB_REPOSITORY)
	Number    int    // the pull request's number
	Token     string // GITHUB_TOKEN, or any token allowed to write pull requests
	UserAgent string
	Client    *http.Client  // nil: a default client with a timeout
	Backoff   time.Duration // first wait between retries; 0: one second
}

func (g *GitHub) Name() string { return "GitHub" }
func (g *GitHub) Limit() int   { return GitHubLimit }

func (g *GitHub) transport() *transport {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+g.Token)
	h.Set("Accept", "application/vnd.github+json")
	h.Set("X-GitHub-Api-Version", "2022-11-28")
	h.Set("User-Agent", g.userAgent())
	backoff := g.Backoff
	if backoff == 0 {
		backoff = time.Second
	}
	return &transport{forge: "GitHub", client: g.Client, header: h, backoff: backoff, tries: 3, message: githubMessage}
}

func (g *GitHub) userAgent() string {
	if g.UserAgent != "" {
		return g.UserAgent
	}
	return "iamsync" // GitHub refuses requests without one
}

func (g *GitHub) base() string { return strings.TrimRight(g.APIURL, "/") }

type githubComment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
}

func (c githubComment) comment() Comment {
	return Comment{ID: strconv.FormatInt(c.ID, 10), Body: c.Body, URL: c.HTMLURL}
}

// List follows the Link header's rel="next" from page to page, 100 comments a page.
func (g *GitHub) List(ctx context.Context) ([]Comment, error) {
	t := g.transport()
	next := fmt.Sprintf("%s/repos/%s/issues/%d/comments?per_page=100", g.base(), g.Repo, g.Number)
	var out []Comment
	for page := 1; next != ""; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("GitHub: more than %d pages of comments; giving up", maxPages)
		}
		var cs []githubComment
		h, err := t.do(ctx, http.MethodGet, next, nil, &cs)
		if err != nil {
			return nil, fmt.Errorf("list the comments of pull request #%d, page %d: %w", g.Number, page, err)
		}
		for _, c := range cs {
			out = append(out, c.comment())
		}
		next = nextLink(h.Get("Link"))
		if next != "" && !sameOrigin(g.base(), next) {
			return nil, fmt.Errorf("GitHub: the next page of comments is on another host (%s); refusing to send the token there", hostOf(next))
		}
	}
	return out, nil
}

func (g *GitHub) Create(ctx context.Context, body string) (Comment, error) {
	var c githubComment
	u := fmt.Sprintf("%s/repos/%s/issues/%d/comments", g.base(), g.Repo, g.Number)
	if _, err := g.transport().do(ctx, http.MethodPost, u, map[string]string{"body": body}, &c); err != nil {
		return Comment{}, fmt.Errorf("comment on pull request #%d: %w", g.Number, err)
	}
	return c.comment(), nil
}

func (g *GitHub) Update(ctx context.Context, id, body string) (Comment, error) {
	var c githubComment
	u := fmt.Sprintf("%s/repos/%s/issues/comments/%s", g.base(), g.Repo, url.PathEscape(id))
	if _, err := g.transport().do(ctx, http.MethodPatch, u, map[string]string{"body": body}, &c); err != nil {
		return Comment{}, fmt.Errorf("update comment %s on pull request #%d: %w", id, g.Number, err)
	}
	return c.comment(), nil
}

// githubMessage is the "message" of GitHub's error body, with the first validation error's.
func githubMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
			Code    string `json:"code"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Message
	if len(e.Errors) > 0 {
		d := e.Errors[0].Message
		if d == "" {
			d = strings.TrimSpace(e.Errors[0].Field + " " + e.Errors[0].Code)
		}
		if d != "" {
			msg += " (" + d + ")"
		}
	}
	return msg
}

// nextLink returns the rel="next" target of an RFC 8288 Link header, "" if there is none.
func nextLink(header string) string {
	for _, part := range strings.Split(header, ",") {
		target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if !strings.EqualFold(k, "rel") {
				continue
			}
			for _, rel := range strings.Fields(strings.Trim(v, `"`)) {
				if rel == "next" {
					return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
				}
			}
		}
	}
	return ""
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "?"
	}
	return u.Host
}
