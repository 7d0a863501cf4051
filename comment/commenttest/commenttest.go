// Package commenttest is an in-memory fake of the GitHub issue-comments and GitLab
// merge-request-notes APIs, as far as iamsync uses them, for tests: pagination, auth,
// read-only tokens, size limits and injected failures, with the forges' own error bodies.
package commenttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Forge selects which API a Server speaks.
type Forge int

const (
	GitHub Forge = iota
	GitLab
)

// Note is a stored comment.
type Note struct {
	ID     int64
	Body   string
	System bool // GitLab system note ("added 1 commit")
}

// Failure makes the next Times requests matching Method answer Status with Body. With Lose
// set, the request is carried out first and only its answer replaced: a lost response.
type Failure struct {
	Method string
	Status int
	Body   string
	Times  int
	Lose   bool
	// RetryAfter, if set, is sent as the Retry-After header (seconds).
	RetryAfter string
}

// Server is one pull request (GitHub) or merge request (GitLab) on a fake forge.
type Server struct {
	*httptest.Server
	Forge    Forge
	Token    string
	Repo     string // GitHub owner/name, or GitLab project ID or path
	Number   int
	Page     int  // comments per page at most (default 100); small values exercise pagination
	ReadOnly bool // writes answer 403, as a fork's pull request token does on GitHub
	// CRLF stores bodies with CRLF line endings, as GitHub does for some clients.
	CRLF bool
	// LinkHost, if set, is the host GitHub's next-page links name instead of the request's:
	// a misconfigured proxy, which a client must not follow with its token.
	LinkHost string

	mu       sync.Mutex
	notes    []Note
	nextID   int64
	failures []Failure
	writes   int
	requests int
}

// New starts a fake for forge; close it with Close.
func New(forge Forge, repo string, number int, token string) *Server {
	s := &Server{Forge: forge, Token: token, Repo: repo, Number: number, nextID: 1000}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// APIURL is what GITHUB_API_URL or CI_API_V4_URL would be.
func (s *Server) APIURL() string {
	if s.Forge == GitLab {
		return s.URL + "/api/v4"
	}
	return s.URL
}

// Add stores a comment written by someone else and returns its ID.
func (s *Server) Add(body string, system bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.notes = append(s.notes, Note{ID: s.nextID, Body: body, System: system})
	return s.nextID
}

// Notes returns the stored comments, oldest first.
func (s *Server) Notes() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Note(nil), s.notes...)
}

// Fail queues a failure.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// Writes is the number of creates and updates carried out.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// Requests is the number of requests served, failures included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if !s.authorized(r) {
		if s.Forge == GitLab {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
		} else {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		}
		return
	}
	var lost *Failure
	for i := range s.failures {
		f := &s.failures[i]
		if f.Times > 0 && f.Method == r.Method {
			f.Times--
			if f.Lose {
				lost = f
				break
			}
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			fmt.Fprint(w, f.Body)
			return
		}
	}
	if lost != nil {
		s.route(httptest.NewRecorder(), r)
		w.WriteHeader(lost.Status)
		fmt.Fprint(w, lost.Body)
		return
	}
	s.route(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.Forge == GitLab {
		return r.Header.Get("PRIVATE-TOKEN") == s.Token
	}
	a := r.Header.Get("Authorization")
	return a == "Bearer "+s.Token || a == "token "+s.Token
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if s.Forge == GitLab {
		s.routeGitLab(w, r)
	} else {
		s.routeGitHub(w, r)
	}
}

func (s *Server) routeGitHub(w http.ResponseWriter, r *http.Request) {
	notFound := map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
	if r.Header.Get("User-Agent") == "" {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Request forbidden by administrative rules. Please make sure your request has a User-Agent header"})
		return
	}
	list := fmt.Sprintf("/repos/%s/issues/%d/comments", s.Repo, s.Number)
	edit := fmt.Sprintf("/repos/%s/issues/comments/", s.Repo)
	switch {
	case r.URL.Path == list && r.Method == http.MethodGet:
		page, per := pageParams(r, 30, s.Page)
		items, more := paginate(s.notes, page, per)
		out := []map[string]any{}
		for _, n := range items {
			out = append(out, s.githubJSON(n))
		}
		if more {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(page+1))
			host := r.Host
			if s.LinkHost != "" {
				host = s.LinkHost
			}
			next := "http://" + host + r.URL.Path + "?" + q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="last"`, next, next))
		}
		writeJSON(w, http.StatusOK, out)
	case r.URL.Path == list && r.Method == http.MethodPost:
		s.write(w, r, -1, githubAnswers(s))
	case strings.HasPrefix(r.URL.Path, edit) && r.Method == http.MethodPatch:
		i := s.index(strings.TrimPrefix(r.URL.Path, edit))
		if i < 0 {
			writeJSON(w, http.StatusNotFound, notFound)
			return
		}
		s.write(w, r, i, githubAnswers(s))
	default:
		writeJSON(w, http.StatusNotFound, notFound)
	}
}

func (s *Server) githubJSON(n Note) map[string]any {
	return map[string]any{"id": n.ID, "body": n.Body, "user": map[string]string{"login": "github-actions[bot]", "type": "Bot"},
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d#issuecomment-%d", s.Repo, s.Number, n.ID)}
}

func (s *Server) routeGitLab(w http.ResponseWriter, r *http.Request) {
	notFound := map[string]string{"message": "404 Not found"}
	// The project may be a path: it arrives escaped (group%2Fproject).
	notes := fmt.Sprintf("/api/v4/projects/%s/merge_requests/%d/notes", url.PathEscape(s.Repo), s.Number)
	path := r.URL.EscapedPath()
	switch {
	case path == notes && r.Method == http.MethodGet:
		page, per := pageParams(r, 20, s.Page)
		ordered := append([]Note(nil), s.notes...)
		if r.URL.Query().Get("sort") != "asc" { // GitLab's default is newest first
			for i, j := 0, len(ordered)-1; i < j; i, j = i+1, j-1 {
				ordered[i], ordered[j] = ordered[j], ordered[i]
			}
		}
		items, more := paginate(ordered, page, per)
		out := []map[string]any{}
		for _, n := range items {
			out = append(out, gitlabJSON(n))
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Next-Page", "")
		if more {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		writeJSON(w, http.StatusOK, out)
	case path == notes && r.Method == http.MethodPost:
		s.write(w, r, -1, gitlabAnswers)
	case strings.HasPrefix(path, notes+"/") && r.Method == http.MethodPut:
		i := s.index(strings.TrimPrefix(path, notes+"/"))
		if i < 0 || s.notes[i].System {
			writeJSON(w, http.StatusNotFound, notFound)
			return
		}
		s.write(w, r, i, gitlabAnswers)
	default:
		writeJSON(w, http.StatusNotFound, notFound)
	}
}

func gitlabJSON(n Note) map[string]any {
	return map[string]any{"id": n.ID, "body": n.Body, "system": n.System, "type": nil,
		"author": map[string]string{"username": "project_1_bot"}, "noteable_type": "MergeRequest"}
}

// answers are what the forges say differently to a create or an update.
type answers struct {
	limit    int // characters
	tooLong  func() (int, any)
	readOnly any
	render   func(Note) map[string]any
	crlf     bool
}

func githubAnswers(s *Server) answers {
	return answers{
		limit: 65536,
		tooLong: func() (int, any) {
			return http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
				"errors": []map[string]string{{"resource": "IssueComment", "code": "custom", "field": "body", "message": "body is too long (maximum is 65536 characters)"}}}
		},
		readOnly: map[string]string{"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/issues/comments"},
		render:   s.githubJSON,
		crlf:     s.CRLF,
	}
}

var gitlabAnswers = answers{
	limit: 1_000_000,
	tooLong: func() (int, any) {
		return http.StatusBadRequest, map[string]any{"message": map[string][]string{"note": {"is too long (maximum is 1000000 characters)"}}}
	},
	readOnly: map[string]string{"message": "403 Forbidden"},
	render:   gitlabJSON,
}

// write creates a comment (index < 0) or replaces the body of notes[index].
func (s *Server) write(w http.ResponseWriter, r *http.Request, index int, a answers) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if s.ReadOnly {
		writeJSON(w, http.StatusForbidden, a.readOnly)
		return
	}
	if len([]rune(body)) > a.limit {
		status, v := a.tooLong()
		writeJSON(w, status, v)
		return
	}
	if a.crlf {
		body = strings.ReplaceAll(body, "\n", "\r\n")
	}
	s.writes++
	if index >= 0 {
		s.notes[index].Body = body
		writeJSON(w, http.StatusOK, a.render(s.notes[index]))
		return
	}
	s.nextID++
	n := Note{ID: s.nextID, Body: body}
	s.notes = append(s.notes, n)
	writeJSON(w, http.StatusCreated, a.render(n))
}

func (s *Server) index(id string) int {
	for i, n := range s.notes {
		if strconv.FormatInt(n.ID, 10) == id {
			return i
		}
	}
	return -1
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == nil {
		if s.Forge == GitLab {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body is missing"})
		} else {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request.\n\n\"body\" wasn't supplied."})
		}
		return "", false
	}
	return *in.Body, true
}

// pageParams reads page and per_page as the forges do: per_page capped at 100, and here also
// at the server's own Page size.
func pageParams(r *http.Request, defaultPer, serverMax int) (page, per int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	per, err := strconv.Atoi(r.URL.Query().Get("per_page"))
	if err != nil || per < 1 {
		per = defaultPer
	}
	per = min(per, 100)
	if serverMax > 0 {
		per = min(per, serverMax)
	}
	return page, per
}

func paginate(all []Note, page, per int) (items []Note, more bool) {
	start := (page - 1) * per
	if start >= len(all) {
		return nil, false
	}
	end := min(start+per, len(all))
	return all[start:end], end < len(all)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
