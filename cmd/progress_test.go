package cmd

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsync/iamsync/live"
)

// fakeClock and fakeStats drive a progress report by hand.
type progressFixture struct {
	mu    sync.Mutex
	now   time.Time
	stats live.Stats
	out   bytes.Buffer
}

func (f *progressFixture) env(tty bool, interval string) Env {
	return Env{Stderr: syncWriter{&f.mu, &f.out}, StderrTTY: tty, Getenv: func(k string) string {
		if k == "IAMSYNC_PROGRESS_INTERVAL" {
			return interval
		}
		return ""
	}}
}

type syncWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (s syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (f *progressFixture) progress(env Env) *progress {
	p := newProgress(env, func() live.Stats { return f.stats })
	p.now = func() time.Time { return f.now }
	return p
}

func TestProgressLine(t *testing.T) {
	f := &progressFixture{now: time.Unix(1000, 0)}
	p := f.progress(f.env(false, "1h"))
	f.stats = live.Stats{Retries: 3, RetryCauses: map[string]int64{"HTTP 503": 3}}
	p.begin(10)
	defer p.end()
	for i := 0; i < 4; i++ {
		p.finished(i == 3)
	}
	f.now = f.now.Add(8 * time.Second)
	f.stats = live.Stats{Retries: 9, RetryCauses: map[string]int64{"HTTP 503": 5, "no answer": 1, "HTTP 429": 3}, RateLimited: 3, Rate: 72}
	got := p.line(true)
	want := "apply: 4 of 10 done (1 failed) in 8s, 0.5 actions/s, about 12s left; 6 retries since the last line (HTTP 429 ×3, HTTP 503 ×2, no answer ×1); the API's 429s slowed requests to 72/s"
	if got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}
	// The next line counts only what came since.
	if got := p.line(true); strings.Contains(got, "retries") {
		t.Errorf("no retry since the last line, yet: %q", got)
	}
}

// In CI, a line every interval, whatever else is written; at the end, nothing more.
func TestProgressLinesInCI(t *testing.T) {
	f := &progressFixture{now: time.Unix(1000, 0)}
	p := f.progress(f.env(false, "20ms"))
	p.begin(3)
	p.finished(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		n := strings.Count(f.out.String(), "iamsync: apply: 1 of 3 done")
		f.mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 2 progress lines in 5 s:\n%s", f.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.end()
	f.mu.Lock()
	after := f.out.Len()
	f.mu.Unlock()
	time.Sleep(60 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.out.Len() != after {
		t.Errorf("progress went on after end:\n%s", f.out.String()[after:])
	}
	if strings.Contains(f.out.String(), "\x1b") || strings.Contains(f.out.String(), "\r") {
		t.Errorf("terminal controls in a CI log: %q", f.out.String())
	}
}

// On a terminal, the status line is taken down before any other line and put back after it.
func TestProgressStatusLineOnATerminal(t *testing.T) {
	f := &progressFixture{now: time.Unix(1000, 0)}
	p := f.progress(f.env(true, ""))
	p.begin(2)
	p.finished(false)
	if _, err := p.Write([]byte("+   application/a: created\n")); err != nil {
		t.Fatal(err)
	}
	p.end()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.out.String()
	want := "\rapply: 0 of 2 done in 0s\x1b[K" + "\r\x1b[K" + "+   application/a: created\n" + "\rapply: 1 of 2 done in 0s\x1b[K" + "\r\x1b[K"
	if !strings.HasPrefix(out, want[:len("\rapply: 0 of 2 done in 0s\x1b[K")]) || !strings.Contains(out, "\r\x1b[K+   application/a: created\n\rapply: 1 of 2 done") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("terminal output:\n got %q\nwant %q (ticks may add redraws)", out, want)
	}
}
