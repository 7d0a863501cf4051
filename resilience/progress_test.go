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

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
	cmd.Env = append(cmd.Env, "IAMSYNC_PROGRESS_INTERVAL=1s", "CI=true")
	r := o.finish(cmd, stdout, stderr, cmd.Run())
	waits := r.stderr // where the 429s' waiting lines are looked for
	if r.code != 0 {
		// Three ambiguous tries of one create fail a run (RELIABILITY.md); the next converges,
		// and meets the two 429s if the first run stopped before the policies.
		t.Logf("first apply: exit %d; applying again", r.code)
		o.emu.SetFaults(emulator.Faults{RetryAfter: 3 * time.Second})
		again := o.apply()
		if again.code != 0 {
			t.Fatalf("second apply:\n%s", again)
		}
		waits += again.stderr
	}

	line := regexp.MustCompile(`(?m)^iamsync: apply: (\d+) of 500 done.*$`)
	lines := line.FindAllStringSubmatch(r.stderr, -1)
	if len(lines) < 2 {
		t.Fatalf("%d progress lines, want at least 2 (one a second):\n%s", len(lines), r.stderr)
	}
	last := -1
	for _, l := range lines {
		n, _ := strconv.Atoi(l[1])
		if n < last {
			t.Errorf("progress went back from %d to %d", last, n)
		}
		last = n
	}
	if !regexp.MustCompile(`(retry|retries) since the last line \((HTTP 50[03]|no answer) ×\d+`).MatchString(r.stderr) {
		t.Errorf("no progress line names the retries' causes:\n%s", strings.Join(matches(lines), "\n"))
	}
	if !regexp.MustCompile(`(?m)^iamsync: POST /iam/v1alpha1/policies: the API answered 429 Too Many Requests with Retry-After 3s; waiting 3s before attempt \d of \d+$`).MatchString(waits) {
		t.Errorf("the 3 s Retry-After waits have no line of their own:\n%s", waits)
	}
	// Each line's causes add up to its count of retries.
	counted := regexp.MustCompile(`(\d+) (?:retry|retries) since the last line \(([^)]*)\)`)
	for _, c := range counted.FindAllStringSubmatch(r.stderr, -1) {
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
	if strings.ContainsAny(r.stderr, "\r\x1b") {
		t.Error("terminal controls in a CI log")
	}
	t.Logf("%d progress lines; last: %s", len(lines), lines[len(lines)-1][0])
	o.requireConverged(m)
}

func matches(ms [][]string) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m[0])
	}
	return out
}
