package live

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Adaptive rate (issue 11). The client's token bucket starts at the configured rate (100
// requests/s, the limit Scaleway's support quotes: emulator/doc.go, "Rate limit") and adapts to
// what the server says:
//
//   - A 429 is the API's rate limit (the real gateway answers it with x-envoy-ratelimited:
//     true and no timing hint, emulator/doc.go): the rate is cut to 90 % (never below 1/s),
//     once per cut — a 429 for a request sent before the last cut says nothing new — and the
//     bucket's burst drops to one request, since the server's own bucket is empty by then.
//     Requests are retried by the transport as before.
//   - Every other answer adds 6/rate requests/s, i.e. about 6 requests/s per second, back up to
//     the ceiling: after a cut at 100 the rate is back in under 2 s, so a client at a server's
//     limit saws between 90 % and 100 % of it, with a 429 every few seconds at most.
//   - Retry-After on a 429 pauses every request, not only the refused one.
//   - X-RateLimit-Limit, when present, lowers the ceiling to it (never above the configured
//     one: --rate-limit stays a cap); X-RateLimit-Remaining: 0 holds the next request for one
//     request's worth of time. The real API is not known to send these; the emulator's
//     RateLimitHeaders option does.

const (
	paceCut      = 0.9
	paceIncrease = 6.0 // requests/s gained per second of answers
	paceFloor    = 1.0
)

// pacer is the adaptive token bucket.
type pacer struct {
	lim *rate.Limiter

	mu      sync.Mutex
	cap     float64 // configured ceiling (RetryPolicy.RatePerSec)
	ceiling float64 // cap, lowered by X-RateLimit-Limit
	rate    float64
	lowest  float64
	lastCut time.Time
	pause   time.Time // no request leaves before this
	limited int64     // 429s seen
	// maxPause caps a Retry-After pause (RetryPolicy.MaxRetryAfter).
	maxPause time.Duration
}

func newPacer(perSec float64, burst int, maxPause time.Duration) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Limit(perSec), burst), cap: perSec, ceiling: perSec, rate: perSec, lowest: perSec, maxPause: maxPause}
}

// wait blocks until a request may be sent.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	until := p.pause
	p.mu.Unlock()
	if d := time.Until(until); d > 0 {
		// A pause another request's 429 asked for; that request's waiting line says so.
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
	if err := p.lim.Wait(ctx); err != nil {
		if ctx.Err() == nil {
			// The limiter refuses at once a wait that would end after the deadline.
			return fmt.Errorf("the rate limit would hold this request past the command's deadline: %w", context.DeadlineExceeded)
		}
		return context.Cause(ctx)
	}
	return nil
}

// observe adapts the rate to the answer of a request sent at sent.
func (p *pacer) observe(resp *http.Response, sent time.Time) {
	if resp == nil {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, err := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Limit"), 64); err == nil && l > 0 && !math.IsInf(l, 0) {
		p.ceiling = math.Min(p.cap, l)
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		p.pause = maxTime(p.pause, now.Add(time.Duration(float64(time.Second)/p.ceiling)))
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		p.limited++
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok && d > 0 {
			p.pause = maxTime(p.pause, now.Add(min(d, p.maxPause)))
		}
		if sent.After(p.lastCut) {
			p.lastCut = now
			p.setLocked(math.Max(paceFloor, p.rate*paceCut), 1)
		}
		return
	}
	switch {
	case p.rate > p.ceiling:
		// The server told its limit: no more than that, nor a bigger burst than a second of it.
		p.setLocked(p.ceiling, min(p.lim.Burst(), max(1, int(p.ceiling))))
	case p.rate < p.ceiling:
		p.setLocked(math.Min(p.ceiling, p.rate+paceIncrease/p.rate), p.lim.Burst())
	}
}

func (p *pacer) setLocked(r float64, burst int) {
	p.rate = r
	p.lowest = math.Min(p.lowest, r)
	p.lim.SetLimit(rate.Limit(r))
	p.lim.SetBurst(burst)
}

// snapshot returns the current and lowest rates and the 429s seen.
func (p *pacer) snapshot() (current, lowest float64, limited int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate, p.lowest, p.limited
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
