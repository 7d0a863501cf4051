package comment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// APIError is a forge's refusal: an HTTP status of 400 or more, with the message the forge
// gave. It never holds the token: requests carry it in a header, and headers are not kept.
type APIError struct {
	Forge   string
	Method  string
	Path    string // the URL path, no host or query
	Status  int
	Message string // the forge's own explanation, "" if it gave none
	// RetryAfter is how long the forge asked to wait (429, or 403 for a secondary rate limit).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s %s: %d %s", e.Forge, e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Retryable reports whether err is worth another try: a rate limit, a server-side failure, or
// no answer at all. A 4xx other than 429 is the caller's to fix.
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status >= 500 || ae.RetryAfter > 0
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

// transport is what GitHub and GitLab share: one JSON request with the auth header set, and
// bounded retries of the idempotent ones.
type transport struct {
	forge   string
	client  *http.Client
	header  http.Header // auth and content negotiation; never printed
	backoff time.Duration
	tries   int
	// message extracts the forge's explanation from an error body.
	message func(body []byte) string
}

func (t *transport) do(ctx context.Context, method, rawURL string, in, out any) (http.Header, error) {
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return nil, err
		}
	}
	tries := t.tries
	if method == http.MethodPost || tries < 1 {
		tries = 1 // a create is not repeated blindly: Upsert looks first (see there)
	}
	var lastErr error
	for attempt := 0; attempt < tries; attempt++ {
		if attempt > 0 {
			wait := t.backoff << (attempt - 1)
			var ae *APIError
			if errors.As(lastErr, &ae) && ae.RetryAfter > 0 && ae.RetryAfter < time.Minute {
				wait = max(wait, ae.RetryAfter)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		}
		h, err := t.once(ctx, method, rawURL, payload, out)
		if err == nil || !Retryable(err) || ctx.Err() != nil {
			return h, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (t *transport) once(ctx context.Context, method, rawURL string, payload []byte, out any) (http.Header, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range t.header {
		req.Header[k] = v
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := http.Client{Timeout: 30 * time.Second}
	if t.client != nil {
		client = *t.client
	}
	client.CheckRedirect = onlyWithinTheForge
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: %w", t.forge, method, pathOf(rawURL), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s %s: read the answer: %w", t.forge, method, pathOf(rawURL), err)
	}
	if resp.StatusCode >= 400 {
		ae := &APIError{Forge: t.forge, Method: method, Path: pathOf(rawURL), Status: resp.StatusCode, Message: t.message(data)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			ae.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, ae
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s %s: the answer is not the JSON expected: %w", t.forge, method, pathOf(rawURL), err)
		}
	}
	return resp.Header, nil
}

// onlyWithinTheForge follows a redirect only within the forge's own scheme, host and port (GitHub
// redirects a renamed repository's API paths there). Go would carry a custom header, GitLab's
// PRIVATE-TOKEN among them, to any host: the token must never leave for another (issue 16).
func onlyWithinTheForge(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("the forge redirected to %s://%s, another origin than %s://%s: not followed, so that its token stays with it", req.URL.Scheme, req.URL.Host, first.Scheme, first.Host)
	}
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	return nil
}

func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "?"
	}
	return u.Path
}

// sameOrigin guards pagination: a next-page link elsewhere would get the token.
func sameOrigin(base, next string) bool {
	b, err1 := url.Parse(base)
	n, err2 := url.Parse(next)
	return err1 == nil && err2 == nil && b.Scheme == n.Scheme && b.Host == n.Host
}

// maxPages bounds listing: 100 pages of 100 is more comments than any review has.
const maxPages = 100
