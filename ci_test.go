package main

// Tests of the CI integrations' shell: ci/install.sh against a local fake of the release
// downloads, and the scripts of action.yml and ci/gitlab/iamsync.gitlab-ci.yml run as the
// runners run them, with a fake iamsync that records its arguments.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// fakeRelease serves releases/latest/download/... and releases/download/TAG/... as GitHub does.
type fakeRelease struct {
	*httptest.Server
	mu    sync.Mutex        // the server's goroutines read files while a test publishes
	files map[string][]byte // path under the releases URL → content
}

func newFakeRelease(t *testing.T) *fakeRelease {
	r := &fakeRelease{files: map[string][]byte{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		data, ok := r.files[req.URL.Path]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(r.Close)
	return r
}

// publish puts a release archive holding a stand-in iamsync, and its checksums.txt, under
// dir ("latest/download" or "download/v1.2.3"); the checksum is for content tampered
// with when tamper is set.
func (r *fakeRelease) publish(t *testing.T, dir, version string, tamper bool) {
	archive := releaseArchive(t)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	script := "#!/bin/sh\necho \"iamsync " + version + " (stand-in)\"\n"
	tw.WriteHeader(&tar.Header{Name: "README.md", Mode: 0o644, Size: 3})
	tw.Write([]byte("hi\n"))
	tw.WriteHeader(&tar.Header{Name: "iamsync", Mode: 0o755, Size: int64(len(script))})
	tw.Write([]byte(script))
	tw.Close()
	gz.Close()
	sum := sha256.Sum256(buf.Bytes())
	if tamper {
		sum = sha256.Sum256(append(buf.Bytes(), 0))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files["/"+dir+"/"+archive] = buf.Bytes()
	r.files["/"+dir+"/checksums.txt"] = fmt.Appendf(nil, "%x  iamsync_other_os.tar.gz\n%x  %s\n", sha256.Sum256(nil), sum, archive)
}

func releaseArchive(t *testing.T) string {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Fatalf("these tests run ci/install.sh with sh, on Linux or macOS, not %s", runtime.GOOS)
	}
	return "iamsync_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"
}

// toolDir is a PATH of links to the named system tools only, so a test decides whether curl,
// wget or go exist.
func toolDir(t *testing.T, tools ...string) string {
	dir := t.TempDir()
	for _, tool := range tools {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s is needed by this test: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var installTools = []string{"sh", "uname", "mktemp", "rm", "mkdir", "awk", "cut", "tar", "gzip", "cp", "chmod", "cat", "sha256sum"}

type shellRun struct {
	code           int
	stdout, stderr string
}

func runShell(t *testing.T, dir string, env []string, shell string, args ...string) shellRun {
	t.Helper()
	cmd := exec.Command(shell, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", shell, err)
	}
	return shellRun{code, out.String(), errb.String()}
}

// fakeGo stands in for 'go install': it records its arguments and GOBIN, and puts an iamsync
// there.
const fakeGo = `#!/bin/sh
echo "GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED $*" >>"$FAKE_LOG"
printf '#!/bin/sh\necho "iamsync built by go install"\n' >"$GOBIN/iamsync"
chmod 755 "$GOBIN/iamsync"
`

func TestInstallScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("ci/install.sh")
	for _, tc := range []struct {
		name       string
		version    string
		publish    func(*fakeRelease)
		downloader string // curl or wget
		goFallback bool   // a go command is on PATH
		wantCode   int
		wantErr    []string
		wantGo     string // what go was asked, "" for not called
		wantOut    string // the installed iamsync's version output
	}{
		{name: "latest with curl", publish: func(r *fakeRelease) { r.publish(t, "latest/download", "v2.0.0", false) }, downloader: "curl", goFallback: true,
			wantErr: []string{"installed latest (" + releaseArchive(t) + ", sha256 verified)"}, wantOut: "iamsync v2.0.0 (stand-in)"},
		{name: "pinned with wget", version: "v1.2.3", publish: func(r *fakeRelease) {
			r.publish(t, "download/v1.2.3", "v1.2.3", false)
			r.publish(t, "latest/download", "v2.0.0", false)
		}, downloader: "wget", wantOut: "iamsync v1.2.3 (stand-in)"},
		{name: "tampered archive", publish: func(r *fakeRelease) { r.publish(t, "latest/download", "v2.0.0", true) }, downloader: "curl", goFallback: true,
			wantCode: 1, wantErr: []string{"does not match checksums.txt", "nothing installed"}},
		{name: "archive not in checksums", publish: func(r *fakeRelease) {
			r.publish(t, "latest/download", "v2.0.0", false)
			r.mu.Lock()
			r.files["/latest/download/checksums.txt"] = []byte("0000  iamsync_plan9_amd64.tar.gz\n")
			r.mu.Unlock()
		}, downloader: "curl", goFallback: true, wantCode: 1, wantErr: []string{"checksums.txt of latest does not list " + releaseArchive(t)}},
		{name: "no such release, go install", version: "v1.9.0", publish: func(*fakeRelease) {}, downloader: "curl", goFallback: true,
			wantGo: "CGO_ENABLED=0 install -trimpath github.com/iamsync/iamsync@v1.9.0", wantOut: "iamsync built by go install",
			wantErr: []string{"no release archive for v1.9.0", "building it with go install"}},
		{name: "no such release, no go", version: "v1.9.0", publish: func(*fakeRelease) {}, downloader: "wget",
			wantCode: 1, wantErr: []string{"could not download", "Go is not installed", "hint: check IAMSYNC_VERSION (v1.9.0) names a release"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := newFakeRelease(t)
			tc.publish(rel)
			tools := toolDir(t, append(installTools, tc.downloader)...)
			log := filepath.Join(t.TempDir(), "go.log")
			if tc.goFallback {
				if err := os.WriteFile(filepath.Join(tools, "go"), []byte(fakeGo), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			bin := filepath.Join(t.TempDir(), "bin")
			env := []string{"PATH=" + tools, "HOME=" + t.TempDir(), "FAKE_LOG=" + log,
				"IAMSYNC_RELEASES=" + rel.URL, "IAMSYNC_INSTALL_DIR=" + bin, "IAMSYNC_VERSION=" + tc.version}
			res := runShell(t, t.TempDir(), env, sh, script)
			if res.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s", res.code, tc.wantCode, res.stderr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			called, _ := os.ReadFile(log)
			if tc.wantGo == "" && len(called) > 0 {
				t.Errorf("go was called: %s", called)
			}
			if tc.wantGo != "" && string(called) != "GOBIN="+bin+" "+tc.wantGo+"\n" {
				t.Errorf("go was called as %q, want %q", called, tc.wantGo)
			}
			installed := filepath.Join(bin, "iamsync")
			if tc.wantCode != 0 {
				if _, err := os.Stat(installed); err == nil {
					t.Error("a binary was installed although the install failed")
				}
				return
			}
			if !strings.Contains(res.stderr, tc.wantOut) {
				t.Errorf("the install did not end with the installed version %q:\n%s", tc.wantOut, res.stderr)
			}
			if st, err := os.Stat(installed); err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("installed binary: %v %v", st, err)
			}
		})
	}
}

// step is the part of a GitHub Actions step these tests read.
type step struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Shell string            `yaml:"shell"`
	Run   string            `yaml:"run"`
	Uses  string            `yaml:"uses"`
	Env   map[string]string `yaml:"env"`
	With  map[string]string `yaml:"with"`
}

type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []step `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T, path string) actionFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("%s: runs.using = %q, want composite", path, a.Runs.Using)
	}
	for _, s := range a.Runs.Steps {
		// Inputs reach scripts through env only: an expression in the script text would let a
		// crafted input (a branch name, say) run code.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("%s: step %q has an expression in its script; pass it through env", path, s.Name)
		}
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("%s: step %q: shell %q, want bash (the same on every runner OS)", path, s.Name, s.Shell)
		}
	}
	return a
}

func (a actionFile) step(t *testing.T, name string) step {
	for _, s := range a.Runs.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no step %q", name)
	return step{}
}

// fakeIamsync records each invocation's arguments, one a line, then "--", and plays the
// commands: exit codes from FAKE_VALIDATE, FAKE_PLAN, FAKE_AUDIT.
const fakeIamsync = `#!/bin/sh
printf '%s\n' "$@" -- >>"$FAKE_LOG"
case $1 in
validate) echo "iam.yaml:1:1: fake error" >&2; exit "${FAKE_VALIDATE:-0}" ;;
plan)
    while [ $# -gt 0 ]; do
        if [ "$1" = --out ]; then echo '{"format_version":1}' >"$2"; fi
        shift
    done
    echo "**iamsync plan** fake"
    echo "Plan saved" >&2
    exit "${FAKE_PLAN:-0}" ;;
audit) echo "audit report"; exit "${FAKE_AUDIT:-0}" ;;
esac
`

// invocations splits the fake's log into argument lists.
func invocations(t *testing.T, log string) [][]string {
	data, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out [][]string
	var cur []string
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if l == "--" {
			out = append(out, cur)
			cur = nil
		} else if l != "" {
			cur = append(cur, l)
		}
	}
	return out
}

type ciEnv struct {
	dir, log, temp, output string
	env                    []string
}

// newCIEnv is a runner's environment with the fake iamsync first on PATH.
func newCIEnv(t *testing.T, vars ...string) ciEnv {
	c := ciEnv{dir: t.TempDir(), temp: t.TempDir()}
	fake := t.TempDir()
	if err := os.WriteFile(filepath.Join(fake, "iamsync"), []byte(fakeIamsync), 0o755); err != nil {
		t.Fatal(err)
	}
	c.log = filepath.Join(t.TempDir(), "calls")
	c.output = filepath.Join(t.TempDir(), "output")
	c.env = append([]string{"PATH=" + fake + ":/usr/bin:/bin", "HOME=" + c.dir, "FAKE_LOG=" + c.log,
		"RUNNER_TEMP=" + c.temp, "GITHUB_OUTPUT=" + c.output, "GITHUB_WORKSPACE=" + c.dir, "CI_PROJECT_DIR=" + c.dir}, vars...)
	return c
}

func (c ciEnv) outputs(t *testing.T) map[string]string {
	data, _ := os.ReadFile(c.output)
	out := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = v
		}
	}
	return out
}

// runStep runs a step's script as the runner does for shell: bash.
func runStep(t *testing.T, c ciEnv, s step) shellRun {
	f := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(f, []byte(s.Run), 0o644); err != nil {
		t.Fatal(err)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	return runShell(t, c.dir, c.env, bash, "--noprofile", "--norc", "-eo", "pipefail", f)
}

func TestActionScriptsParse(t *testing.T) {
	for _, path := range []string{"action.yml", "setup/action.yml"} {
		for _, s := range readAction(t, path).Runs.Steps {
			if s.Run == "" {
				continue
			}
			f := filepath.Join(t.TempDir(), "step.sh")
			os.WriteFile(f, []byte(s.Run), 0o644)
			if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s: step %q: bash -n: %v\n%s", path, s.Name, err, out)
			}
		}
	}
}

func TestActionInputsAndOutputs(t *testing.T) {
	a := readAction(t, "action.yml")
	for _, in := range []string{"path", "working-directory", "version", "fail-on-new-access", "comment", "comment-id", "audit", "artifact-name", "github-token"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("action.yml has no input %q", in)
		}
	}
	if a.Inputs["fail-on-new-access"].Default != "" {
		t.Error("fail-on-new-access must default to empty: plan may not have the flag")
	}
	upload := a.step(t, "Upload the plan")
	if !strings.HasPrefix(upload.Uses, "actions/upload-artifact@") || upload.With["name"] != "${{ inputs.artifact-name }}" {
		t.Errorf("plan upload: %+v", upload)
	}
	sarif := a.step(t, "Upload the audit to code scanning")
	if !strings.HasPrefix(sarif.Uses, "github/codeql-action/upload-sarif@") || sarif.With["sarif_file"] == "" {
		t.Errorf("SARIF upload: %+v", sarif)
	}
	// Every step after the main one runs even when an earlier one failed, so the comment and
	// the result report a failed plan (and the rule cache is saved).
	main := 0
	for i, s := range a.Runs.Steps {
		if s.Name == "Validate, plan and audit" {
			main = i
		}
	}
	for _, s := range a.Runs.Steps[main+1:] {
		if !strings.HasPrefix(s.If, "always() && ") {
			t.Errorf("step %q: if %q does not start with always()", s.Name, s.If)
		}
	}
	if a.Inputs["github-token"].Default != "${{ github.token }}" {
		t.Error("the comment's token should default to the workflow's")
	}
	if c := a.step(t, "Comment on the pull request"); c.Env["GITHUB_TOKEN"] != "${{ inputs.github-token }}" {
		t.Errorf("the comment step gets GITHUB_TOKEN from %q", c.Env["GITHUB_TOKEN"])
	}
}

func TestActionRunStep(t *testing.T) {
	run := readAction(t, "action.yml").step(t, "Validate, plan and audit")
	for _, tc := range []struct {
		name        string
		vars        []string
		want        [][]string // invocations, with T for RUNNER_TEMP/iamsync and W for the workspace
		wantOutputs map[string]string
	}{
		{"defaults", []string{"INPUT_PATH=manifests other", "INPUT_FAIL_ON_NEW_ACCESS=", "INPUT_AUDIT=true"}, [][]string{
			{"validate", "--format", "github", "manifests", "other"},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "manifests", "other"},
			{"audit", "--format", "sarif", "--repo-root", "W", "manifests", "other"},
			{"audit", "--format", "markdown", "manifests", "other"},
		}, map[string]string{"validate": "0", "plan": "0", "audit": "0", "plan-file": "T/plan.json", "sarif-file": "T/iamsync.sarif"}},
		{"fail-on-new-access true", []string{"INPUT_PATH=.", "INPUT_FAIL_ON_NEW_ACCESS=true", "INPUT_AUDIT=false"}, [][]string{
			{"validate", "--format", "github", "."},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "--fail-on-new-access", "."},
		}, map[string]string{"plan": "0", "audit": "skipped"}},
		{"fail-on-new-access with a value", []string{"INPUT_PATH=.", "INPUT_FAIL_ON_NEW_ACCESS=high", "INPUT_AUDIT=false"}, [][]string{
			{"validate", "--format", "github", "."},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "--fail-on-new-access=high", "."},
		}, nil},
		{"fail-on-new-access false", []string{"INPUT_PATH=.", "INPUT_FAIL_ON_NEW_ACCESS=false", "INPUT_AUDIT=false"}, [][]string{
			{"validate", "--format", "github", "."},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "."},
		}, nil},
		{"invalid manifests", []string{"INPUT_PATH=.", "INPUT_AUDIT=true", "INPUT_FAIL_ON_NEW_ACCESS=", "FAKE_VALIDATE=1"}, [][]string{
			{"validate", "--format", "github", "."},
			{"validate", "."},
		}, map[string]string{"validate": "1", "plan": "skipped", "audit": "skipped"}},
		{"plan fails, audit finds", []string{"INPUT_PATH=.", "INPUT_AUDIT=true", "INPUT_FAIL_ON_NEW_ACCESS=", "FAKE_PLAN=3", "FAKE_AUDIT=2"}, [][]string{
			{"validate", "--format", "github", "."},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "."},
			{"audit", "--format", "sarif", "--repo-root", "W", "."},
			{"audit", "--format", "markdown", "."},
		}, map[string]string{"plan": "3", "audit": "2", "sarif-file": "T/iamsync.sarif"}},
		{"audit error", []string{"INPUT_PATH=.", "INPUT_AUDIT=true", "INPUT_FAIL_ON_NEW_ACCESS=", "FAKE_AUDIT=1"}, [][]string{
			{"validate", "--format", "github", "."},
			{"plan", "--out", "T/plan.json", "--format", "markdown", "."},
			{"audit", "--format", "sarif", "--repo-root", "W", "."},
		}, map[string]string{"audit": "1", "sarif-file": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCIEnv(t, tc.vars...)
			res := runStep(t, c, run)
			if res.code != 0 {
				t.Fatalf("the step failed (%d); it must report through its outputs:\n%s", res.code, res.stderr)
			}
			got := invocations(t, c.log)
			expand := strings.NewReplacer("T/", filepath.Join(c.temp, "iamsync")+"/", "W", c.dir)
			var want [][]string
			for _, inv := range tc.want {
				var args []string
				for _, a := range inv {
					args = append(args, expand.Replace(a))
				}
				want = append(want, args)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("iamsync was run as\n%q\nwant\n%q", got, want)
			}
			outs := c.outputs(t)
			for k, v := range tc.wantOutputs {
				if outs[k] != expand.Replace(v) {
					t.Errorf("output %s = %q, want %q", k, outs[k], expand.Replace(v))
				}
			}
		})
	}
}

func TestActionCommentAndResultSteps(t *testing.T) {
	a := readAction(t, "action.yml")
	comment := a.step(t, "Comment on the pull request")
	result := a.step(t, "Result")

	c := newCIEnv(t, "INPUT_PATH=manifests", "INPUT_COMMENT_ID=", "INPUT_ARTIFACT=iamsync-plan", "PLAN_EXIT=3", "GITHUB_TOKEN=x")
	out := filepath.Join(c.temp, "iamsync")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "plan.md"), []byte("plan"), 0o644)
	os.WriteFile(filepath.Join(out, "audit.md"), []byte("audit"), 0o644)
	if res := runStep(t, c, comment); res.code != 0 {
		t.Fatalf("comment step: %d\n%s", res.code, res.stderr)
	}
	want := []string{"comment", "--github", "--id", "manifests", "--artifact", "iamsync-plan",
		"--log", "iamsync plan exited with 3=" + out + "/plan.log", out + "/plan.md", out + "/audit.md"}
	if got := invocations(t, c.log); len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("comment run as %q, want %q", got, want)
	}

	for _, tc := range []struct {
		vars []string
		code int
		msg  string
	}{
		{[]string{"VALIDATE_EXIT=0", "PLAN_EXIT=0", "AUDIT_EXIT=2"}, 0, ""},
		{[]string{"VALIDATE_EXIT=1", "PLAN_EXIT=skipped", "AUDIT_EXIT=skipped"}, 1, "::error title=iamsync::the manifests are invalid"},
		{[]string{"VALIDATE_EXIT=0", "PLAN_EXIT=3", "AUDIT_EXIT=0"}, 1, "iamsync plan exited with 3"},
		{[]string{"VALIDATE_EXIT=0", "PLAN_EXIT=0", "AUDIT_EXIT=1"}, 1, "iamsync audit failed"},
	} {
		res := runStep(t, newCIEnv(t, tc.vars...), result)
		if res.code != tc.code || !strings.Contains(res.stdout, tc.msg) {
			t.Errorf("result with %v: exit %d, stdout %q; want %d and %q", tc.vars, res.code, res.stdout, tc.code, tc.msg)
		}
	}
}

func TestActionInstallStep(t *testing.T) {
	for _, path := range []string{"action.yml", "setup/action.yml"} {
		install := readAction(t, path).step(t, "Install iamsync")
		for _, tc := range []struct{ ref, input, dir, want string }{
			{"v1.2.3", "", "download/v1.2.3", "v1.2.3"},
			{"main", "", "latest/download", "v2.0.0"},
			{"v1.2.3", "v1.0.0", "download/v1.0.0", "v1.0.0"},
		} {
			rel := newFakeRelease(t)
			rel.publish(t, tc.dir, tc.want, false)
			root, _ := filepath.Abs(".")
			actionPath := filepath.Join(root, filepath.Dir(path))
			c := newCIEnv(t, "IAMSYNC_VERSION="+tc.input, "ACTION_REF="+tc.ref, "GITHUB_ACTION_PATH="+actionPath,
				"IAMSYNC_RELEASES="+rel.URL, "GITHUB_PATH="+filepath.Join(t.TempDir(), "path"))
			res := runStep(t, c, install)
			if res.code != 0 || !strings.Contains(res.stderr, "iamsync "+tc.want+" (stand-in)") {
				t.Errorf("%s with ref %s, input %q: exit %d\n%s", path, tc.ref, tc.input, res.code, res.stderr)
			}
			added, _ := os.ReadFile(filepath.Join(strings.TrimPrefix(c.env[len(c.env)-1], "GITHUB_PATH=")))
			if string(added) != filepath.Join(c.temp, "iamsync-bin")+"\n" {
				t.Errorf("GITHUB_PATH got %q", added)
			}
		}
	}
}

type gitlabJob struct {
	Extends      string              `yaml:"extends"`
	Stage        string              `yaml:"stage"`
	Image        string              `yaml:"image"`
	Rules        []map[string]string `yaml:"rules"`
	Variables    map[string]string   `yaml:"variables"`
	BeforeScript []string            `yaml:"before_script"`
	Script       []string            `yaml:"script"`
	Artifacts    struct {
		Paths []string `yaml:"paths"`
		When  string   `yaml:"when"`
	} `yaml:"artifacts"`
	ResourceGroup string `yaml:"resource_group"`
}

func readGitLab(t *testing.T) map[string]gitlabJob {
	data, err := os.ReadFile("ci/gitlab/iamsync.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]gitlabJob{}
	for name, node := range raw {
		if name == "variables" {
			continue
		}
		var j gitlabJob
		if err := node.Decode(&j); err != nil {
			t.Fatalf("job %s: %v", name, err)
		}
		jobs[name] = j
	}
	return jobs
}

func TestGitLabTemplate(t *testing.T) {
	jobs := readGitLab(t)
	base, plan, apply := jobs[".iamsync"], jobs["iamsync-plan"], jobs["iamsync-apply"]
	install, err := os.ReadFile("ci/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	if len(base.BeforeScript) == 0 || base.BeforeScript[0] != "(\n"+string(install)+")\n" {
		t.Error("the template's installer is not ci/install.sh as it is: copy the file into the before_script's ( ... ) block")
	}
	if plan.Extends != ".iamsync" || apply.Extends != ".iamsync" {
		t.Error("the jobs do not extend .iamsync")
	}
	if len(plan.Rules) != 1 || plan.Rules[0]["if"] != `$CI_PIPELINE_SOURCE == "merge_request_event"` {
		t.Errorf("iamsync-plan rules: %v", plan.Rules)
	}
	if plan.Variables["SCW_ACCESS_KEY"] != "$IAMSYNC_PLAN_ACCESS_KEY" || apply.Variables["SCW_ACCESS_KEY"] != "$IAMSYNC_APPLY_ACCESS_KEY" {
		t.Error("plan and apply must use their own keys (read-only, and IAMManager behind protected variables)")
	}
	if apply.ResourceGroup == "" || plan.Artifacts.When != "always" || !contains(plan.Artifacts.Paths, ".iamsync/plan.json") {
		t.Errorf("apply resource_group %q, plan artifacts %+v", apply.ResourceGroup, plan.Artifacts)
	}
	for name, j := range jobs {
		for _, s := range append(append([]string{}, j.BeforeScript...), j.Script...) {
			f := filepath.Join(t.TempDir(), "s.sh")
			os.WriteFile(f, []byte(s), 0o644)
			if out, err := exec.Command("sh", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s: sh -n: %v\n%s", name, err, out)
			}
		}
	}
}

func TestGitLabPlanScript(t *testing.T) {
	script := readGitLab(t)["iamsync-plan"].Script
	for _, tc := range []struct {
		name string
		vars []string
		code int
		want [][]string
	}{
		{"plan and comment", []string{"IAMSYNC_PATH=iam", "IAMSYNC_PLAN_FLAGS=--fail-on-new-access"}, 0, [][]string{
			{"validate", "iam"},
			{"plan", "--out", ".iamsync/plan.json", "--format", "markdown", "--fail-on-new-access", "iam"},
			{"audit", "--format", "sarif", "--repo-root", "W", "iam"},
			{"audit", "--format", "markdown", "iam"},
			{"comment", "--gitlab", "--id", "iam", "--artifact", "iamsync-plan", ".iamsync/plan.md", ".iamsync/audit.md"},
		}},
		{"invalid manifests", []string{"IAMSYNC_PATH=iam", "IAMSYNC_COMMENT_ID=prod", "FAKE_VALIDATE=1"}, 1, [][]string{
			{"validate", "iam"},
			{"comment", "--gitlab", "--id", "prod", "--artifact", "iamsync-plan", "--log", "iamsync validate failed=.iamsync/validate.log"},
		}},
		{"plan refused", []string{"IAMSYNC_PATH=iam", "FAKE_PLAN=3", "FAKE_AUDIT=2"}, 1, [][]string{
			{"validate", "iam"},
			{"plan", "--out", ".iamsync/plan.json", "--format", "markdown", "iam"},
			{"audit", "--format", "sarif", "--repo-root", "W", "iam"},
			{"audit", "--format", "markdown", "iam"},
			{"comment", "--gitlab", "--id", "iam", "--artifact", "iamsync-plan", "--log", "iamsync plan exited with 3=.iamsync/plan.log", ".iamsync/plan.md", ".iamsync/audit.md"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCIEnv(t, tc.vars...)
			f := filepath.Join(t.TempDir(), "job.sh")
			os.WriteFile(f, []byte(strings.Join(script, "\n")), 0o644)
			// GitLab runs a job's lines in one shell that stops at the first failure.
			res := runShell(t, c.dir, c.env, "sh", "-e", f)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", res.code, tc.code, res.stderr)
			}
			var want [][]string
			for _, inv := range tc.want {
				var args []string
				for _, a := range inv {
					args = append(args, strings.ReplaceAll(a, "W", c.dir))
				}
				want = append(want, args)
			}
			if got := invocations(t, c.log); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("iamsync was run as\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// gitlabVariables are the template's global variables: GitLab gives them to every job unless
// the project overrides them.
func gitlabVariables(t *testing.T) []string {
	data, err := os.ReadFile("ci/gitlab/iamsync.gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Variables map[string]string `yaml:"variables"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k, v := range raw.Variables {
		out = append(out, k+"="+v)
	}
	return out
}

// Issue 18: the apply job keeps new keys' secrets: Secret Manager by default (a job's files
// vanish with it), a kept file only when the project names one.
func TestGitLabApplyScript(t *testing.T) {
	script := readGitLab(t)["iamsync-apply"].Script
	for _, tc := range []struct {
		name string
		vars []string
		want []string
	}{
		{"default: Secret Manager", nil, []string{"apply", "--auto-approve", "--secrets-to", "scaleway-secret-manager", "iam"}},
		{"in a project", []string{"IAMSYNC_SECRETS_PROJECT=vault"},
			[]string{"apply", "--auto-approve", "--secrets-to", "scaleway-secret-manager", "--secrets-project", "vault", "iam"}},
		{"a file the runner keeps", []string{"IAMSYNC_SECRETS_TO=file", "IAMSYNC_SECRETS_FILE=/mnt/keep/iam.env"},
			[]string{"apply", "--auto-approve", "--secrets-to", "file", "--secrets-file", "/mnt/keep/iam.env", "iam"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The project's variables come after the template's, and win (sh keeps the last).
			c := newCIEnv(t, append(append(gitlabVariables(t), "CI=true", "IAMSYNC_PATH=iam"), tc.vars...)...)
			f := filepath.Join(t.TempDir(), "job.sh")
			os.WriteFile(f, []byte(strings.Join(script, "\n")), 0o644)
			if res := runShell(t, c.dir, c.env, "sh", "-e", f); res.code != 0 {
				t.Fatalf("exit %d\n%s", res.code, res.stderr)
			}
			if got := invocations(t, c.log); fmt.Sprint(got) != fmt.Sprint([][]string{tc.want}) {
				t.Errorf("iamsync was run as\n%q\nwant\n%q", got, [][]string{tc.want})
			}
		})
	}
}

// readmeBlock returns the fenced block of README.md whose first line is first.
func readmeBlock(t *testing.T, first string) string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+first+"\n")
	if !ok {
		t.Fatalf("README.md has no block starting %q", first)
	}
	block, _, _ := strings.Cut(rest, "\n```")
	return first + "\n" + block
}

// Issue 18: the README's apply workflow stores new keys' secrets in Secret Manager, and says
// which rights that needs; its apply step, run as a runner runs it, asks for exactly that.
func TestREADMEApplyWorkflow(t *testing.T) {
	block := readmeBlock(t, "# .github/workflows/iamsync-apply.yml: applies exactly the plan reviewed on the pull request")
	var wf struct {
		Jobs map[string]struct {
			Steps []step `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
		t.Fatalf("the README's apply workflow is not YAML: %v", err)
	}
	var apply *step
	for _, s := range wf.Jobs["apply"].Steps {
		if strings.Contains(s.Run, "iamsync apply") {
			apply = &s
		}
	}
	if apply == nil {
		t.Fatal("no step of the README's apply workflow runs iamsync apply")
	}
	c := newCIEnv(t, "CI=true", "GITHUB_ACTIONS=true")
	f := filepath.Join(t.TempDir(), "step.sh")
	os.WriteFile(f, []byte(apply.Run), 0o644)
	if res := runShell(t, c.dir, c.env, "bash", "-e", f); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	want := [][]string{{"apply", "--secrets-to", "scaleway-secret-manager", "plan.json"}}
	if got := invocations(t, c.log); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("iamsync was run as\n%q\nwant\n%q", got, want)
	}
	for _, right := range []string{"IAMManager", "SecretManagerSecretCreate", "SecretManagerSecretWrite", "SecretManagerSecretDelete"} {
		if !strings.Contains(block, right) {
			t.Errorf("the README's apply workflow does not name the right %s its key needs", right)
		}
	}
}
