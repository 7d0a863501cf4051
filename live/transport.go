package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
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
	// MaxRetryAfter caps the wait a Retry-After header can impose (default 60s): a server
	// asking for days would otherwise hold a CI job for them, silently.
	MaxRetryAfter time.Duration
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
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 60 * time.Second
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
	// RetryCauses counts the retries by what caused them ("HTTP 503", "HTTP 429", "409
	// transient_state", "no answer"), for progress reports (issue 18).
	RetryCauses map[string]int64
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
	causes struct {
		sync.Mutex
		n map[string]int64
	}
	sleep func(ctx context.Context, d time.Duration) error
	limits
}

// limits are the bounds of issue 16 the transport enforces besides retries.
type limits struct {
	// api is the only origin requests go to (guard.go); "" (tests of the retry policy alone)
	// lets any through.
	api    origin
	apiURL string
	// bodyTimeout bounds the arrival of a whole answer body, from its headers on.
	bodyTimeout time.Duration
	// notify, when set, is told of every wait or failed attempt of noticeAfter or more.
	notify      func(string)
	notifyMu    sync.Mutex
	noticeAfter time.Duration
}

func newTransport(next http.RoundTripper, p RetryPolicy) *transport {
	p = p.withDefaults()
	t := &transport{next: next, policy: p, sleep: sleepCtx}
	t.bodyTimeout, t.noticeAfter = defaultBodyTimeout, defaultNoticeAfter
	if p.RatePerSec > 0 {
		t.pacer = newPacer(p.RatePerSec, p.Burst, p.MaxRetryAfter)
	}
	return t
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
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

// errBodyDeadline cancels an attempt whose body did not arrive within bodyTimeout.
var errBodyDeadline = errors.New("body deadline")

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.allowed(req); err != nil {
		return nil, err
	}
	var cause string // of the failed attempt before this one
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			t.stats.retries.Add(1)
			t.countCause(cause)
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
				return nil, t.stopped(req, err)
			}
		}
		sent := time.Now()
		t.stats.requests.Add(1)
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			t.stats.writes.Add(1)
		}
		resp, err := t.attempt(req)
		if t.pacer != nil {
			t.pacer.observe(resp, sent)
		}
		retry, wait, why := t.classify(req, resp, err)
		if !retry || attempt >= t.policy.MaxAttempts {
			if ctx.Err() != nil && err != nil {
				err = t.stopped(req, err)
			}
			// A redirect is an answer that did nothing (the API never redirects); every other
			// failure of a write may have followed its execution.
			var redirect *RedirectError
			if err != nil && ctx.Err() == nil && !errors.As(err, &redirect) && !idempotent(req.Method) {
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: err}
			}
			if err == nil && resp.StatusCode >= 500 && !idempotent(req.Method) {
				drain(resp)
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: fmt.Errorf("HTTP %d", resp.StatusCode)}
			}
			return resp, err
		}
		cause = causeOf(resp)
		if resp != nil {
			drain(resp)
		}
		backoff := t.backoff(attempt)
		if wait > backoff {
			backoff = wait
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < backoff {
			// The deadline has not passed, so ctx has no cause yet: DeadlineExceeded lets
			// callers tell this end from other failures.
			return nil, fmt.Errorf("%s %s: giving up: %s, and the command's deadline is %s away, sooner than the %s wait before attempt %d (%w)",
				req.Method, req.URL.Path, why, time.Until(deadline).Round(time.Second), backoff.Round(100*time.Millisecond), attempt+1, context.DeadlineExceeded)
		}
		if took := time.Since(sent); backoff >= t.noticeAfter || took >= t.noticeAfter {
			t.say(fmt.Sprintf("%s %s: %s; waiting %s before attempt %d of %d",
				req.Method, req.URL.Path, why, backoff.Round(100*time.Millisecond), attempt+1, t.policy.MaxAttempts))
		}
		if err := t.sleep(ctx, backoff); err != nil {
			return nil, fmt.Errorf("%s %s: %s; stopped while waiting to try again: %w", req.Method, req.URL.Path, why, deadlineCause(ctx))
		}
	}
}

// causeOf names what made an attempt fail, for the retry counts: the answer's status, or none.
func causeOf(resp *http.Response) string {
	switch {
	case resp == nil:
		return "no answer"
	case resp.StatusCode == http.StatusConflict:
		return "409 transient_state"
	}
	return fmt.Sprintf("HTTP %d", resp.StatusCode)
}

// countCause counts a retry (when it is sent) by its cause.
func (t *transport) countCause(cause string) {
	t.causes.Lock()
	if t.causes.n == nil {
		t.causes.n = map[string]int64{}
	}
	t.causes.n[cause]++
	t.causes.Unlock()
}

func (t *transport) retryCauses() map[string]int64 {
	t.causes.Lock()
	defer t.causes.Unlock()
	return maps.Clone(t.causes.n)
}

// defaultNoticeAfter is how long a wait (or a failed attempt) lasts before it is worth a line on
// stderr: shorter pauses are the ordinary texture of a throttled run, longer ones look like a
// hang to whoever watches a CI log.
const defaultNoticeAfter = 3 * time.Second

func (t *transport) say(msg string) {
	if t.notify == nil {
		return
	}
	t.notifyMu.Lock()
	defer t.notifyMu.Unlock()
	t.notify(msg)
}

// allowed refuses a request that would carry the credentials anywhere but the API (guard.go).
func (t *transport) allowed(req *http.Request) error {
	if t.api == "" {
		return nil
	}
	if req.URL.User != nil || originOf(req.URL) != t.api {
		return &ForeignOriginError{Method: req.Method, URL: redactURL(req.URL), API: t.apiURL}
	}
	return nil
}

// attempt sends req once and reads the whole answer (see readBody), within the body deadline.
// A 3xx is refused here, before the SDK or the http.Client can act on it.
func (t *transport) attempt(req *http.Request) (*http.Response, error) {
	actx, cancel := context.WithCancelCause(req.Context())
	defer cancel(nil)
	resp, err := t.next.RoundTrip(req.WithContext(actx))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return nil, redirectOf(req, resp)
	}
	// The SDK reads the body after RoundTrip returns, where a connection dropped mid-body
	// could no longer be retried (a GET) or told ambiguous (a POST): read it here, and treat a
	// failed read as the network error it is. Cancelling the attempt's context is what stops
	// a read blocked on a silent connection.
	started := time.Now()
	timer := time.AfterFunc(t.bodyTimeout, func() { cancel(errBodyDeadline) })
	err = readBody(req, resp)
	timer.Stop()
	if err != nil && context.Cause(actx) == errBodyDeadline {
		var n int64
		var r *bodyReadError
		if errors.As(err, &r) {
			n = r.n
		}
		return nil, &AnswerError{Method: req.Method, Path: req.URL.Path, Bytes: n,
			Msg: fmt.Sprintf("the API took more than %s to send its answer (%s received in %s); a healthy API sends a page in well under a second", t.bodyTimeout, sizeOf(n), time.Since(started).Round(100*time.Millisecond))}
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// stopped says why a request stopped when its context ended: the command's deadline
// (deadlineCause) or an interrupt.
func (t *transport) stopped(req *http.Request, err error) error {
	if req.Context().Err() == nil {
		return err
	}
	return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, deadlineCause(req.Context()))
}

// deadlineCause is why ctx ended: its cause (cmd gives its deadline one that names --timeout),
// else its error.
func deadlineCause(ctx context.Context) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return ctx.Err()
}

// classify says whether to retry, the wait the server asked for, and why, for the waiting line.
func (t *transport) classify(req *http.Request, resp *http.Response, err error) (retry bool, wait time.Duration, why string) {
	if err != nil {
		var answer *AnswerError
		var redirect *RedirectError
		if req.Context().Err() != nil || errors.As(err, &answer) || errors.As(err, &redirect) {
			// An answer too big or too slow is the same on the next try: a broken or hostile
			// server, not a passing fault.
			return false, 0, ""
		}
		return idempotent(req.Method), 0, "no answer (" + err.Error() + ")"
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, why := t.retryAfter(resp.Header.Get("Retry-After"))
		return true, wait, "the API answered 429 Too Many Requests" + why
	case resp.StatusCode == http.StatusConflict:
		if isTransientState(resp) {
			return true, 0, "the API answered 409 transient_state"
		}
	case resp.StatusCode >= 500:
		wait, why := t.retryAfter(resp.Header.Get("Retry-After"))
		return idempotent(req.Method), wait, "the API answered " + resp.Status + why
	}
	return false, 0, ""
}

// isTransientState peeks at a 409 body for type transient_state and puts the body back.
func isTransientState(resp *http.Response) bool {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && bytes.Contains(body, []byte(`"transient_state"`))
}

// retryAfter is the wait a Retry-After header asks for, at most policy.MaxRetryAfter, and
// how the waiting line tells it.
func (t *transport) retryAfter(h string) (time.Duration, string) {
	asked, ok := parseRetryAfter(h)
	if !ok {
		return 0, ""
	}
	if asked > t.policy.MaxRetryAfter {
		return t.policy.MaxRetryAfter, fmt.Sprintf(" with Retry-After %ds, more than --max-retry-after allows (%s)", int64(asked/time.Second), t.policy.MaxRetryAfter)
	}
	return asked, fmt.Sprintf(" with Retry-After %ds", int64(asked/time.Second))
}

// parseRetryAfter reads seconds or an HTTP date; ok is false when h is absent or unreadable.
func parseRetryAfter(h string) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil && s >= 0 {
		// Kept whole (within int32 seconds, 68 years) for the waiting line; the ceiling applies after.
		return time.Duration(min(s, math.MaxInt32)) * time.Second, true
	}
	if when, err := http.ParseTime(h); err == nil {
		return max(0, min(time.Until(when), math.MaxInt32*time.Second)), true
	}
	return 0, false
}

func (t *transport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << min(attempt-1, 16)
	if d > t.policy.MaxDelay || d <= 0 {
		d = t.policy.MaxDelay
	}
	// Full jitter spreads out the retries of concurrent workers.
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// Answer sizes (issue 16). The whole body of every answer is read into memory (attempt says
// why), so each is capped: never a silent truncation, never a cap-sized allocation up front.
// The largest list item in the recordings is under 700 bytes (a policy); a group lists its
// members' IDs, so a page of groups is the one that can grow. A page may hold maxPageSize
// items of up to 80 KiB each (a group of ~2,000 members): 8 MiB. Other answers (one resource,
// an error) get 1 MiB. At --parallelism 8 at most 64 MiB of answers are in flight.
const (
	pageBytes   = 8 << 20
	answerBytes = 1 << 20
	// defaultBodyTimeout bounds the arrival of one answer's body once its headers came: 8 MiB
	// in 60 s is 140 kB/s, far below any link that reaches the API.
	defaultBodyTimeout = 60 * time.Second
)

// AnswerError is an answer iamsync refuses to read on: too big for its kind, or too slow.
// It is not retried: the next try would be the same.
type AnswerError struct {
	Method, Path string
	Msg          string
	Bytes        int64 // read before giving up
}

func (e *AnswerError) Error() string { return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Msg) }

// answerCap is the size cap of the answer to req, and what it is, for the error.
func answerCap(req *http.Request) (int64, string) {
	q := req.URL.Query()
	if req.Method == http.MethodGet && (q.Has("page") || q.Has("page_size")) {
		// The collection is the path's last element: /iam/v1alpha1/api-keys → API keys.
		what := strings.ReplaceAll(path.Base(req.URL.Path), "-", " ")
		return pageBytes, "one page of " + what
	}
	return answerBytes, "one answer"
}

// readBody reads resp's whole body, within its cap, and puts it back.
func readBody(req *http.Request, resp *http.Response) error {
	limit, what := answerCap(req)
	tooBig := func(n int64) error {
		return &AnswerError{Method: req.Method, Path: req.URL.Path, Bytes: n,
			Msg: fmt.Sprintf("the API sent more than %s for %s; iamsync stops reading there (a real answer is far smaller: check SCW_API_URL)", sizeOf(limit), what)}
	}
	defer resp.Body.Close()
	if resp.ContentLength > limit {
		return tooBig(resp.ContentLength)
	}
	// Chunks that grow with the body, joined once at the end: memory follows what arrived
	// (a small answer costs a small buffer), and a body over the cap costs the cap at most.
	var chunks [][]byte
	var n int64
	size := 4 << 10
	for done := false; !done; size = min(size*2, 256<<10) {
		c := make([]byte, size)
		k := 0
		for k < len(c) {
			m, err := resp.Body.Read(c[k:])
			k += m
			if n+int64(k) > limit {
				return tooBig(n + int64(k))
			}
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				return &bodyReadError{n: n + int64(k), err: err}
			}
		}
		n += int64(k)
		chunks = append(chunks, c[:k])
	}
	body := bytes.Join(chunks, nil)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return nil
}

// bodyReadError is a body whose reading failed: a network error, retried as one.
type bodyReadError struct {
	n   int64
	err error
}

func (e *bodyReadError) Error() string { return "read the answer: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

func sizeOf(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.3g MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
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
