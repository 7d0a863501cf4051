package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"
)

// Issue 16: a hostile fake API, in process, with short deadlines. The cases that could take
// the machine's memory (a 1 GB body, endless lists read by the binary) run in a child process
// under a watchdog: resilience/hostile_test.go.

const (
	hostileAccess = "SCWHOSTILEAAAAAAAAAA"
	hostileSecret = "d2f3a1c4-5b6e-4f70-8a9b-0c1d2e3f4a5b" // must never reach any other listener
	hostileOrg    = "22222222-2222-4222-8222-222222222222"
)

// emptyLists answers every GET as an empty list (and /metadata as nothing much), so that a
// case overrides only the route it is about.
func emptyLists(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"total_count":0}`)
}

// endless429OnUsers answers the users list 429 with Retry-After 999999 s, every time.
var endless429OnUsers = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/iam/v1alpha1/users" {
		emptyLists(w, r)
		return
	}
	w.Header().Set("Retry-After", "999999")
	w.WriteHeader(http.StatusTooManyRequests)
})

// recorder is a listener that must receive nothing: it notes every request and any credential.
type recorder struct {
	srv   *httptest.Server
	hits  atomic.Int64
	mu    sync.Mutex
	creds []string
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.hits.Add(1)
		rec.mu.Lock()
		for _, h := range []string{"X-Auth-Token", "Authorization"} {
			if v := r.Header.Get(h); v != "" {
				rec.creds = append(rec.creds, h) // the name only: a failure must not print the key
			}
		}
		rec.mu.Unlock()
		emptyLists(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) assertUntouched(t *testing.T) {
	t.Helper()
	if n := rec.hits.Load(); n > 0 {
		t.Errorf("the other listener received %d requests (credentials seen: %q)", n, rec.creds)
	}
}

type hostileOpts struct {
	url    string // API URL; default the server's
	tweak  func(*Config)
	notify *lines
}

// lines collects Notify's lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) { l.mu.Lock(); l.l = append(l.l, s); l.mu.Unlock() }
func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.l...)
}

func hostileClient(t *testing.T, h http.Handler, o hostileOpts) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	url := srv.URL
	if o.url != "" {
		url = o.url
	}
	ak, sk, org := hostileAccess, hostileSecret, hostileOrg
	cfg := Config{
		Explicit: &scw.Profile{APIURL: &url, AccessKey: &ak, SecretKey: &sk, DefaultOrganizationID: &org},
		Retry:    RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, RatePerSec: -1},
	}
	if o.notify != nil {
		cfg.Notify = o.notify.add
	}
	if o.tweak != nil {
		o.tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readWithin runs Read and fails the test if it outlasts limit.
func readWithin(t *testing.T, c *Client, limit time.Duration) (error, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(context.Background(), ReadOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		return err, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("Read still running after %s", limit)
		return nil, 0
	}
}

func assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, hostileSecret) {
			t.Errorf("the secret key appears in %q", s)
		}
	}
}

func TestRedirectIsNeverFollowed(t *testing.T) {
	for _, tc := range []struct {
		name string
		// target builds the Location from the other listener's address (127.0.0.1:port).
		target func(other string) string
	}{
		// Same host name, another port.
		{"another port", func(other string) string { return "http://" + other + "/iam/v1alpha1/applications?page=1" }},
		// Another host name for the same listener: the origin differs.
		{"another host", func(other string) string {
			return "http://localhost:" + other[strings.LastIndex(other, ":")+1:] + "/iam/v1alpha1/applications"
		}},
	} {
		for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(fmt.Sprintf("%s %d", tc.name, status), func(t *testing.T) {
				other := newRecorder(t)
				loc := tc.target(other.srv.Listener.Addr().String())
				c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/metadata" {
						emptyLists(w, r)
						return
					}
					http.Redirect(w, r, loc, status)
				}), hostileOpts{})
				err, took := readWithin(t, c, 10*time.Second)
				other.assertUntouched(t)
				var redirect *RedirectError
				if !errors.As(err, &redirect) {
					t.Fatalf("Read through a redirect: %v, want a *RedirectError", err)
				}
				want := strings.SplitN(loc, "?", 2)[0]
				if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprint(status)) {
					t.Errorf("the error does not name the status and the target %s: %v", want, err)
				}
				assertNoSecret(t, err.Error())
				if took > 2*time.Second {
					t.Errorf("giving up took %s", took)
				}
				if st := c.Stats(); st.Retries > 0 {
					t.Errorf("a redirect was retried %d times", st.Retries)
				}
			})
		}
	}
}

// The transport's own guard: even through an http.Client that follows redirects, a request
// to another origin is refused before it leaves, and RefuseRedirect alone stops a client
// with a plain transport.
func TestCredentialsGoOnlyToTheAPI(t *testing.T) {
	other := newRecorder(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/stolen", http.StatusFound)
	}))
	defer api.Close()
	origin, err := checkAPIURL(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport(http.DefaultTransport, RetryPolicy{RatePerSec: -1})
	tr.api, tr.apiURL = origin, api.URL
	// Straight to another origin.
	req, _ := http.NewRequest(http.MethodGet, other.srv.URL+"/iam/v1alpha1/applications", nil)
	req.Header.Set("X-Auth-Token", hostileSecret)
	var foreign *ForeignOriginError
	if _, err := tr.RoundTrip(req); !errors.As(err, &foreign) {
		t.Errorf("a request to %s: %v, want a *ForeignOriginError", other.srv.URL, err)
	}
	// A redirect as a following client would pursue it, if the transport let the 3xx through.
	follower := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if err := tr.allowed(r); err != nil {
			return nil, err
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	req, _ = http.NewRequest(http.MethodGet, api.URL+"/iam/v1alpha1/applications", nil)
	req.Header.Set("X-Auth-Token", hostileSecret)
	if _, err := follower.Do(req); !errors.As(err, &foreign) {
		t.Errorf("a followed redirect: %v, want a *ForeignOriginError", err)
	}
	// CheckRedirect alone, over a transport without the guard.
	plain := &http.Client{CheckRedirect: RefuseRedirect}
	req, _ = http.NewRequest(http.MethodGet, api.URL+"/iam/v1alpha1/applications", nil)
	req.Header.Set("X-Auth-Token", hostileSecret)
	var redirect *RedirectError
	if _, err := plain.Do(req); !errors.As(err, &redirect) || redirect.Status != http.StatusFound {
		t.Errorf("RefuseRedirect: %v, want a *RedirectError for 302", err)
	}
	other.assertUntouched(t)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAPIURLWithUserInfoIsRefused(t *testing.T) {
	other := newRecorder(t)
	url := strings.Replace(other.srv.URL, "http://", "http://admin:hunter2pw@", 1)
	ak, sk, org := hostileAccess, hostileSecret, hostileOrg
	_, err := New(Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &ak, SecretKey: &sk, DefaultOrganizationID: &org}})
	if err == nil || !strings.Contains(err.Error(), "user name or password") {
		t.Fatalf("New with %s: %v, want a refusal", url, err)
	}
	if strings.Contains(err.Error(), "hunter2pw") || strings.Contains(err.Error(), "admin") {
		t.Errorf("the refusal repeats the user info: %v", err)
	}
	other.assertUntouched(t)
}

// list answers the applications list with pages from page; every other route is empty.
func list(page func(n int) (total uint64, ids []string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/iam/v1alpha1/applications" {
			emptyLists(w, r)
			return
		}
		var n int
		fmt.Sscan(r.URL.Query().Get("page"), &n)
		total, ids := page(n)
		var items []string
		for _, id := range ids {
			items = append(items, fmt.Sprintf(`{"id":%q,"name":"app-%s","organization_id":%q}`, id, id, hostileOrg))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"applications":[%s],"total_count":%d}`, strings.Join(items, ","), total)
	})
}

func pageIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func TestEndlessPagination(t *testing.T) {
	t.Run("a total beyond --max-objects is refused after page 1", func(t *testing.T) {
		var pages atomic.Int64
		c := hostileClient(t, list(func(n int) (uint64, []string) {
			pages.Add(1)
			return math.MaxUint32, pageIDs(fmt.Sprint(n), maxPageSize)
		}), hostileOpts{})
		err, took := readWithin(t, c, 10*time.Second)
		var tooMany *TooManyError
		if !errors.As(err, &tooMany) || tooMany.Claimed != math.MaxUint32 || tooMany.Max != DefaultMaxObjects {
			t.Fatalf("Read of a list claiming 4,294,967,295 items: %v, want a *TooManyError", err)
		}
		if n := pages.Load(); n != 1 {
			t.Errorf("%d pages asked for, want page 1 alone", n)
		}
		if took > 2*time.Second {
			t.Errorf("giving up took %s", took)
		}
	})
	t.Run("the same page again is an error", func(t *testing.T) {
		var pages atomic.Int64
		c := hostileClient(t, list(func(n int) (uint64, []string) {
			pages.Add(1)
			return 99_999, pageIDs("same", maxPageSize)
		}), hostileOpts{})
		err, _ := readWithin(t, c, 10*time.Second)
		var repeat *RepeatError
		if !errors.As(err, &repeat) || repeat.What != "applications" {
			t.Fatalf("Read of a list repeating page 1: %v, want a *RepeatError", err)
		}
		// The read stops at the first repeat each worker sees: at most one page per worker
		// beyond page 1, never the 1,000 the total claims.
		if n := pages.Load(); n > 1+8 {
			t.Errorf("%d pages asked for, want at most 9", n)
		}
	})
	t.Run("a short page ends the list whatever the total says", func(t *testing.T) {
		var pages atomic.Int64
		c := hostileClient(t, list(func(n int) (uint64, []string) {
			pages.Add(1)
			if n >= 3 {
				return 50_000, pageIDs(fmt.Sprint("p", n), 10)
			}
			return 50_000, pageIDs(fmt.Sprint("p", n), maxPageSize)
		}), hostileOpts{tweak: func(c *Config) { c.Parallelism = 1 }})
		snap, err := c.fetch(context.Background(), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(snap.apps); got != 2*maxPageSize+10 {
			t.Errorf("%d applications, want the 210 served", got)
		}
		// One worker: pages 1, 2, 3 and nothing after the short page 3 (the other lists
		// are empty and cost one call each).
		if n := pages.Load(); n != 3 {
			t.Errorf("%d pages of applications asked for, want 3", n)
		}
	})
	t.Run("--max-objects applies to Find as well", func(t *testing.T) {
		c := hostileClient(t, list(func(n int) (uint64, []string) {
			return 5_000, pageIDs(fmt.Sprint(n), maxPageSize)
		}), hostileOpts{tweak: func(c *Config) { c.MaxObjects = 1_000 }})
		_, err := c.Find(context.Background(), "application", "x", "")
		var tooMany *TooManyError
		if !errors.As(err, &tooMany) || tooMany.Max != 1_000 {
			t.Fatalf("Find over a list of 5,000 with --max-objects 1000: %v, want a *TooManyError", err)
		}
	})
}

func TestAnswerTooBig(t *testing.T) {
	var served atomic.Int64
	c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/iam/v1alpha1/api-keys" {
			emptyLists(w, r)
			return
		}
		// No Content-Length: the cap must be found while reading. 9 MiB of valid-looking JSON.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total_count":1,"api_keys":[{"description":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range 9 * 16 {
			n, err := fmt.Fprint(w, chunk)
			served.Add(int64(n))
			if err != nil {
				return
			}
		}
		fmt.Fprint(w, `"}]}`)
	}), hostileOpts{})
	err, _ := readWithin(t, c, 10*time.Second)
	var answer *AnswerError
	if !errors.As(err, &answer) {
		t.Fatalf("Read of a 9 MiB page: %v, want an *AnswerError", err)
	}
	if !strings.Contains(err.Error(), "more than 8 MiB for one page of api keys") {
		t.Errorf("the error does not say what was too big: %v", err)
	}
	if strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("the error is the misleading one of before: %v", err)
	}
	if st := c.Stats(); st.Retries > 0 {
		t.Errorf("an answer too big was retried %d times", st.Retries)
	}
}

func TestDripBodyEndsAtTheBodyDeadline(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/iam/v1alpha1/groups" {
			emptyLists(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}), hostileOpts{tweak: func(c *Config) { c.BodyTimeout = 400 * time.Millisecond }})
	err, took := readWithin(t, c, 10*time.Second)
	var answer *AnswerError
	if !errors.As(err, &answer) || !strings.Contains(err.Error(), "took more than 400ms to send its answer") {
		t.Fatalf("Read of a dripping body: %v, want the body deadline's error", err)
	}
	if answer.Bytes == 0 {
		t.Errorf("the error does not count the bytes received: %v", err)
	}
	if took < 400*time.Millisecond || took > 3*time.Second {
		t.Errorf("giving up took %s, want about the 400ms body deadline", took)
	}
}

func TestWaitsAreToldAndBounded(t *testing.T) {
	t.Run("Retry-After beyond the ceiling", func(t *testing.T) {
		var got lines
		c := hostileClient(t, endless429OnUsers, hostileOpts{notify: &got, tweak: func(c *Config) {
			c.Retry.MaxRetryAfter = 300 * time.Millisecond
			c.Retry.MaxAttempts = 3
		}})
		c.transport.noticeAfter = 200 * time.Millisecond
		err, took := readWithin(t, c, 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), "429") {
			t.Fatalf("Read against endless 429s: %v, want the 429", err)
		}
		// Two waits of the 300ms ceiling, not 999999 s.
		if took < 600*time.Millisecond || took > 3*time.Second {
			t.Errorf("giving up took %s, want about two ceilings of 300ms", took)
		}
		l := got.all()
		if len(l) != 2 {
			t.Fatalf("waiting lines %q, want one per wait (2)", l)
		}
		for i, line := range l {
			want := fmt.Sprintf("GET /iam/v1alpha1/users: the API answered 429 Too Many Requests with Retry-After 999999s, more than --max-retry-after allows (300ms); waiting 300ms before attempt %d of 3", i+2)
			if line != want {
				t.Errorf("line %d:\n got %q\nwant %q", i, line, want)
			}
			assertNoSecret(t, line)
		}
	})
	t.Run("the command's deadline ends the waits", func(t *testing.T) {
		var got lines
		c := hostileClient(t, endless429OnUsers, hostileOpts{notify: &got, tweak: func(c *Config) {
			c.Retry.MaxRetryAfter = 400 * time.Millisecond
			c.Retry.MaxAttempts = 100
		}})
		c.transport.noticeAfter = 200 * time.Millisecond
		cause := errors.New("the test's deadline")
		ctx, cancel := context.WithTimeoutCause(context.Background(), time.Second, cause)
		defer cancel()
		start := time.Now()
		_, err := c.Read(ctx, ReadOptions{})
		if !errors.Is(err, cause) && !strings.Contains(fmt.Sprint(err), "deadline") {
			t.Fatalf("Read under a 1s deadline: %v, want it to name the deadline", err)
		}
		if took := time.Since(start); took > 1500*time.Millisecond {
			t.Errorf("giving up took %s, past the 1s deadline", took)
		}
		if len(got.all()) == 0 {
			t.Error("no waiting line before the deadline")
		}
	})
	t.Run("headers never sent", func(t *testing.T) {
		var got lines
		release := make(chan struct{})
		defer close(release)
		c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/iam/v1alpha1/policies" {
				emptyLists(w, r)
				return
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}), hostileOpts{notify: &got, tweak: func(c *Config) { c.ResponseTimeout = 300 * time.Millisecond }})
		c.transport.noticeAfter = 200 * time.Millisecond
		err, took := readWithin(t, c, 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
			t.Fatalf("Read against a silent API: %v", err)
		}
		if took > 3*time.Second {
			t.Errorf("giving up took %s, want about 3 × 300ms", took)
		}
		l := got.all()
		if len(l) != 2 || !strings.Contains(l[0], "GET /iam/v1alpha1/policies: no answer") || !strings.Contains(l[0], "before attempt 2 of 3") {
			t.Errorf("waiting lines %q, want one per retry naming the request and the attempt", l)
		}
	})
}

func TestHTMLErrorPage(t *testing.T) {
	c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/iam/v1alpha1/groups" {
			emptyLists(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1>"+strings.Repeat("<p>nginx</p>", 1000)+"</body></html>")
	}), hostileOpts{})
	err, took := readWithin(t, c, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Fatalf("Read against an HTML 502: %v", err)
	}
	if strings.Contains(err.Error(), "<html") || strings.Contains(err.Error(), "nginx") {
		t.Errorf("the error dumps the page: %.200s", err)
	}
	if st := c.Stats(); st.Retries != 2 {
		t.Errorf("%d retries, want the GET retried up to its 3 attempts", st.Retries)
	}
	if took > 2*time.Second {
		t.Errorf("giving up took %s", took)
	}
}
