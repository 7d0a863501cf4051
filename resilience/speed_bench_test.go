package resilience

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/iamsync/iamsync/emulator"
)

// BenchmarkIssue11 is issue 11's benchmark, under the API's real constraint: the issue-4
// organization (1,000 applications with 2 keys each, 1,000 policies of 3 rules, 100 groups)
// behind 20 ms of latency per request and the emulator's server-side limit of 100 requests/s
// (Options.RateLimit; 429 above it). It runs the real binary as a child process and reports,
// per run: API calls the emulator executed, 429s it refused, wall time, the child's peak RSS
// and CPU seconds (user + system, and system alone).
//
//   - plan-cold: an unchanged plan with no rule cache (the directory removed first);
//   - plan-warm: the same plan again, rules from the cache;
//   - apply-keys: 500 and 2,000 keys for existing applications (key creation's own CPU, and
//     whether it grows with the number of keys);
//   - apply: 1,000 applications + 1,000 policies + 2,000 keys into an empty organization,
//     with calls per write.
//
// IAMSYNC_BENCH_BIN=/path/to/iamsync runs the same cases with another build (say main's) in
// the same process, for a comparison in one run on these noisy machines.
//
//	go test ./resilience -run '^$' -bench Issue11 -benchtime 1x -timeout 30m
func BenchmarkIssue11(b *testing.B) {
	bins := map[string]string{"this": bin}
	if other := os.Getenv("IAMSYNC_BENCH_BIN"); other != "" {
		bins["other"] = other
	}
	for name, exe := range bins {
		b.Run(name+"/plan", func(b *testing.B) {
			o := rateLimitedOrg(b)
			if err := o.emu.SeedBulk(issue4); err != nil {
				b.Fatal(err)
			}
			bulkManifests(b, o.dir, issue4)
			o.emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
			for b.Loop() {
				if err := os.RemoveAll(filepath.Join(o.dir, ".cache")); err != nil {
					b.Fatal(err)
				}
				cold := o.measure(b, exe, "plan", "--detailed-exitcode", "manifests")
				warm := o.measure(b, exe, "plan", "--detailed-exitcode", "manifests")
				for _, r := range []childRun{cold, warm} {
					if r.res.code != 0 {
						b.Fatalf("plan of an unchanged organization:\n%s", r.res)
					}
				}
				cold.report(b, "cold-")
				warm.report(b, "warm-")
				b.ReportMetric(float64(floor(issue4)), "floor-calls")
			}
		})
		for _, n := range []int{500, 2000} {
			b.Run(fmt.Sprintf("%s/apply-keys=%d", name, n), func(b *testing.B) {
				// The keys alone: n key creations (and secret writes) for applications that
				// exist; two sizes, to see the cost per key stay flat.
				apps := emulator.BulkSpec{Applications: n / 2, Stack: stack}
				spec := apps
				spec.KeysPerApplication = 2
				for b.Loop() {
					o := rateLimitedOrg(b)
					if err := o.emu.SeedBulk(apps); err != nil {
						b.Fatal(err)
					}
					bulkManifests(b, o.dir, spec)
					o.emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
					r := o.measure(b, exe, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
					if r.res.code != 0 || r.writes != n {
						b.Fatalf("apply of %d keys: %d writes\n%s", n, r.writes, r.res)
					}
					r.report(b, "")
					b.ReportMetric(float64(r.calls)/float64(r.writes), "calls/write")
					b.ReportMetric(1000*r.cpu.Seconds()/float64(n), "cpu-ms/key")
				}
			})
		}
		b.Run(name+"/apply", func(b *testing.B) {
			spec := emulator.BulkSpec{Applications: 1000, KeysPerApplication: 2, Policies: 1000, RulesPerPolicy: 3, Stack: stack}
			writes := spec.Applications*(1+spec.KeysPerApplication) + spec.Policies
			for b.Loop() {
				o := rateLimitedOrg(b)
				bulkManifests(b, o.dir, spec)
				o.emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
				r := o.measure(b, exe, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
				if r.res.code != 0 {
					b.Fatalf("apply from empty:\n%s", r.res)
				}
				if r.writes != writes {
					b.Fatalf("apply made %d writes, want %d", r.writes, writes)
				}
				r.report(b, "")
				b.ReportMetric(float64(r.calls)/float64(r.writes), "calls/write")
				b.ReportMetric(float64(r.calls-r.writes), "reads")
				// Issue 18: the plan right after the apply, on the cache the apply seeded.
				next := o.measure(b, exe, "plan", "--detailed-exitcode", "manifests")
				if next.res.code != 0 {
					b.Fatalf("plan after the apply:\n%s", next.res)
				}
				next.report(b, "next-plan-")
			}
		})
	}
}

func rateLimitedOrg(b *testing.B) *org {
	return newOrgWith(b, emulator.Options{Seed: 11, Users: users, RateLimit: 100})
}

// childRun is one measured run of a binary.
type childRun struct {
	res                  result
	calls, writes, r429s int
	wall, cpu, sys       time.Duration
	maxRSS               int64 // kB
}

func (o *org) measure(b *testing.B, exe string, args ...string) childRun {
	o.emu.ResetCounts()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, args...)
	cmd.Path, cmd.Args[0] = exe, exe
	start := time.Now()
	err := cmd.Run()
	r := childRun{wall: time.Since(start)}
	r.res = o.finish(cmd, stdout, stderr, err)
	if cmd.ProcessState != nil {
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		r.sys = cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss
		}
	}
	c := o.emu.Counts()
	r.calls, r.writes, r.r429s = c.Reads+c.Writes, c.Writes, c.RateLimited
	return r
}

func (r childRun) report(b *testing.B, prefix string) {
	b.ReportMetric(float64(r.calls), prefix+"calls")
	b.ReportMetric(float64(r.r429s), prefix+"429s")
	b.ReportMetric(r.wall.Seconds(), prefix+"wall-s")
	b.ReportMetric(r.cpu.Seconds(), prefix+"cpu-s")
	b.ReportMetric(r.sys.Seconds(), prefix+"sys-s")
	b.ReportMetric(float64(r.maxRSS)/1024, prefix+"peak-RSS-MB")
}
