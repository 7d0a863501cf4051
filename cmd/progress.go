package cmd

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iamsync/iamsync/live"
)

// progress tells how a running apply is doing (issue 18), on stderr, where results never go:
//
//   - on a terminal, a status line kept at the bottom: actions done of the total, the pace,
//     the time left at that pace, and the retries and slow-downs so far;
//   - elsewhere (a CI log), the same as a line of its own every interval (10 s by default,
//     IAMSYNC_PROGRESS_INTERVAL), its retries counted since the line before, so that a slow
//     run says why while it is slow, not only in its report.
//
// Waits long enough to look like a hang have their own lines (the transport's Notify). Every
// line written to stderr while an apply runs goes through progress, which takes the status
// line down first and puts it back after, so the two never garble each other.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	interval time.Duration
	stats    func() live.Stats
	now      func() time.Time

	total, done, failed int
	start               time.Time
	base, last          live.Stats // when the apply started, and at the previous CI line
	shown               bool       // the status line is on the terminal
	partial             bool       // the last write did not end its line
	stop                chan struct{}
	stopped             sync.WaitGroup
}

// defaultProgressInterval spaces the CI lines: often enough that a log never looks stuck, rarely
// enough that a 10,000-action apply's log stays readable.
const defaultProgressInterval = 10 * time.Second

func newProgress(env Env, stats func() live.Stats) *progress {
	p := &progress{w: env.Stderr, tty: env.StderrTTY && env.Getenv("TERM") != "dumb", interval: defaultProgressInterval,
		stats: stats, now: time.Now}
	if d, err := time.ParseDuration(env.Getenv("IAMSYNC_PROGRESS_INTERVAL")); err == nil && d > 0 {
		p.interval = d
	}
	if p.tty {
		p.interval = 500 * time.Millisecond
	}
	return p
}

// Write passes b on to stderr, around the status line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hide()
	n, err := p.w.Write(b)
	p.partial = len(b) > 0 && b[len(b)-1] != '\n'
	if !p.partial {
		p.show()
	}
	return n, err
}

// begin starts reporting an apply of total actions.
func (p *progress) begin(total int) {
	if total == 0 {
		return
	}
	p.mu.Lock()
	p.total, p.start = total, p.now()
	p.base = p.stats()
	p.last = p.base
	stop := make(chan struct{})
	p.stop = stop
	p.show()
	p.mu.Unlock()
	p.stopped.Add(1)
	go p.tick(stop)
}

func (p *progress) tick(stop <-chan struct{}) {
	defer p.stopped.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.tty {
				p.hide()
				p.show()
			} else if !p.partial {
				fmt.Fprintf(p.w, "iamsync: %s\n", p.line(true))
			}
			p.mu.Unlock()
		}
	}
}

// finished counts one finished action.
func (p *progress) finished(failed bool) {
	p.mu.Lock()
	p.done++
	if failed {
		p.failed++
	}
	p.mu.Unlock()
}

// end stops reporting and takes the status line down.
func (p *progress) end() {
	p.mu.Lock()
	stop := p.stop
	p.stop = nil
	p.hide()
	p.total = 0
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		p.stopped.Wait()
	}
}

func (p *progress) show() {
	if !p.tty || p.total == 0 || p.partial {
		return
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(false))
	p.shown = true
}

func (p *progress) hide() {
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// line is the report: "apply: 120 of 500 done (2 failed), 8.6 actions/s, about 44s left; 12
// retries (HTTP 503 ×8, HTTP 429 ×4); the API's 429s slowed requests to 72/s". sinceLast
// counts the retries since the previous line instead of since the start.
func (p *progress) line(sinceLast bool) string {
	var b strings.Builder
	elapsed := p.now().Sub(p.start)
	fmt.Fprintf(&b, "apply: %d of %d done", p.done, p.total)
	if p.failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", p.failed)
	}
	fmt.Fprintf(&b, " in %s", elapsed.Round(time.Second))
	if p.done > 0 && elapsed > 0 {
		pace := float64(p.done) / elapsed.Seconds()
		fmt.Fprintf(&b, ", %.1f actions/s", pace)
		if left := p.total - p.done; left > 0 {
			fmt.Fprintf(&b, ", about %s left", time.Duration(float64(left)/pace*float64(time.Second)).Round(time.Second))
		}
	}
	st := p.stats()
	from := p.base
	if sinceLast {
		from = p.last
		p.last = st
	}
	if retries := st.Retries - from.Retries; retries > 0 {
		fmt.Fprintf(&b, "; %d %s", retries, map[bool]string{true: "retry", false: "retries"}[retries == 1])
		if sinceLast {
			b.WriteString(" since the last line")
		}
		b.WriteString(" (" + causes(st.RetryCauses, from.RetryCauses) + ")")
	}
	if st.RateLimited > p.base.RateLimited && st.Rate > 0 {
		fmt.Fprintf(&b, "; the API's 429s slowed requests to %.0f/s", st.Rate)
	}
	return b.String()
}

// causes lists the retry causes counted in now beyond before, the most frequent first.
func causes(now, before map[string]int64) string {
	keys := slices.Collect(maps.Keys(now))
	slices.SortFunc(keys, func(a, b string) int {
		if d := (now[b] - before[b]) - (now[a] - before[a]); d != 0 {
			return int(d)
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		if n := now[k] - before[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}
