package main

// Tests of the release artifacts that are not Go code: .goreleaser.yaml's ldflags reach real
// variables, a plain 'go build' in a git checkout reports its commit, the module path is the
// one people are told to 'go install', and the Dockerfile builds where a container engine runs.

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/internal/skipnote"
)

type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	SBOMs []struct {
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	data, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return c
}

func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	if c.Version != 2 || len(c.Builds) != 1 || len(c.Archives) != 1 {
		t.Fatalf("want schema version 2, one build and one archive: %+v", c)
	}
	b := c.Builds[0]
	for _, want := range []string{"linux", "darwin", "windows"} {
		if !contains(b.Goos, want) {
			t.Errorf("goos lacks %s", want)
		}
	}
	for _, want := range []string{"amd64", "arm64"} {
		if !contains(b.Goarch, want) {
			t.Errorf("goarch lacks %s", want)
		}
	}
	if !contains(b.Env, "CGO_ENABLED=0") || !contains(b.Flags, "-trimpath") || b.Binary != "iamsync" {
		t.Errorf("want CGO_ENABLED=0, -trimpath and binary iamsync: %+v", b)
	}
	if c.Checksum.NameTemplate != "checksums.txt" || c.Checksum.Algorithm != "sha256" || len(c.SBOMs) == 0 {
		t.Errorf("want sha256 checksums.txt and SBOMs: %+v %+v", c.Checksum, c.SBOMs)
	}
	// ci/install.sh downloads iamsync_OS_ARCH.tar.gz (.zip on Windows) from releases/latest.
	a := c.Archives[0]
	if a.NameTemplate != "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}" || !contains(a.Formats, "tar.gz") ||
		len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !contains(a.FormatOverrides[0].Formats, "zip") {
		t.Errorf("archive names or formats differ from what ci/install.sh downloads: %+v", a)
	}
	install, err := os.ReadFile("ci/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"archive=iamsync_${os}_${arch}.tar.gz", "archive=iamsync_${os}_${arch}.zip", "$base/checksums.txt"} {
		if !strings.Contains(string(install), want) {
			t.Errorf("ci/install.sh does not use %s", want)
		}
	}
}

// -X on a variable that does not exist is silently ignored, so the only proof that the
// release's ldflags work is a binary built with them reporting the values.
func TestGoreleaserLdflagsSetVersionVariables(t *testing.T) {
	c := readGoreleaser(t)
	values := map[string]string{
		"{{ .Version }}":    "9.8.7-test",
		"{{ .FullCommit }}": "0123456789abcdef0123456789abcdef01234567",
		"{{ .CommitDate }}": "2026-01-02T03:04:05Z",
	}
	ldflags := strings.Join(c.Builds[0].Ldflags, " ")
	for tmpl, v := range values {
		ldflags = strings.ReplaceAll(ldflags, tmpl, v)
	}
	if strings.Contains(ldflags, "{{") {
		t.Fatalf("ldflags use a template this test does not know; add it to values: %s", ldflags)
	}
	bin := goBuild(t, ".", nil, "-trimpath", "-ldflags", ldflags)
	out := run(t, bin, "version")
	for _, want := range []string{"iamsync v9.8.7-test\n", "commit:          0123456789abcdef0123456789abcdef01234567", "built:           2026-01-02T03:04:05Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("'iamsync version' of a binary built with the release ldflags lacks %q:\n%s", want, out)
		}
	}
	if short := run(t, bin, "version", "--short"); short != "v9.8.7-test\n" {
		t.Errorf("version --short = %q", short)
	}
}

// A plain 'go build' in a git checkout records the commit, which 'iamsync version' shows. The
// build happens in a fresh repository holding a copy of the module, so it works from a git
// worktree too (the go command only looks for a .git directory).
func TestPlainBuildReportsCommit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("git is needed: %v", err)
	}
	dir := t.TempDir()
	copyModule(t, ".", dir)
	gitRun := func(args ...string) string {
		cmd := exec.Command(git, append([]string{"-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		// GIT_DIR pins git to the new repository, whatever encloses dir.
		cmd.Env = append(os.Environ(), "GIT_DIR="+filepath.Join(dir, ".git"), "GIT_WORK_TREE="+dir,
			"GIT_COMMITTER_DATE=2026-02-03T04:05:06Z", "GIT_AUTHOR_DATE=2026-02-03T04:05:06Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitRun("init", "-q")
	gitRun("add", "-A")
	gitRun("commit", "-q", "-m", "snapshot")
	head := gitRun("rev-parse", "HEAD")

	// -buildvcs=auto: a machine's go env may turn VCS stamping off (this one does).
	bin := goBuild(t, dir, []string{"GOFLAGS=-buildvcs=auto"})
	out := run(t, bin, "version")
	sdk := requiredVersion(t, "github.com/scaleway/scaleway-sdk-go")
	for _, want := range []string{
		"commit:          " + head + "\n",
		"built:           2026-02-03T04:05:06Z\n",
		"scaleway-sdk-go: " + sdk + "\n",
		"go:              " + runtime.Version(),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("'iamsync version' lacks %q:\n%s", want, out)
		}
	}
	if first, _, _ := strings.Cut(out, "\n"); first == "iamsync dev" || !strings.Contains(first, head[:12]) {
		t.Errorf("version line %q: want the pseudo-version the go command derives from the commit", first)
	}
}

// README tells people to 'go install MODULE@...', and the installers fall back to it: the
// module path must be go.mod's.
func TestInstallPathIsTheModulePath(t *testing.T) {
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("no module line in go.mod")
	}
	module := string(m[1])
	for file, want := range map[string]string{
		"README.md":     "go install " + module + "@",
		"ci/install.sh": "iamsync_module=" + module + "\n",
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not say %q", file, want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^FROM .*golang:\S+ AS build$`),
		regexp.MustCompile(`(?m)^RUN CGO_ENABLED=0 .*go build -trimpath`),
		regexp.MustCompile(`-X github.com/iamsync/iamsync/cmd.Version=\$\{VERSION\} -X github.com/iamsync/iamsync/cmd.Commit=\$\{COMMIT\} -X github.com/iamsync/iamsync/cmd.Date=\$\{DATE\}`),
		regexp.MustCompile(`(?m)^FROM gcr.io/distroless/static\S*:nonroot$`),
		regexp.MustCompile(`(?m)^USER nonroot:nonroot$`),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/iamsync"\]$`),
	} {
		if !want.MatchString(df) {
			t.Errorf("Dockerfile does not match %s", want)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n != 2 {
		t.Errorf("%d stages, want 2 (build, then the runtime image)", n)
	}
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil || !strings.Contains(string(ignore), ".git\n") || !strings.Contains(string(ignore), "*.secrets.*") {
		t.Errorf(".dockerignore must keep .git and secrets files out of the build context: %v", err)
	}

	engine, why := containerEngine(probeCommand)
	if engine == nil {
		skipnote.Tell("TestDockerfile checked the Dockerfile but did not build it: " + why)
		t.Skip("Dockerfile not built: " + why)
	}
	tag := "iamsync-test:" + strings.ToLower(t.Name())
	build := exec.Command(engine[0], append(engine[1:], "--build-arg", "VERSION=v0.0.0-test", "--build-arg", "COMMIT=cafe", "-t", tag, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(engine, " "), err, out)
	}
	defer exec.Command(engine[0], "rmi", "-f", tag).Run()
	out, err := exec.Command(engine[0], "run", "--rm", tag, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "iamsync v0.0.0-test") || !strings.Contains(string(out), "commit:          cafe") {
		t.Errorf("%s run %s version: %v\n%s", engine[0], tag, err, out)
	}
	user, err := exec.Command(engine[0], "image", "inspect", "--format", "{{.Config.User}}", tag).Output()
	if err != nil || strings.TrimSpace(string(user)) != "nonroot:nonroot" {
		t.Errorf("image user %q (%v), want nonroot:nonroot", user, err)
	}
}

// The Dockerfile uses BuildKit's automatic platform arguments (--platform=$BUILDPLATFORM):
// the legacy builder fails on it ("failed to parse platform"), so every build command the
// project shows must go through BuildKit.
func TestDockerBuildCommandsUseBuildKit(t *testing.T) {
	buildCmd := regexp.MustCompile(`docker(?: buildx)? build\b`)
	for _, file := range []string{"README.md", "Dockerfile"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range buildCmd.FindAllString(line, -1) {
				n++
				if m != "docker buildx build" {
					t.Errorf("%s:%d: %q: the Dockerfile needs BuildKit; write 'docker buildx build'", file, i+1, strings.TrimSpace(line))
				}
			}
		}
		if n == 0 {
			t.Errorf("%s shows no 'docker buildx build' command", file)
		}
	}
	if readme, _ := os.ReadFile("README.md"); !strings.Contains(string(readme), "BuildKit") {
		t.Errorf("README.md does not say the image needs BuildKit")
	}
}

// probeCommand runs a command quietly and reports whether it succeeded.
func probeCommand(name string, args ...string) error {
	if _, err := exec.LookPath(name); err != nil {
		return err
	}
	return exec.Command(name, args...).Run()
}

// containerEngine returns the build command of the first container engine that can build the
// Dockerfile (docker with buildx, or podman, whose builder knows BUILDPLATFORM), or nil and
// why none can.
func containerEngine(probe func(name string, args ...string) error) (build []string, why string) {
	var reasons []string
	if probe("docker", "info") != nil {
		reasons = append(reasons, "'docker info' fails (no docker, or no running engine)")
	} else if probe("docker", "buildx", "version") != nil {
		reasons = append(reasons, "docker answers but has no buildx (BuildKit), which the Dockerfile needs: install the docker-buildx plugin")
	} else {
		return []string{"docker", "buildx", "build", "--load"}, ""
	}
	if probe("podman", "info") != nil {
		reasons = append(reasons, "'podman info' fails")
	} else {
		return []string{"podman", "build"}, ""
	}
	return nil, strings.Join(reasons, "; ") + "; build it by hand with: docker buildx build --load -t iamsync ."
}

// An engine that answers but cannot build the Dockerfile is a skip that says so, not a failure.
func TestContainerEngine(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      []string // probes that fail, as "docker info", "docker buildx version", "podman info"
		want      string
		wantInWhy string
	}{
		{"docker with buildx", nil, "docker buildx build --load", ""},
		{"docker without buildx, no podman", []string{"docker buildx version", "podman info"}, "", "has no buildx"},
		{"docker without buildx, podman", []string{"docker buildx version"}, "podman build", ""},
		{"no engine running", []string{"docker info", "podman info"}, "", "'docker info' fails"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			probe := func(name string, args ...string) error {
				if contains(tc.fail, strings.Join(append([]string{name}, args...), " ")) {
					return exec.ErrNotFound
				}
				return nil
			}
			build, why := containerEngine(probe)
			if got := strings.Join(build, " "); got != tc.want {
				t.Errorf("build command %q, want %q", got, tc.want)
			}
			if !strings.Contains(why, tc.wantInWhy) || (tc.want == "") != (why != "") {
				t.Errorf("why %q, want it to say %q", why, tc.wantInWhy)
			}
		})
	}
}

func goBuild(t *testing.T, dir string, env []string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iamsync")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...) // go test puts its go first on PATH
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, out)
	}
	return bin
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return string(out)
}

// copyModule copies what building the module needs: everything but version control, local
// state and secrets.
func copyModule(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.Name() == ".git" { // a directory, or a worktree's file pointing at the real one
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if strings.Contains(d.Name(), ".secrets.") || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func requiredVersion(t *testing.T, module string) string {
	t.Helper()
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + ` (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatalf("go.mod does not require %s", module)
	}
	return string(m[1])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
