package resilience

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCrash kills apply with SIGKILL right after the Nth API answer it received, for N across
// a whole run, then applies again: the second run must converge with every promise kept, and
// the secrets file must never be torn (every read of it parses).
func TestCrash(t *testing.T) {
	t.Parallel()
	m := newManifests(4, 3, 2, 3) // 18 resources, 6 keys
	if *long {
		m = realistic()
	}
	// A clean run tells how many answers a whole apply takes.
	base := newOrg(t, 100)
	m.write(t, base.dir)
	start := base.n.Load()
	if r := base.apply(); r.code != 0 {
		t.Fatalf("clean apply:\n%s", r)
	}
	total := int(base.n.Load() - start)
	stride := 1
	if !*long {
		stride = max(1, total/12)
	}
	t.Logf("a clean apply takes %d answers; killing after every %d", total, stride)
	for n := 1; n <= total; n += stride {
		t.Run(fmt.Sprint("kill-after=", n), func(t *testing.T) {
			t.Parallel()
			crashRun(t, m, int64(n))
		})
	}
}

func crashRun(t *testing.T, m *manifestSet, n int64) {
	o := newOrg(t, 100)
	m.write(t, o.dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
	var mu sync.Mutex
	killed := false
	o.onAnswer(n, func() {
		mu.Lock()
		defer mu.Unlock()
		if cmd.Process != nil {
			killed = cmd.Process.Kill() == nil
		}
	})
	mu.Lock()
	err := cmd.Start()
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	first := o.finish(cmd, stdout, stderr, cmd.Wait())
	mu.Lock()
	wasKilled := killed && first.killed
	mu.Unlock()
	// Whatever the kill interrupted, the secrets file parses (o.stored fails the test if not).
	o.stored(m.secretNames())
	_, journalErr := os.Stat(filepath.Join(o.dir, secretsFile+".pending"))
	_, secretsJournalErr := os.Stat(filepath.Join(o.dir, secretsFile+".journal"))
	second := o.apply()
	checkReport(t, second)
	if second.code != 0 {
		t.Fatalf("apply after the kill (killed=%v):\n%s", wasKilled, second)
	}
	o.requireConverged(m)
	if _, err := os.Stat(filepath.Join(o.dir, secretsFile+".pending")); err == nil {
		t.Errorf("the pending-keys journal survived a finished run")
	}
	if _, err := os.Stat(filepath.Join(o.dir, secretsFile+".journal")); err == nil {
		t.Errorf("the secrets journal survived a finished run")
	}
	if secretsJournalErr == nil && wasKilled {
		t.Logf("folded a secrets journal the kill left")
	}
	if journalErr == nil && wasKilled {
		t.Logf("recovered from a journal: %s", strings.TrimSpace(second.stderr))
	}
}

// TestCrashDuringRotation kills an apply that rotates every key (create the new key, store
// its secret, delete the old one) after its Nth answer, for every N, then runs a plain apply:
// it must converge with every live key's secret stored and working.
func TestCrashDuringRotation(t *testing.T) {
	t.Parallel()
	for _, keepOld := range []bool{false, true} {
		t.Run(fmt.Sprint("keep-old=", keepOld), func(t *testing.T) {
			t.Parallel()
			crashDuringRotation(t, keepOld)
		})
	}
}

func crashDuringRotation(t *testing.T, keepOld bool) {
	m := newManifests(4, 3, 1, 1) // 6 keys
	var rotate []string
	for _, k := range m.keys {
		rotate = append(rotate, "--rotate", k.app+"/"+k.name)
	}
	if keepOld {
		rotate = append(rotate, "--keep-old=24h") // NoOptDefVal: the value must be attached
	}
	// (--allow-mass-delete: the guard counts the 6 replaced keys of 12 resources as deletions.)
	args := append(append([]string{"apply", "--auto-approve", "--allow-mass-delete", "--secrets-file", secretsFile}, rotate...), "manifests")
	base := newOrg(t, 800)
	m.write(t, base.dir)
	defer func() {
		if v := base.check(m); !v.ok() {
			t.Errorf("after a clean rotation: %+v", v)
		}
	}()
	if r := base.apply(); r.code != 0 {
		t.Fatalf("first apply:\n%s", r)
	}
	start := base.n.Load()
	if r := base.run(args...); r.code != 0 {
		t.Fatalf("clean rotation:\n%s", r)
	}
	total := int(base.n.Load() - start)
	stride := 1
	if !*long {
		stride = max(1, total/8)
	}
	t.Logf("a clean rotation of %d keys takes %d answers; killing after every %d", len(m.keys), total, stride)
	for n := 1; n <= total; n += stride {
		t.Run(fmt.Sprint("kill-after=", n), func(t *testing.T) {
			t.Parallel()
			o := newOrg(t, 800)
			m.write(t, o.dir)
			if r := o.apply(); r.code != 0 {
				t.Fatalf("first apply:\n%s", r)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd, stdout, stderr := o.command(ctx, args...)
			var mu sync.Mutex
			o.onAnswer(int64(n), func() {
				mu.Lock()
				defer mu.Unlock()
				if cmd.Process != nil {
					cmd.Process.Kill()
				}
			})
			mu.Lock()
			err := cmd.Start()
			mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			o.finish(cmd, stdout, stderr, cmd.Wait())
			o.stored(m.secretNames())
			second := o.apply()
			checkReport(t, second)
			if second.code != 0 {
				t.Fatalf("apply after a kill mid-rotation:\n%s", second)
			}
			o.requireConverged(m)
		})
	}
}
