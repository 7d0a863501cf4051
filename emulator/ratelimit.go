package emulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Server-side rate limit (Options.RateLimit): a token bucket holding one second's worth of
// requests, refilled continuously. Above it the answer is 429, as Scaleway's API gateway
// gives it: a public capture of a real one (scaleway/terraform-provider-scaleway#4183) shows
// "x-envoy-ratelimited: true" and no Retry-After nor X-RateLimit-* header, so by default the
// emulator sends no timing hint either. Options.RateLimitHeaders adds Retry-After and
// X-RateLimit-Limit/-Remaining/-Reset (seconds) for testing clients that honour them when an
// API sends them; the real one is not known to. The body is JSON (the SDK needs one for a
// message) of the too_many_requests type scaleway-sdk-js parses (help_message, type).
// GET /metadata and the /_emulator paths are not limited.

type tokenBucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, now time.Time) *tokenBucket {
	burst := math.Max(1, rate)
	return &tokenBucket{rate: rate, burst: burst, tokens: burst, last: now}
}

// take spends a token if there is one. It returns whether it did, the whole tokens left,
// and how long until the next token and until a full bucket.
func (b *tokenBucket) take(now time.Time) (ok bool, remaining int, next, full time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		ok = true
	} else {
		next = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	}
	full = time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second))
	return ok, int(b.tokens), next, full
}

type tooManyRequestsBody struct {
	HelpMessage string `json:"help_message"`
	Message     string `json:"message"`
	Type        string `json:"type"`
}

func ceilSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

// rateLimited spends a token for the request; when there is none it answers the 429 and
// returns true.
func (s *Server) rateLimited(w http.ResponseWriter) bool {
	if s.limiter == nil {
		return false
	}
	ok, remaining, next, full := s.limiter.take(s.limiterNow())
	if s.opts.RateLimitHeaders {
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.FormatFloat(s.opts.RateLimit, 'f', -1, 64))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", ceilSeconds(full))
		if !ok {
			h.Set("Retry-After", ceilSeconds(max(next, time.Second)))
		}
	}
	if ok {
		return false
	}
	s.countRateLimited()
	w.Header().Set("X-Envoy-Ratelimited", "true")
	writeJSON(w, http.StatusTooManyRequests, tooManyRequestsBody{
		HelpMessage: fmt.Sprintf("at most %v requests per second (the emulator's rate limit)", s.opts.RateLimit),
		Message:     "too many requests", Type: "too_many_requests",
	})
	return true
}
