package resilience

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/schema"
)

// scaled is an organization of about n resources shaped like issue 4's: applications with two
// keys each (40% keys), policies of 3 rules (35%), applications (20%), groups (5%).
func scaled(n int) emulator.BulkSpec {
	return emulator.BulkSpec{Applications: n / 5, KeysPerApplication: 2, Policies: n * 35 / 100, RulesPerPolicy: 3,
		Groups: n / 20, MembersPerGroup: 5, Users: 10, Stack: stack}
}

func total(s emulator.BulkSpec) int {
	return s.Applications*(1+s.KeysPerApplication) + s.Policies + s.Groups
}

// TestScale (long only) plans organizations of 2,500, 5,000 and 10,000 resources with the
// binary (wall time, peak RSS, calls against the floor), times plan.Diff alone in-process at
// each size to expose a superlinear step, then applies a 1% change at 10,000.
func TestScale(t *testing.T) {
	if !*long {
		t.Skip("scale measurements run with -resilience.long")
	}
	var diffTimes []time.Duration
	sizes := []int{2500, 5000, 10000}
	for _, n := range sizes {
		spec := scaled(n)
		o := seededOrg(t, spec, 0)
		p := o.measurePlan(t, "--parallelism", "32", "--rate-limit", "10000")
		if p.res.code != 0 {
			t.Fatalf("plan at %d:\n%s", n, p.res)
		}
		d := timeDiff(t, o)
		diffTimes = append(diffTimes, d)
		t.Logf("n=%d resources: plan wall %v, peak RSS %.1f MB, calls %d (floor %d); plan.Diff alone %v",
			total(spec), p.wall.Round(time.Millisecond), float64(p.maxRSS)/1024, p.calls, floor(spec), d.Round(time.Millisecond))
		if n == 10000 {
			applyAtScale(t, o, spec)
		}
	}
	if r := float64(diffTimes[2]) / float64(diffTimes[0]); r > 10 {
		t.Errorf("plan.Diff grows %.1f× from 2,500 to 10,000 resources (linear ≈ 4, quadratic ≈ 16)", r)
	}
}

// timeDiff reads the organization and the manifests once and returns the best of three
// plan.Diff runs.
func timeDiff(t *testing.T, o *org) time.Duration {
	desired, diags := schema.Load([]string{filepath.Join(o.dir, "manifests")})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c := o.emu.Owner()
	url := o.srv.URL
	cl, err := live.New(live.Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &c.AccessKey, SecretKey: &c.SecretKey,
		DefaultOrganizationID: &c.OrganizationID, DefaultProjectID: &c.ProjectID}, Retry: live.RetryPolicy{RatePerSec: -1}, Parallelism: 32})
	if err != nil {
		t.Fatal(err)
	}
	l, err := cl.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	best := time.Duration(1 << 62)
	for i := 0; i < 3; i++ {
		start := time.Now()
		p, err := plan.Diff(desired, l, plan.Options{Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Actions) > 0 {
			t.Fatalf("diff of an unchanged organization has %d actions", len(p.Actions))
		}
		best = min(best, time.Since(start))
	}
	return best
}

// applyAtScale changes the description of 1% of the resources (the first applications' groups'
// and policies' tags stay) and applies.
func applyAtScale(t *testing.T, o *org, spec emulator.BulkSpec) {
	path := filepath.Join(o.dir, "manifests", "bulk.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	changed := 0
	for i := 0; i < total(spec)/100; i++ {
		old := fmt.Sprintf("  - name: bulk-app-%05d\n", i)
		if strings.Contains(text, old) {
			text = strings.Replace(text, old, old+"    description: changed\n", 1)
			changed++
		}
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	o.emu.ResetCounts()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, "apply", "--auto-approve", "--parallelism", "32", "--rate-limit", "10000",
		"--secrets-file", secretsFile, "manifests")
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	r := o.finish(cmd, stdout, stderr, err)
	if r.code != 0 {
		t.Fatalf("apply at scale:\n%s", r)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	c := o.emu.Counts()
	t.Logf("apply of %d updates at %d resources: wall %v, peak RSS %.1f MB, %d reads, %d writes",
		changed, total(spec), wall.Round(time.Millisecond), float64(rss)/1024, c.Reads, c.Writes)
	if c.Writes != changed {
		t.Errorf("apply made %d writes for %d updates", c.Writes, changed)
	}
	if ok, r := o.converged(); !ok {
		t.Fatalf("not converged at scale:\n%s", r)
	}
}
