package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Retries live in the transport, below the SDK (which never retries, BEHAVIOUR.md §1), so that
// every call — reads and writes alike — gets the same policy:
//
//   - 429: the request was refused, never processed: retried for every method, honouring
//     Retry-After.
//   - 409 transient_state: refused too (§5.4): retried for every method.
//   - 5xx and network errors: the request may have been processed. Idempotent methods (GET,
//     PUT, PATCH, DELETE) are retried; a POST is not, and comes back as an *AmbiguousError so
//     that the caller can look the resource up before creating it again (no duplicates, §5.6).
//
// Attempts back off exponentially with full jitter, within MaxAttempts and the context's
// deadline. A token bucket keeps bursts under the API's rate limits and adapts to its 429s
// (pacer.go).

// RetryPolicy tunes the transport.
type RetryPolicy struct {
	MaxAttempts int           // per request, including the first (default 8)
	BaseDelay   time.Duration // first backoff (default 200ms)
	MaxDelay    time.Duration // cap on one backoff (default 10s)
	RatePerSec  float64       // client-side rate limit, the adaptive rate's ceiling; 0 = default 100/s, <0 = none
	Burst       int
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 10 * time.Second
	}
	if p.RatePerSec == 0 {
		p.RatePerSec = 100
	}
	if p.Burst <= 0 {
		p.Burst = max(1, int(p.RatePerSec))
	}
	return p
}

// Stats counts what the transport did.
type Stats struct {
	Requests int64 // HTTP attempts sent
	Retries  int64 // attempts beyond the first
	Writes   int64 // attempts with a write method
	// RateLimited counts the 429s received; Rate and LowestRate are the adaptive rate now and
	// at its lowest (requests/s; 0 without a client-side limit).
	RateLimited      int64
	Rate, LowestRate float64
}

// AmbiguousError is a write whose outcome is unknown: the request may or may not have been
// applied by the API (a 5xx, or the connection failed after the request was sent).
type AmbiguousError struct {
	Method, Path string
	Err          error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: outcome unknown (%v)", e.Method, e.Path, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

type transport struct {
	next   http.RoundTripper
	policy RetryPolicy
	pacer  *pacer // nil without a client-side limit
	stats  struct{ requests, retries, writes atomic.Int64 }
	sleep  func(ctx context.Context, d time.Duration) error
}

func newTransport(next http.RoundTripper, p RetryPolicy) *transport {
	p = p.withDefaults()
	t := &transport{next: next, policy: p, sleep: sleepCtx}
	if p.RatePerSec > 0 {
		t.pacer = newPacer(p.RatePerSec, p.Burst)
	}
	return t
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			t.stats.retries.Add(1)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				req.Body = body
			}
		}
		if t.pacer != nil {
			if err := t.pacer.wait(ctx); err != nil {
				return nil, err
			}
		}
		sent := time.Now()
		t.stats.requests.Add(1)
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			t.stats.writes.Add(1)
		}
		resp, err := t.next.RoundTrip(req)
		if err == nil {
			// The SDK reads the body after RoundTrip returns, where a connection dropped
			// mid-body could no longer be retried (a GET) or told ambiguous (a POST): read it
			// here, and treat a failed read as the network error it is.
			err = buffer(resp)
			if err != nil {
				resp = nil
			}
		}
		if t.pacer != nil {
			t.pacer.observe(resp, sent)
		}
		retry, wait := t.classify(req, resp, err)
		if !retry || attempt >= t.policy.MaxAttempts {
			if err != nil && !idempotent(req.Method) && ctx.Err() == nil {
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: err}
			}
			if err == nil && resp.StatusCode >= 500 && !idempotent(req.Method) {
				drain(resp)
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
			}
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		backoff := t.backoff(attempt)
		if wait > backoff {
			backoff = wait
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < backoff {
			if err != nil {
				return nil, fmt.Errorf("%s %s: giving up before the deadline: %w", req.Method, req.URL.Path, err)
			}
			return nil, fmt.Errorf("%s %s: giving up before the deadline after HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		if err := t.sleep(ctx, backoff); err != nil {
			return nil, err
		}
	}
}

// classify says whether to retry, and the wait the server asked for.
func (t *transport) classify(req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		if req.Context().Err() != nil {
			return false, 0
		}
		return idempotent(req.Method), 0
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, retryAfter(resp.Header.Get("Retry-After"))
	case resp.StatusCode == http.StatusConflict:
		if isTransientState(resp) {
			return true, 0
		}
	case resp.StatusCode >= 500:
		return idempotent(req.Method), retryAfter(resp.Header.Get("Retry-After"))
	}
	return false, 0
}

// isTransientState peeks at a 409 body for type transient_state and puts the body back.
func isTransientState(resp *http.Response) bool {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && bytes.Contains(body, []byte(`"transient_state"`))
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(min(s, 300)) * time.Second
	}
	if when, err := http.ParseTime(h); err == nil {
		return min(time.Until(when), 5*time.Minute)
	}
	return 0
}

func (t *transport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << min(attempt-1, 16)
	if d > t.policy.MaxDelay || d <= 0 {
		d = t.policy.MaxDelay
	}
	// Full jitter spreads out the retries of concurrent workers.
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// maxResponse bounds a buffered answer (a page of 100 items is a few hundred kB at most).
const maxResponse = 64 << 20

// buffer reads resp's body into memory and puts it back.
func buffer(resp *http.Response) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read the answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// IsAmbiguous reports whether err is a write whose outcome is unknown.
func IsAmbiguous(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}
