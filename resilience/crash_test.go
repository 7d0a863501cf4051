package resilience

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	_, wasKilled := o.killedAfter(n, "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
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
			o.killedAfter(int64(n), args...)
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

// scimManifest sets up SCIM with two tokens (Scaleway's most): the tokens have no name in the
// API, so only the pending journal tells a dead run's token from a declared one.
const scimManifest = `version: 1
stack: resilience
identity_provider:
  scim:
    tokens:
      - {name: okta}
      - {name: backup}
`

// TestCrashSCIMTokens kills an apply that sets up SCIM and its tokens after its Nth answer,
// for every N, then applies again: every live token must be a stored one whose bearer
// authenticates, and the next plan must be empty.
func TestCrashSCIMTokens(t *testing.T) {
	t.Parallel()
	base := newOrg(t, 900)
	writeSCIMManifest(t, base.dir)
	start := base.n.Load()
	if r := base.apply(); r.code != 0 {
		t.Fatalf("clean apply:\n%s", r)
	}
	total := int(base.n.Load() - start)
	t.Logf("a clean apply takes %d answers; killing after each", total)
	for n := 1; n <= total; n++ {
		t.Run(fmt.Sprint("kill-after=", n), func(t *testing.T) {
			t.Parallel()
			o := newOrg(t, 900)
			writeSCIMManifest(t, o.dir)
			o.killedAfter(int64(n), "apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
			second := o.apply()
			checkReport(t, second)
			if second.code != 0 {
				t.Fatalf("apply after the kill:\n%s", second)
			}
			if ok, r := o.converged(); !ok {
				t.Fatalf("not converged:\n%s", r)
			}
			stored := o.stored([]string{"SCIM_TOKEN_OKTA", "SCIM_TOKEN_BACKUP"})
			byID := map[string]bool{}
			for name, c := range stored {
				if !o.emu.SCIMTokenActive(c.BearerToken.Reveal()) {
					t.Errorf("%s's bearer does not authenticate", name)
				}
				byID[c.TokenID] = true
			}
			l := o.read()
			if len(l.SCIMTokens) != 2 || len(stored) != 2 {
				t.Errorf("%d live tokens and %d stored, want 2 and 2", len(l.SCIMTokens), len(stored))
			}
			for _, tk := range l.SCIMTokens {
				if !byID[tk.ID] {
					t.Errorf("live SCIM token %s has no stored bearer (after: %s)", tk.ID, second.stderr)
				}
			}
		})
	}
}

func writeSCIMManifest(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "manifests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifests", "scim.yaml"), []byte(scimManifest), 0o644); err != nil {
		t.Fatal(err)
	}
}
