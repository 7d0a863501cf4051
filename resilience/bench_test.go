package resilience

import (
	"context"
	"fmt"
	"os"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/iamsync/iamsync/emulator"
)

// issue4 is issue 4's organization: 1,000 applications with 2 keys each, 1,000 policies of 3
// rules, 100 groups (members drawn from 10 users and the applications).
var issue4 = emulator.BulkSpec{Applications: 1000, KeysPerApplication: 2, Policies: 1000, RulesPerPolicy: 3,
	Groups: 100, MembersPerGroup: 5, Users: 10, Stack: stack}

// planRun is one measured 'iamsync plan' of an unchanged organization.
type planRun struct {
	wall    time.Duration
	maxRSS  int64 // kB, the child's peak resident set
	calls   int   // API calls the emulator served (metadata apart)
	meta    int
	byRoute map[string]emulator.RouteCount
	res     result
}

func seededOrg(t testing.TB, spec emulator.BulkSpec, latency time.Duration) *org {
	o := newOrg(t, 7)
	if err := o.emu.SeedBulk(spec); err != nil {
		t.Fatal(err)
	}
	bulkManifests(t, o.dir, spec)
	if latency > 0 {
		o.emu.SetFaults(emulator.Faults{Latency: latency})
	}
	return o
}

func (o *org) measurePlan(t testing.TB, flags ...string) planRun {
	o.emu.ResetCounts()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, append(append([]string{"plan", "--detailed-exitcode"}, flags...), "manifests")...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	r := o.finish(cmd, stdout, stderr, err)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	c := o.emu.Counts()
	return planRun{wall: wall, maxRSS: rss, calls: c.Reads + c.Writes, meta: c.Metadata, byRoute: c.ByRoute, res: r}
}

func (p planRun) routes() string {
	var keys []string
	for k := range p.byRoute {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf("  %s: %d\n", k, p.byRoute[k].Reads+p.byRoute[k].Writes)
	}
	return s
}

// TestPlanCallFloor is the CI-sized version of issue 4's benchmark: a plan of an unchanged
// organization of a tenth of the size finds nothing to do and stays within 2% of the floor.
func TestPlanCallFloor(t *testing.T) {
	t.Parallel()
	spec := issue4
	spec.Applications, spec.Policies, spec.Groups = 100, 100, 10
	o := seededOrg(t, spec, 0)
	p := o.measurePlan(t)
	if p.res.code != 0 {
		t.Fatalf("plan of an unchanged organization:\n%s", p.res)
	}
	f := floor(spec)
	t.Logf("calls %d, floor %d, metadata %d\n%s", p.calls, f, p.meta, p.routes())
	if float64(p.calls) > float64(f)*1.02 {
		t.Fatalf("plan made %d calls; the floor is %d (+2%% = %.0f)\n%s", p.calls, f, float64(f)*1.02, p.routes())
	}
}

// BenchmarkPlanUnchanged is issue 4's benchmark: 'iamsync plan' (the real binary) of the
// unchanged issue-4 organization behind 20 ms of added latency per request. Reported per run:
// wall time (ns/op), the child's peak RSS, API calls against the floor. "default" runs with
// the default client limits (8 concurrent calls, 100 requests/s); "unthrottled" lifts them
// (--parallelism 32 --rate-limit 10000) to show what the latency alone costs.
func BenchmarkPlanUnchanged(b *testing.B) {
	for _, v := range []struct {
		name  string
		flags []string
	}{
		// --refresh: issue 4 measured the read of every rule; a warm rule cache (issue 11) is
		// BenchmarkIssue11's business.
		{"default", []string{"--refresh"}},
		{"unthrottled", []string{"--refresh", "--parallelism", "32", "--rate-limit", "10000"}},
	} {
		b.Run(v.name, func(b *testing.B) {
			o := seededOrg(b, issue4, 20*time.Millisecond)
			var last planRun
			var rss int64
			for b.Loop() {
				last = o.measurePlan(b, v.flags...)
				if last.res.code != 0 {
					b.Fatalf("plan of an unchanged organization:\n%s", last.res)
				}
				rss = max(rss, last.maxRSS)
			}
			f := floor(issue4)
			b.ReportMetric(float64(last.calls), "calls/op")
			b.ReportMetric(float64(f), "floor-calls")
			b.ReportMetric(100*float64(last.calls-f)/float64(f), "%over-floor")
			b.ReportMetric(float64(last.meta), "metadata-calls/op")
			b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
			if os.Getenv("IAMSYNC_BENCH_ROUTES") != "" {
				b.Logf("by route:\n%s", last.routes())
			}
		})
	}
}
