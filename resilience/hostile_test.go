package resilience

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Issue 16: the binary against a hostile fake API. Every run is a child process under a
// watchdog that kills it above hostileKillRSS of resident memory (polling /proc) or after
// hostileHardLimit, so an unbounded read cannot take the machine down; each case then asserts
// the exit code, the message, the time to give up and the child's peak RSS.

const (
	hostileKillRSS   = 300 << 20
	hostilePeakRSS   = 200 << 20
	hostileHardLimit = 60 * time.Second
	hostileSecret    = "5e3c1f0a-7b2d-4c8e-9f61-2a4b6c8d0e1f"
	hostileAccess    = "SCWHOSTILEBBBBBBBBBB"
)

// hostileRoute answers one route; nil routes get an empty list.
type hostileAPI struct {
	lists   http.HandlerFunc // every list route
	served  atomic.Int64     // requests answered by lists
	secrets atomic.Int64     // requests with a wrong token (none expected)
}

func (h *hostileAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Auth-Token") != hostileSecret {
		h.secrets.Add(1)
	}
	if r.URL.Path == "/metadata" || r.URL.Path == "/iam/v1alpha1/organizations/"+hostileOrgID+"/security-settings" || h.lists == nil {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total_count":0}`)
		return
	}
	h.served.Add(1)
	h.lists(w, r)
}

const hostileOrgID = "33333333-3333-4333-8333-333333333333"

// onlyApplications serves f on the applications list, an empty list elsewhere.
func onlyApplications(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/iam/v1alpha1/applications" {
			f(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total_count":0}`)
	}
}

type hostileRun struct {
	code           int
	stdout, stderr string
	took           time.Duration
	peakRSS        int64 // bytes
	killed         string
}

// runHostile runs 'iamsync plan' with args against url under the watchdog.
func runHostile(t *testing.T, url string, args ...string) hostileRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "manifests"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := "version: 1\nstack: hostile\napplications:\n  - name: web\n    description: The web frontend\n"
	if err := os.WriteFile(filepath.Join(dir, "manifests", "iam.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hostileHardLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"plan"}, append(args, "manifests")...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1", "SCW_API_URL=" + url,
		"SCW_ACCESS_KEY=" + hostileAccess, "SCW_SECRET_KEY=" + hostileSecret, "SCW_DEFAULT_ORGANIZATION_ID=" + hostileOrgID}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killed atomic.Value
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if rss := vmRSS(cmd.Process.Pid); rss > hostileKillRSS*(peakCeiling()/hostilePeakRSS) {
					killed.Store(fmt.Sprintf("killed by the watchdog at %d MB resident", rss>>20))
					_ = cmd.Process.Kill()
					return
				}
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	r := hostileRun{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if k, ok := killed.Load().(string); ok {
		r.killed = k
	} else if ctx.Err() != nil {
		r.killed = "killed after the hard limit of " + hostileHardLimit.String()
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakRSS = ru.Maxrss << 10
	}
	if strings.Contains(r.stdout+r.stderr, hostileSecret) {
		t.Errorf("the secret key is in the output:\n%s", r.stderr)
	}
	return r
}

// peakCeiling is hostilePeakRSS, tripled for a binary built with -race: the race detector's
// shadow memory took the 1 GiB case from 66 MB to 224 MB. The figure the issue asks for is the
// normal build's, which `go test ./resilience` checks.
func peakCeiling() int64 {
	if raceEnabled {
		return 3 * hostilePeakRSS
	}
	return hostilePeakRSS
}

// vmRSS is pid's resident set in bytes (0 when it cannot be read).
func vmRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// expect checks what every hostile case wants: a clear failure (exit 1, not killed), in time,
// within the memory ceiling, with the message parts given.
func (r hostileRun) expect(t *testing.T, within time.Duration, want ...string) {
	t.Helper()
	if r.killed != "" {
		t.Fatalf("%s after %s\n--- stderr\n%.3000s", r.killed, r.took, r.stderr)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n--- stderr\n%.3000s", r.code, r.stderr)
	}
	if r.took > within {
		t.Errorf("gave up after %s, want within %s", r.took.Round(time.Millisecond), within)
	}
	if ceiling := peakCeiling(); r.peakRSS >= ceiling {
		t.Errorf("peak RSS %d MB, want under %d MB", r.peakRSS>>20, ceiling>>20)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q\n--- stderr\n%.3000s", w, r.stderr)
		}
	}
	t.Logf("exit %d after %s, peak RSS %d MB\n%.1500s", r.code, r.took.Round(time.Millisecond), r.peakRSS>>20, r.stderr)
}

func startHostile(t *testing.T, lists http.HandlerFunc) (*hostileAPI, *httptest.Server) {
	h := &hostileAPI{lists: lists}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return h, srv
}

func TestHostileRedirect(t *testing.T) {
	for _, tc := range []struct{ name, host string }{{"another port", "127.0.0.1"}, {"another host", "localhost"}} {
		t.Run(tc.name, func(t *testing.T) {
			var otherHits, otherCreds atomic.Int64
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				otherHits.Add(1)
				if r.Header.Get("X-Auth-Token") != "" || r.Header.Get("Authorization") != "" {
					otherCreds.Add(1)
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"total_count":0}`)
			}))
			defer other.Close()
			port := other.URL[strings.LastIndex(other.URL, ":")+1:]
			target := "http://" + tc.host + ":" + port + "/iam/v1alpha1/applications"
			_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target+"?page=1", http.StatusFound)
			}))
			r := runHostile(t, srv.URL)
			r.expect(t, 10*time.Second, "the API answered 302 redirecting to "+target, "iamsync never follows redirects", "iamsync: hint: point SCW_API_URL")
			if n, c := otherHits.Load(), otherCreds.Load(); n > 0 {
				t.Errorf("the other listener received %d requests, %d with credentials", n, c)
			}
		})
	}
	t.Run("user info in the API URL", func(t *testing.T) {
		h, srv := startHostile(t, nil)
		url := strings.Replace(srv.URL, "http://", "http://ci:pa55word@", 1)
		r := runHostile(t, url)
		r.expect(t, 10*time.Second, "holds a user name or password")
		if strings.Contains(r.stderr, "pa55word") {
			t.Errorf("the password is in the output:\n%s", r.stderr)
		}
		if n := h.served.Load() + h.secrets.Load(); n > 0 {
			t.Errorf("%d requests reached the API despite the refusal", n)
		}
	})
}

// page writes an applications page of ids, claiming total.
func page(w http.ResponseWriter, total uint64, prefix string, n int) {
	w.Header().Set("Content-Type", "application/json")
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"%s-%03d","name":"app-%s-%03d","organization_id":%q}`, prefix, i, prefix, i, hostileOrgID)
	}
	fmt.Fprintf(w, `{"applications":[%s],"total_count":%d}`, strings.Join(items, ","), total)
}

func TestHostileEndlessPagination(t *testing.T) {
	t.Run("total_count always promising more", func(t *testing.T) {
		h, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			page(w, math.MaxUint32, r.URL.Query().Get("page"), 100)
		}))
		r := runHostile(t, srv.URL)
		r.expect(t, 5*time.Second, "the API says there are 4294967295 applications, more than --max-objects allows (100000)", "raise --max-objects")
		if n := h.served.Load(); n > 12 {
			t.Errorf("%d list pages served, want page 1 of each list alone", n)
		}
	})
	t.Run("the same page forever", func(t *testing.T) {
		h, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			page(w, 99_999, "same", 100)
		}))
		r := runHostile(t, srv.URL)
		r.expect(t, 5*time.Second, "of applications holds only items already read on other pages", "the API repeats pages")
		if n := h.served.Load(); n > 12+8 {
			t.Errorf("%d list pages served, want the read stopped at the first repeats", n)
		}
	})
}

// gigabyte streams 1 GiB of one JSON string, generated on the fly, on every route at once (the
// lists and the organization's own settings, read in parallel): memory must stay at the caps, not
// follow the body. Which read meets its cap first is a race, so either cap's message will do.
func TestHostileGigabyteBody(t *testing.T) {
	var sent atomic.Int64
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	_, srv := startHostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(1<<30+64))
		fmt.Fprint(w, `{"total_count":1,"applications":[{"id":"x","name":"`)
		for range (1 << 30) / len(chunk) {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	r := runHostile(t, srv.URL)
	r.expect(t, 10*time.Second, "the API sent more than ", "iamsync stops reading there")
	if !strings.Contains(r.stderr, "8 MiB for one page of") && !strings.Contains(r.stderr, "1 MiB for one answer") {
		t.Errorf("stderr names neither cap (8 MiB for a page of a list, 1 MiB for any other answer):\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "unexpected EOF") {
		t.Errorf("the misleading error of before:\n%s", r.stderr)
	}
	t.Logf("%d MB sent before the client stopped reading", sent.Load()>>20)
}

// gigabyteUnannounced is the same without Content-Length: the cap is found while reading.
func TestHostileGigabyteBodyUnannounced(t *testing.T) {
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	// Lists only: another path's answer is capped at 1 MiB, and a read of the organization's
	// own settings (SAML, login methods) may hit that cap first.
	_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total_count":1,"applications":[{"id":"x","name":"`)
		for range (1 << 30) / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	runHostile(t, srv.URL).expect(t, 10*time.Second, "the API sent more than 8 MiB for one page of")
}

func TestHostileSlowAnswers(t *testing.T) {
	t.Run("a body dripping one byte a second", func(t *testing.T) {
		_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			for {
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}))
		runHostile(t, srv.URL, "--timeout", "4s").expect(t, 8*time.Second,
			"the command ran for its whole --timeout (4s)", "iamsync: hint: raise --timeout (it was 4s)")
	})
	t.Run("headers never sent", func(t *testing.T) {
		_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		runHostile(t, srv.URL, "--timeout", "4s").expect(t, 8*time.Second,
			"the command ran for its whole --timeout (4s)", "iamsync: hint: raise --timeout (it was 4s)")
	})
	t.Run("429 with Retry-After 999999", func(t *testing.T) {
		_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "999999")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		r := runHostile(t, srv.URL, "--max-retry-after", "3s", "--timeout", "10s")
		r.expect(t, 14*time.Second, "429 Too Many Requests", "iamsync: hint: raise --timeout")
		want := "iamsync: GET /iam/v1alpha1/applications: the API answered 429 Too Many Requests with Retry-After 999999s, more than --max-retry-after allows (3s); waiting 3s before attempt "
		if n := strings.Count(r.stderr, want); n < 2 {
			t.Errorf("%d waiting lines %q, want one per wait (at least 2 in 10s)\n--- stderr\n%s", n, want, r.stderr)
		}
	})
	t.Run("an HTML 502 page", func(t *testing.T) {
		_, srv := startHostile(t, onlyApplications(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
		}))
		r := runHostile(t, srv.URL, "--timeout", "6s")
		r.expect(t, 10*time.Second, "502 Bad Gateway")
		if strings.Contains(r.stderr, "<html") || strings.Contains(r.stderr, "nginx") {
			t.Errorf("the page is dumped on stderr:\n%s", r.stderr)
		}
	})
}
