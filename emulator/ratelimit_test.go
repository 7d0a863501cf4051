package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// manualClock is a wall clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func withLimiterClock(s *Server, rate float64) *manualClock {
	c := &manualClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.limiterNow = c.now
	s.limiter = newTokenBucket(rate, c.now())
	return c
}

func rawGet(t *testing.T, s *Server, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("X-Auth-Token", s.Owner().SecretKey)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func TestRateLimit(t *testing.T) {
	s := startServer(t, Options{Seed: 80, RateLimit: 2})
	clock := withLimiterClock(s, 2)
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	s.ResetCounts()
	for i := 0; i < 2; i++ {
		if _, err := api.ListApplications(&iam.ListApplicationsRequest{}); err != nil {
			t.Fatalf("request %d within the limit: %v", i+1, err)
		}
	}
	_, err := api.ListApplications(&iam.ListApplicationsRequest{})
	var re *scw.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusTooManyRequests || re.Message != "too many requests" {
		t.Fatalf("third request in the same instant: %v, want a 429 ResponseError with a message", err)
	}
	rec := rawGet(t, s, "/iam/v1alpha1/applications")
	var body struct{ Type, Message, HelpMessage string }
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 429 || rec.Header().Get("X-Envoy-Ratelimited") != "true" || body.Type != "too_many_requests" || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("429: %d %v %s", rec.Code, rec.Header(), rec.Body.String())
	}
	for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if rec.Header().Get(h) != "" {
			t.Errorf("%s sent by default; the real gateway sends no timing hint", h)
		}
	}
	// /metadata is outside the limit (the SDK calls it after every call).
	if rec := rawGet(t, s, "/metadata"); rec.Code != 200 {
		t.Fatalf("/metadata limited: %d", rec.Code)
	}
	clock.advance(500 * time.Millisecond) // one token at 2/s
	if _, err := api.ListApplications(&iam.ListApplicationsRequest{}); err != nil {
		t.Fatalf("after half a second: %v", err)
	}
	if rec := rawGet(t, s, "/iam/v1alpha1/applications"); rec.Code != 429 {
		t.Fatalf("the refilled token was spent: %d", rec.Code)
	}
	clock.advance(10 * time.Second) // the bucket holds one second's worth, not ten
	for i := 0; i < 2; i++ {
		if rec := rawGet(t, s, "/iam/v1alpha1/applications"); rec.Code != 200 {
			t.Fatalf("burst request %d after a long pause: %d", i+1, rec.Code)
		}
	}
	if rec := rawGet(t, s, "/iam/v1alpha1/applications"); rec.Code != 429 {
		t.Fatalf("the burst exceeds a second's worth: %d", rec.Code)
	}
	c := s.Counts()
	if c.RateLimited != 4 || c.Faults != 0 || c.Reads != 5 {
		t.Fatalf("counts %+v, want 4 rate-limited, 0 faults, 5 executed reads", c)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	s := startServer(t, Options{Seed: 81, RateLimit: 4, RateLimitHeaders: true})
	clock := withLimiterClock(s, 4)
	rec := rawGet(t, s, "/iam/v1alpha1/groups")
	if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "4" || rec.Header().Get("X-RateLimit-Remaining") != "3" ||
		rec.Header().Get("X-RateLimit-Reset") != "1" || rec.Header().Get("Retry-After") != "" {
		t.Fatalf("first answer headers %v", rec.Header())
	}
	for i := 0; i < 3; i++ {
		rawGet(t, s, "/iam/v1alpha1/groups")
	}
	rec = rawGet(t, s, "/iam/v1alpha1/groups")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("429 headers %d %v", rec.Code, rec.Header())
	}
	clock.advance(time.Second)
	if rec := rawGet(t, s, "/iam/v1alpha1/groups"); rec.Code != 200 {
		t.Fatalf("after a second: %d", rec.Code)
	}
}

// TestRateLimitWallClock: on the real clock, a tight loop gets no more than the burst plus
// what the elapsed time refills.
func TestRateLimitWallClock(t *testing.T) {
	s := startServer(t, Options{Seed: 82, RateLimit: 50})
	start := time.Now()
	ok := 0
	for i := 0; i < 300; i++ {
		if rawGet(t, s, "/iam/v1alpha1/policies").Code == 200 {
			ok++
		}
	}
	allowed := 50 + int(time.Since(start).Seconds()*50) + 1
	if ok < 50 || ok > allowed {
		t.Fatalf("%d of 300 requests passed in %v, want between 50 and %d", ok, time.Since(start), allowed)
	}
	if _, err := New(Options{RateLimit: -1}); err == nil {
		t.Fatal("a negative rate limit was accepted")
	}
}
