package resilience

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

var long = flag.Bool("resilience.long", false, "run the long versions of the resilience suites")

// bin is the iamsync binary every suite runs, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "iamsync-resilience-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "iamsync")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		// Under -race the binary is raced too: its apply runs actions concurrently, and a
		// report (exit 66, "WARNING: DATA RACE" on stderr) fails the run that made it.
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/iamsync/iamsync")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build iamsync:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// org is an emulator served through a wrapping handler that counts finished answers and can
// run a hook after the Nth one (the crash suite's kill switch).
type org struct {
	t     testing.TB
	emu   *emulator.Server
	srv   *httptest.Server
	dir   string // working directory of the runs: manifests, secrets file
	n     atomic.Int64
	mu    sync.Mutex
	after map[int64]func()
	// outputs collects every stdout and stderr of the runs, for the canary check.
	outputs []string
	// otherSecrets are further secrets files (applies as if on other machines).
	otherSecrets []string
}

const stack = "resilience"

func newOrg(t testing.TB, seed int64) *org {
	t.Helper()
	return newOrgWith(t, emulator.Options{Seed: seed, Users: users})
}

// newOrgWith is newOrg with the emulator's options chosen (a rate limit, for benchmarks).
func newOrgWith(t testing.TB, opts emulator.Options) *org {
	t.Helper()
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	o := &org{t: t, emu: emu, dir: t.TempDir(), after: map[int64]func(){}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		emu.Handler().ServeHTTP(w, r)
		if r.URL.Path == "/metadata" {
			return
		}
		n := o.n.Add(1)
		o.mu.Lock()
		hook := o.after[n]
		o.mu.Unlock()
		if hook != nil {
			if f, ok := w.(http.Flusher); ok {
				func() { defer func() { recover() }(); f.Flush() }()
			}
			hook()
		}
	}))
	t.Cleanup(func() {
		o.srv.CloseClientConnections()
		o.srv.Close()
		emu.Close()
		o.canaries()
	})
	return o
}

// onAnswer runs hook right after the nth finished answer (counted from now; /metadata excluded).
func (o *org) onAnswer(n int64, hook func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.after[o.n.Load()+n] = hook
}

// killedAfter runs iamsync with args and kills it with SIGKILL right after the nth API answer
// (counted from now); killed says whether the kill ended the run (it may have finished first).
func (o *org) killedAfter(n int64, args ...string) (r result, killed bool) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, args...)
	var mu sync.Mutex
	sent := false
	o.onAnswer(n, func() {
		mu.Lock()
		defer mu.Unlock()
		if cmd.Process != nil {
			sent = cmd.Process.Kill() == nil
		}
	})
	mu.Lock()
	err := cmd.Start()
	mu.Unlock()
	if err != nil {
		o.t.Fatal(err)
	}
	r = o.finish(cmd, stdout, stderr, cmd.Wait())
	mu.Lock()
	defer mu.Unlock()
	return r, sent && r.killed
}

func (o *org) env() []string {
	c := o.emu.Owner()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + o.dir,
		"NO_COLOR=1",
		"SCW_API_URL=" + o.srv.URL,
		"SCW_ACCESS_KEY=" + c.AccessKey,
		"SCW_SECRET_KEY=" + c.SecretKey,
		"SCW_DEFAULT_ORGANIZATION_ID=" + c.OrganizationID,
		"SCW_DEFAULT_PROJECT_ID=" + c.ProjectID,
	}
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
	killed         bool
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// command prepares a run of iamsync in o.dir; start it with run or by hand.
func (o *org) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = o.dir
	cmd.Env = o.env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Cancel = func() error { return cmd.Process.Kill() }
	return cmd, &stdout, &stderr
}

func (o *org) finish(cmd *exec.Cmd, stdout, stderr *bytes.Buffer, err error) result {
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if st, ok := ee.Sys().(interface{ Signaled() bool }); ok && st.Signaled() {
			r.killed = true
		}
	default:
		o.t.Fatalf("run iamsync: %v", err)
	}
	o.mu.Lock()
	o.outputs = append(o.outputs, r.stdout, r.stderr)
	o.mu.Unlock()
	return r
}

// run runs iamsync with args to the end (at most 3 minutes).
func (o *org) run(args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd, stdout, stderr := o.command(ctx, args...)
	return o.finish(cmd, stdout, stderr, cmd.Run())
}

func (o *org) apply() result {
	return o.run("apply", "--auto-approve", "--secrets-file", secretsFile, "manifests")
}

const secretsFile = "iamsync.secrets.env"

// canaries fails the test if any secret the emulator ever issued appears in an output of a
// run or in a file of the working directory other than the secrets file and its journal.
func (o *org) canaries() {
	t := o.t
	issued := o.emu.IssuedSecrets()
	check := func(where, text string) {
		for _, s := range issued {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("canary: an issued secret appears in %s", where)
				return
			}
		}
	}
	o.mu.Lock()
	for i, out := range o.outputs {
		check(fmt.Sprintf("the output of run %d", i/2+1), out)
		if strings.Contains(out, "WARNING: DATA RACE") {
			t.Errorf("run %d of the binary reported a data race:\n%s", i/2+1, out)
		}
	}
	o.mu.Unlock()
	filepath.WalkDir(o.dir, func(path string, d fs.DirEntry, err error) error {
		// The secrets file holds secrets by design, and so does its journal (the entries a run
		// stored since its first write, folded into the file when the run ends): crashRun
		// checks that no journal outlives a finished run.
		if err != nil || d.IsDir() || d.Name() == secretsFile || d.Name() == secretsFile+".journal" {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			check(path, string(data))
		}
		return nil
	})
}

// client is an SDK client with the owner's key (what "another client" uses too).
func (o *org) client() *scw.Client {
	c := o.emu.Owner()
	cl, err := scw.NewClient(scw.WithAPIURL(o.srv.URL), scw.WithAuth(c.AccessKey, c.SecretKey), scw.WithDefaultOrganizationID(c.OrganizationID))
	if err != nil {
		o.t.Fatal(err)
	}
	return cl
}

// read reads the whole organization through the live package.
func (o *org) read() *model.Org {
	o.t.Helper()
	c := o.emu.Owner()
	url := o.srv.URL
	cl, err := live.New(live.Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &c.AccessKey, SecretKey: &c.SecretKey,
		DefaultOrganizationID: &c.OrganizationID, DefaultProjectID: &c.ProjectID}, Retry: live.RetryPolicy{RatePerSec: -1}})
	if err != nil {
		o.t.Fatal(err)
	}
	got, err := cl.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		o.t.Fatalf("read the organization: %v", err)
	}
	return got
}

// verdict is what the checks found; every field must be empty for a pass.
type verdict struct {
	duplicates   []string // resources this stack owns more than once
	lost         []string // managed keys whose secret is not in the secrets file
	broken       []string // secrets-file entries that do not authenticate
	missingEntry []string // declared keys with no secrets-file entry
}

func (v verdict) ok() bool {
	return len(v.duplicates)+len(v.lost)+len(v.broken)+len(v.missingEntry) == 0
}

// check asserts the promises on the organization as it is now: zero duplicates, every managed
// key's secret stored and working, every declared key stored. It does not require convergence
// (checkConverged does).
func (o *org) check(m *manifestSet) verdict {
	o.t.Helper()
	var v verdict
	l := o.read()
	seen := map[string]int{}
	for _, a := range l.Applications {
		if a.Owner == stack {
			seen["application/"+a.Name]++
		}
	}
	for _, g := range l.Groups {
		if g.Owner == stack {
			seen["group/"+g.Name]++
		}
	}
	for _, p := range l.Policies {
		if p.Owner == stack {
			seen["policy/"+p.Name]++
		}
	}
	stored := o.stored(m.secretNames())
	byAccess := map[string]string{}
	for name, c := range stored {
		byAccess[c.AccessKey] = name
	}
	for _, k := range l.APIKeys {
		// A retired key (kept for a grace period by a rotation) is no longer the manifests' key;
		// its secrets-file entry now holds the new key's.
		if k.Owner != stack || k.RetiredUntil != nil {
			continue
		}
		seen["api_key/"+k.Application+"/"+k.Name]++
		if _, ok := byAccess[k.ID]; !ok {
			v.lost = append(v.lost, k.ID+" ("+k.Application+"/"+k.Name+")")
		}
	}
	for key, n := range seen {
		if n > 1 {
			v.duplicates = append(v.duplicates, fmt.Sprintf("%s ×%d", key, n))
		}
	}
	// Every declared key's secret is stored (somewhere) and works.
	live := map[string]bool{}
	for _, k := range l.APIKeys {
		live[k.ID] = true
	}
	for _, k := range m.keys {
		working := false
		for name, c := range stored {
			if (name == k.secret || strings.HasPrefix(name, k.secret+"#")) && live[c.AccessKey] {
				if !o.authenticates(c) {
					v.broken = append(v.broken, name)
				}
				working = true
			}
		}
		if !working {
			v.missingEntry = append(v.missingEntry, k.secret)
		}
	}
	sort.Strings(v.duplicates)
	sort.Strings(v.lost)
	return v
}

// stored reads every entry of the secrets file the manifests name.
// With several secrets files (applies on two machines), a key's entry may be in any of them:
// entries are checked under name, name#2, ...
func (o *org) stored(names []string) map[string]secrets.Credentials {
	out := map[string]secrets.Credentials{}
	for i, path := range append([]string{filepath.Join(o.dir, secretsFile)}, o.otherSecrets...) {
		f := secrets.Open(path)
		for _, name := range names {
			c, ok, err := f.Get(name)
			if err != nil {
				o.t.Fatalf("the secrets file cannot be read (torn?): %v", err)
			}
			if !ok {
				continue
			}
			if i == 0 {
				out[name] = c
			} else {
				out[fmt.Sprintf("%s#%d", name, i+1)] = c
			}
		}
	}
	return out
}

// authenticates tells whether c's secret is accepted by the emulator: anything but a 401.
func (o *org) authenticates(c secrets.Credentials) bool {
	cl, err := scw.NewClient(scw.WithAPIURL(o.srv.URL), scw.WithAuth(c.AccessKey, c.SecretKey.Reveal()),
		scw.WithDefaultOrganizationID(o.emu.OrganizationID()))
	if err != nil {
		o.t.Fatal(err)
	}
	_, err = iam.NewAPI(cl).GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: c.AccessKey})
	var denied *scw.DeniedAuthenticationError
	if errors.As(err, &denied) {
		return false
	}
	var re *scw.ResponseError
	return !(errors.As(err, &re) && re.StatusCode == http.StatusUnauthorized)
}

// converged reports whether a plan of the manifests is empty (exit 0 with --detailed-exitcode).
func (o *org) converged() (bool, result) {
	r := o.run("plan", "--detailed-exitcode", "manifests")
	return r.code == 0, r
}

// requireConverged fails unless the organization equals the manifests and check passes.
func (o *org) requireConverged(m *manifestSet) {
	o.t.Helper()
	if ok, r := o.converged(); !ok {
		o.t.Fatalf("not converged:\n%s", r)
	}
	if v := o.check(m); !v.ok() {
		o.t.Fatalf("after convergence: %+v", v)
	}
}
