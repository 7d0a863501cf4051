package resilience

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/emulator"
)

// TestProgressUnderFaults (issue 18): a 500-action apply under faults says how it is going
// while it runs, in a CI log: a progress line every interval with the retries since the last
// one and their causes, and a line for every wait long enough to look like a hang.
func TestProgressUnderFaults(t *testing.T) {
	t.Parallel()
	m := newManifests(200, 50, 50, 150)
	if m.resources() != 500 {
		t.Fatalf("%d resources, want 500", m.resources())
	}
	o := newOrg(t, 1800)
	m.write(t, o.dir)
	o.emu.SetFaults(emulator.Faults{Seed: 1800, Rate: 0.10, Kinds: []emulator.FaultKind{emulator.Fault500, emulator.Fault503, emulator.FaultDrop},
		RetryAfter: 3 * time.Second, Latency: 5 * time.Millisecond})
	// Two 429s asking for 3 s, what the waiting lines are for.
	o.emu.FailNext("POST /iam/v1alpha1/policies", emulator.Fault429, 2)

	// Three ambiguous tries of one create fail a run (RELIABILITY.md), sometimes within its first
	// second: apply again under the same faults (each run reports its own progress) up to three
	// times, then without faults to converge. The checks read the faulty runs together.
	line := regexp.MustCompile(`(?m)^iamsync: apply: (\d+) of (\d+) done.*$`)
	var logs, lines []string
	converged := false
	for run := 1; run <= 3 && !converged; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd, stdout, stderr := o.command(ctx, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
		cmd.Env = append(cmd.Env, "IAMSYNC_PROGRESS_INTERVAL=1s", "CI=true")
		r := o.finish(cmd, stdout, stderr, cmd.Run())
		cancel()
		logs = append(logs, r.stderr)
		converged = r.code == 0
		if !converged {
			t.Logf("apply %d under faults: exit %d; applying again", run, r.code)
		}
		// Within one run, the count never goes back and the total stays.
		last, total := -1, ""
		for _, l := range line.FindAllStringSubmatch(r.stderr, -1) {
			n, _ := strconv.Atoi(l[1])
			if n < last || (total != "" && l[2] != total) {
				t.Errorf("run %d: progress went from %d of %s to %s", run, last, total, l[0])
			}
			last, total = n, l[2]
			lines = append(lines, l[0])
		}
	}
	if !converged {
		o.emu.SetFaults(emulator.Faults{RetryAfter: 3 * time.Second})
		if again := o.apply(); again.code != 0 {
			t.Fatalf("apply without faults:\n%s", again)
		}
	}
	all := strings.Join(logs, "\n")
	if len(lines) < 2 {
		t.Fatalf("%d progress lines, want at least 2 (one a second):\n%s", len(lines), all)
	}
	if !regexp.MustCompile(`(retry|retries) since the last line \((HTTP 50[03]|no answer) ×\d+`).MatchString(all) {
		t.Errorf("no progress line names the retries' causes:\n%s", strings.Join(lines, "\n"))
	}
	if !regexp.MustCompile(`(?m)^iamsync: POST /iam/v1alpha1/policies: the API answered 429 Too Many Requests with Retry-After 3s; waiting 3s before attempt \d of \d+$`).MatchString(all) {
		t.Errorf("the 3 s Retry-After waits have no line of their own:\n%s", all)
	}
	// Each line's causes add up to its count of retries.
	counted := regexp.MustCompile(`(\d+) (?:retry|retries) since the last line \(([^)]*)\)`)
	for _, c := range counted.FindAllStringSubmatch(all, -1) {
		want, _ := strconv.Atoi(c[1])
		sum := 0
		for _, x := range regexp.MustCompile(`×(\d+)`).FindAllStringSubmatch(c[2], -1) {
			n, _ := strconv.Atoi(x[1])
			sum += n
		}
		if sum != want {
			t.Errorf("%q: the causes add up to %d", c[0], sum)
		}
	}
	if strings.ContainsAny(all, "\r\x1b") {
		t.Error("terminal controls in a CI log")
	}
	t.Logf("%d progress lines; last: %s", len(lines), lines[len(lines)-1])
	o.requireConverged(m)
}
