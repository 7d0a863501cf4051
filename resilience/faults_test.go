package resilience

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/iamsync/iamsync/emulator"
)

// allFaults is every fault the emulator can inject, the ambiguous lost-response included.
var allFaults = []emulator.FaultKind{
	emulator.Fault429, emulator.Fault500, emulator.Fault503, emulator.Fault409,
	emulator.FaultDrop, emulator.FaultLostResponse, emulator.FaultLatency,
}

// TestCleanApply is the baseline: with no fault, a saved plan's apply converges and a
// second apply writes nothing.
func TestCleanApply(t *testing.T) {
	t.Parallel()
	m := realistic()
	if m.resources() < 50 || len(m.keys) < 10 {
		t.Fatalf("manifest set too small: %d resources, %d keys", m.resources(), len(m.keys))
	}
	o := newOrg(t, 1)
	m.write(t, o.dir)
	// Through a saved plan, so that a plan file is among the files the canaries search.
	if r := o.run("plan", "--out", "plan.json", "manifests"); r.code != 0 {
		t.Fatalf("plan --out:\n%s", r)
	}
	if r := o.run("apply", "--secrets-file", secretsFile, "plan.json"); r.code != 0 {
		t.Fatalf("apply plan.json:\n%s", r)
	}
	o.requireConverged(m)
	before := o.emu.Counts().Writes
	if r := o.apply(); r.code != 0 {
		t.Fatalf("second apply:\n%s", r)
	}
	if w := o.emu.Counts().Writes - before; w != 0 {
		t.Fatalf("second apply made %d writes", w)
	}
}

var reportLine = regexp.MustCompile(`Apply: (\d+) done, (\d+) failed, (\d+) not started`)

// TestFaults applies the realistic manifests with 10% of requests on every route faulted
// (429 with Retry-After, 500, 503, 409 transient, dropped connection, committed write whose
// answer is lost, latency spike) until a run succeeds, for several seeds.
func TestFaults(t *testing.T) {
	t.Parallel()
	seeds := 2
	if *long {
		seeds = 100
	}
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			faultRun(t, int64(seed), realistic(), 0.10)
		})
	}
}

// TestFaultsHeavy (long only) is the same at a 30% fault rate, where runs do fail and the
// next one must pick up from a half-applied organization.
func TestFaultsHeavy(t *testing.T) {
	if !*long {
		t.Skip("the 30% fault rate runs with -resilience.long")
	}
	t.Parallel()
	for seed := 1; seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			faultRun(t, int64(1000+seed), realistic(), 0.30)
		})
	}
}

func faultRun(t *testing.T, seed int64, m *manifestSet, rate float64) {
	o := newOrg(t, seed)
	m.write(t, o.dir)
	faults := func(run int) emulator.Faults {
		return emulator.Faults{Seed: seed*1000 + int64(run), Rate: rate, Kinds: allFaults, Latency: 300 * time.Millisecond}
	}
	var last result
	runs := 0
	for runs < 10 {
		runs++
		o.emu.SetFaults(faults(runs))
		last = o.apply()
		// The checks read the organization without faults.
		o.emu.SetFaults(emulator.Faults{})
		checkReport(t, last)
		if last.code == 0 {
			break
		}
		// A failed run must still keep every promise.
		if v := o.check(m); len(v.duplicates)+len(v.lost)+len(v.broken) > 0 {
			t.Fatalf("run %d (failed) broke a promise: %+v\n%s", runs, v, last)
		}
	}
	if last.code != 0 {
		t.Fatalf("no run succeeded in %d:\n%s", runs, last)
	}
	injected := o.emu.Counts().Faults
	o.requireConverged(m)
	t.Logf("seed %d rate %.2f: converged after %d run(s), %d faults injected (%d requests)", seed, rate, runs, injected, o.n.Load())
	if injected == 0 {
		t.Errorf("no fault was injected")
	}
}

// checkReport holds the final report to what happened: a run exits 0 only if it says nothing
// failed and nothing was left undone, and a failed run says what failed.
func checkReport(t *testing.T, r result) {
	t.Helper()
	m := reportLine.FindStringSubmatch(r.stdout)
	if m == nil {
		if r.code == 0 {
			return // "No changes." or an early refusal has no apply report
		}
		if !regexp.MustCompile(`iamsync: error: `).MatchString(r.stderr) {
			t.Fatalf("a failed run without an error message:\n%s", r)
		}
		return
	}
	failed, _ := strconv.Atoi(m[2])
	skipped, _ := strconv.Atoi(m[3])
	if (r.code == 0) != (failed == 0 && skipped == 0) {
		t.Fatalf("exit code %d contradicts the report %q:\n%s", r.code, m[0], r)
	}
}
