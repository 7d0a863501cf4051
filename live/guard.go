package live

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Where the credentials may go (issue 16). The secret key travels in X-Auth-Token on every
// request, so a request that reaches another server hands that server the key. Two guards, so
// that neither alone has to be right:
//
//   - no redirect is ever followed: the Scaleway API never redirects (BEHAVIOUR.md §1 lists
//     none in the recordings), so a 3xx means a wrong URL or a server that is not the API.
//     The transport turns any 3xx into a *RedirectError, and every http.Client iamsync builds
//     also refuses redirects (RefuseRedirect), in case an answer ever reaches it;
//   - the transport sends nothing to an origin (scheme, host, port) other than the configured
//     API URL's: whatever builds a request, it cannot leave with the key for elsewhere.
//
// An API URL with a user name or password in it (https://user:pw@host) is refused, not
// stripped: Go's http.Client would send them as Authorization: Basic, the Scaleway API has no
// use for them, and someone who wrote them meant them to be used, so dropping them silently
// would trade a leak for a puzzle.

// RedirectError is a 3xx answer, which iamsync never follows.
type RedirectError struct {
	Method, Path string
	Status       int
	Location     string // the target, without user info
}

func (e *RedirectError) Error() string {
	to := e.Location
	if to == "" {
		to = "nowhere (no Location header)"
	}
	return fmt.Sprintf("%s %s: the API answered %d redirecting to %s: iamsync never follows redirects (the Scaleway API does not redirect); check SCW_API_URL or the profile's api_url",
		e.Method, e.Path, e.Status, to)
}

// ForeignOriginError is a request to somewhere other than the configured API, refused before
// it was sent.
type ForeignOriginError struct {
	Method, URL, API string
}

func (e *ForeignOriginError) Error() string {
	return fmt.Sprintf("%s %s: refused: iamsync sends requests (and the credentials in them) only to the configured API, %s", e.Method, e.URL, e.API)
}

// origin is the scheme, host and port requests may go to, all lower case, the port explicit.
type origin string

func originOf(u *url.URL) origin {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return origin(scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port)
}

// checkAPIURL parses the configured API URL and returns its origin, refusing one with user info
// and one that is not an absolute http(s) URL.
func checkAPIURL(raw string) (origin, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// The error quotes the URL, user info included: name the setting instead.
		return "", errors.New("the API URL (SCW_API_URL or the profile's api_url) is not a valid URL")
	}
	if u.User != nil {
		return "", fmt.Errorf("the API URL %s holds a user name or password (user:password@): the Scaleway API authenticates with the secret key alone, and iamsync will not send them anywhere; remove them from SCW_API_URL or the profile's api_url", redactURL(u))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the API URL %s is not an http:// or https:// URL with a host: check SCW_API_URL or the profile's api_url", redactURL(u))
	}
	return originOf(u), nil
}

// redactURL prints u without user info, query or fragment (the query could be anything a
// hostile server put in a Location header).
func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.ForceQuery = nil, "", "", false
	if u.RawQuery != "" {
		return c.String() + "?…"
	}
	return c.String()
}

// RefuseRedirect is the CheckRedirect of every http.Client iamsync builds: it never follows a
// redirect. (The transport refuses 3xx answers itself; this is the second lock.)
func RefuseRedirect(req *http.Request, via []*http.Request) error {
	e := &RedirectError{Method: req.Method, Location: redactURL(req.URL)}
	if len(via) > 0 {
		e.Method, e.Path = via[0].Method, via[0].URL.Path
	}
	if req.Response != nil {
		e.Status = req.Response.StatusCode
	}
	return e
}

// redirectOf builds the error for a 3xx answer to req.
func redirectOf(req *http.Request, resp *http.Response) *RedirectError {
	e := &RedirectError{Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := req.URL.Parse(loc); err == nil {
			e.Location = redactURL(u)
		} else {
			e.Location = "an unparsable Location"
		}
	}
	return e
}
