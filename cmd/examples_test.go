package cmd

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
)

// Issue 18: every example runs as its README says, on --local and on the standalone emulator
// seeded as its usage text says, and plans with a key holding exactly the rights the README
// states for a plan.

// exampleSets lists the manifest sets under examples/ as paths from the repository root
// ("examples/quickstart"), in the order they can be planned: a set naming another stack's
// group (multi-team/data) after the set declaring it.
func exampleSets(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", "examples"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			rel, _ := filepath.Rel("..", filepath.Dir(p))
			seen[filepath.ToSlash(rel)] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	for s := range seen {
		sets = append(sets, s)
	}
	slices.SortFunc(sets, func(a, b string) int { return strings.Compare(setOrder(a), setOrder(b)) })
	if len(sets) < 8 {
		t.Fatalf("found %d example sets: %v", len(sets), sets)
	}
	return sets
}

func setOrder(s string) string { return strings.Replace(s, "multi-team/data", "multi-team/zz-data", 1) }

// run runs iamsync in-process in dir with the process environment (which the SDK reads).
func runIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Dir: dir})
	return code, out.String(), errb.String()
}

// isolate gives the test an environment of its own: no scw config, cache or CI variables of
// the machine's.
func isolate(t *testing.T) string {
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "XDG_CACHE_HOME": filepath.Join(home, "cache"), "XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"SCW_ACCESS_KEY": "", "SCW_SECRET_KEY": "", "SCW_DEFAULT_ORGANIZATION_ID": "", "SCW_DEFAULT_PROJECT_ID": "", "SCW_API_URL": "",
		"SCW_PROFILE": "", "SCW_CONFIG_PATH": filepath.Join(home, "scw.yaml"), "CI": "", "NO_COLOR": "1"} {
		t.Setenv(k, v)
	}
	return home
}

func useCredentials(t *testing.T, url string, c emulator.Credentials) {
	t.Setenv("SCW_API_URL", url)
	t.Setenv("SCW_ACCESS_KEY", c.AccessKey)
	t.Setenv("SCW_SECRET_KEY", c.SecretKey)
	t.Setenv("SCW_DEFAULT_ORGANIZATION_ID", c.OrganizationID)
	t.Setenv("SCW_DEFAULT_PROJECT_ID", c.ProjectID)
}

func absExamplesRoot(t *testing.T) string {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestReadRightsText(t *testing.T) {
	if want := strings.Join(readRights, " and "); readRightsText != want {
		t.Errorf("readRightsText = %q, readRights say %q", readRightsText, want)
	}
}

// The README's plan rights, exactly: every example plans with them (SSH keys need their
// project-level set besides, as the README says), and one right fewer is not enough.
func TestExamplesPlanWithTheStatedRights(t *testing.T) {
	isolate(t)
	root := absExamplesRoot(t)
	emu, err := emulator.Start(emulator.Options{Users: localUsers})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	if err := seedProjects(emu, localProjects); err != nil {
		t.Fatal(err)
	}
	planner, err := emu.NewCredentials("planner", readRights...)
	if err != nil {
		t.Fatal(err)
	}
	sshPlanner, err := emu.NewCredentials("ssh-planner", readRights...)
	if err != nil {
		t.Fatal(err)
	}
	grantOnAllProjects(t, emu, "ssh-planner", "SSHKeysReadOnly")
	iamOnly, err := emu.NewCredentials("iam-only", "IAMReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()

	// multi-team/data names the group multi-team/platform declares: it exists once applied.
	useCredentials(t, emu.URL(), emu.Owner())
	if code, out, errs := runIn(t, work, "apply", "--auto-approve", filepath.Join(root, "examples/multi-team/platform")); code != 0 {
		t.Fatalf("apply multi-team/platform: exit %d\n%s%s", code, out, errs)
	}

	for _, set := range exampleSets(t) {
		t.Run(set, func(t *testing.T) {
			path := filepath.Join(root, set)
			declaresSSH := strings.HasSuffix(set, "ssh-keys")
			useCredentials(t, emu.URL(), planner)
			code, out, errs := runIn(t, work, "plan", path)
			if declaresSSH {
				if code != ExitError || !strings.Contains(errs, "ssh_key") {
					t.Errorf("SSH keys planned without SSHKeysReadOnly: exit %d\n%s%s", code, out, errs)
				}
				useCredentials(t, emu.URL(), sshPlanner)
				code, out, errs = runIn(t, work, "plan", path)
			}
			if code != ExitOK || !(strings.Contains(out, "Plan: ") || strings.Contains(out, "No changes")) {
				t.Errorf("plan with %s: exit %d\n%s%s", readRightsText, code, out, errs)
			}
			useCredentials(t, emu.URL(), iamOnly)
			if code, _, errs := runIn(t, work, "plan", path); code != ExitError || !strings.Contains(errs, "read project") ||
				!strings.Contains(errs, readRightsText) {
				t.Errorf("plan with IAMReadOnly alone: exit %d, want 1 naming the missing right and the rights needed\n%s", code, errs)
			}
		})
	}
}

// grantOnAllProjects gives application app the project-level sets on every project.
func grantOnAllProjects(t *testing.T, emu *emulator.Server, app string, sets ...string) {
	t.Helper()
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	api := iam.NewAPI(client)
	apps, err := api.ListApplications(&iam.ListApplicationsRequest{OrganizationID: o.OrganizationID, Name: &app})
	if err != nil || len(apps.Applications) != 1 {
		t.Fatalf("find application %s: %v", app, err)
	}
	if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: app + "-projects", OrganizationID: o.OrganizationID, ApplicationID: &apps.Applications[0].ID,
		Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, OrganizationID: &o.OrganizationID}}}); err != nil {
		t.Fatal(err)
	}
}

// goRunLine is a README command run from the repository root.
var goRunLine = regexp.MustCompile(`^go run \. (.+?)(?:\s+#.*)?$`)

// Every example README's commands run as written from the repository root (in a directory
// holding examples/, so that what they write stays out of the checkout), and every manifest
// set has one that plans or applies it on --local.
func TestExampleREADMECommands(t *testing.T) {
	root := absExamplesRoot(t)
	readmes, err := filepath.Glob(filepath.Join(root, "examples", "*", "README.md"))
	if err != nil || len(readmes) < 8 {
		t.Fatalf("example READMEs: %v %v", readmes, err)
	}
	covered := map[string]bool{}
	for _, readme := range readmes {
		name := filepath.Base(filepath.Dir(readme))
		t.Run(name, func(t *testing.T) {
			isolate(t)
			work := t.TempDir()
			if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(readme)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			inShell := false
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				switch {
				case strings.HasPrefix(line, "```"):
					inShell = !inShell && strings.TrimPrefix(line, "```") == "sh"
					continue
				case !inShell:
					continue
				}
				if strings.HasPrefix(line, "iamsync ") && name != "access-gate" {
					t.Errorf("%s: %q: write 'go run . ...' (run from the repository root) or name no command", readme, line)
				}
				m := goRunLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				args := strings.Fields(m[1])
				code, out, errs := runIn(t, work, args...)
				if code != ExitOK {
					t.Errorf("%s: %q: exit %d\n%s%s", readme, line, code, out, errs)
				}
				if slices.Contains(args, "--local") {
					covered[args[len(args)-1]] = true
				}
			}
		})
	}
	for _, set := range exampleSets(t) {
		if !covered[set] {
			t.Errorf("no example README plans or applies %s on --local ('go run . plan --local %s')", set, set)
		}
	}
}

// emulatorSeedCommand is the line of the emulator's usage text that seeds what --local has.
func emulatorSeedCommand(t *testing.T) []string {
	t.Helper()
	i := strings.Index(emulatorUsage, "iamsync emulator --projects")
	if i < 0 {
		t.Fatal("the emulator's usage text shows no --projects command")
	}
	cmdline := emulatorUsage[i:]
	cmdline = cmdline[:strings.Index(cmdline, "\n\n")]
	return strings.Fields(strings.ReplaceAll(strings.TrimPrefix(cmdline, "iamsync emulator"), "\\\n", " "))
}

// The standalone emulator, started as its usage text says, holds what --local holds: every
// example plans on it.
func TestEmulatorProjectsSeedTheExamples(t *testing.T) {
	isolate(t)
	root := absExamplesRoot(t)
	args := emulatorSeedCommand(t)
	for _, p := range localProjects {
		if !strings.Contains(strings.Join(args, " "), p) {
			t.Fatalf("the usage's seed command %v lacks --local's project %s", args, p)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- runEmulator(ctx, Env{Stdout: w, Stderr: &errb, Getenv: func(string) string { return "" }}, args)
		w.Close()
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("emulator did not stop")
		}
	}()
	vars := readExports(r)
	if vars["SCW_SECRET_KEY"] == "" {
		t.Fatalf("no credentials printed: %v\n%s", vars, errb.String())
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	work := t.TempDir()
	if code, out, errs := runIn(t, work, "apply", "--auto-approve", filepath.Join(root, "examples/multi-team/platform")); code != 0 {
		t.Fatalf("apply multi-team/platform: exit %d\n%s%s", code, out, errs)
	}
	for _, set := range exampleSets(t) {
		if code, out, errs := runIn(t, work, "plan", filepath.Join(root, set)); code != ExitOK {
			t.Errorf("plan %s on the standalone emulator: exit %d\n%s%s", set, code, out, errs)
		}
	}

	// Projects are created once, with the organization: a restart on a state says it ignores them.
	state := filepath.Join(t.TempDir(), "org.json")
	var warn bytes.Buffer
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if code := runEmulator(ctx2, Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: os.Getenv}, []string{"--state", state, "--projects", "a"}); code != ExitOK {
		t.Fatalf("emulator on a new state: exit %d", code)
	}
	if code := runEmulator(ctx2, Env{Stdout: io.Discard, Stderr: &warn, Getenv: os.Getenv}, []string{"--state", state, "--projects", "b"}); code != ExitOK ||
		!strings.Contains(warn.String(), "--projects") {
		t.Errorf("restart with --projects: exit %d, stderr %q: want a warning that --projects applies to a new state only", code, warn.String())
	}
}

// The rights are stated once: where README.md and the GitLab template speak of the plan key and
// the apply key, they say readRights and secretManagerRights, and no older statement is left.
func TestRightsStatedOnce(t *testing.T) {
	read := func(p string) string {
		data, err := os.ReadFile(filepath.Join("..", p))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	readme, template := read("README.md"), read("ci/gitlab/iamsync.gitlab-ci.yml")
	// The template's comment on a variable runs over several lines: join them.
	flat := strings.Join(strings.Fields(strings.ReplaceAll(template, "#", " ")), " ")
	for _, c := range []struct{ where, text, want string }{
		{"README.md, credentials", readme, "A plan (and an audit) needs `" + readRightsText + "`"},
		{"README.md, CI", readme, "grants only\n`" + readRightsText + "`"},
		{"README.md, GitHub plan workflow", readme, "IAMSYNC_PLAN_ACCESS_KEY }}   # " + readRightsText},
		{"README.md, GitLab variables", readme, "IAMSYNC_PLAN_ACCESS_KEY/SECRET_KEY (" + readRightsText},
		{"GitLab template", flat, "IAMSYNC_PLAN_SECRET_KEY an API key whose policy grants only " + readRightsText + " on the organization"},
		{"GitLab template", flat, "IAMManager on the organization and " + strings.Join(secretManagerRights[:2], ", ") + " and " + secretManagerRights[2] + " on the project of the secrets"},
		{"README.md, Secret Manager", strings.Join(strings.Fields(readme), " "), "needs `" + strings.Join(secretManagerRights[:2], "`, `") + "` and `" + secretManagerRights[2] + "`"},
	} {
		if !strings.Contains(c.text, c.want) {
			t.Errorf("%s does not say %q", c.where, c.want)
		}
	}
	for _, old := range []string{"only needs `IAMReadOnly`", "IAMReadOnly suffices", "(+ ProjectReadOnly)", "grants only `IAMReadOnly`,", "# IAMReadOnly\n", "(IAMReadOnly, not protected)"} {
		for name, text := range map[string]string{"README.md": readme, "the GitLab template": template} {
			if strings.Contains(text, old) {
				t.Errorf("%s still says %q", name, old)
			}
		}
	}
}
