package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestActionlint (issue 18) runs actionlint (tools/actionlint, a module of its own) on the
// README's two workflows, with the action and the setup action checked through a workflow that
// uses them locally with every input, as a repository using iamsync would.
func TestActionlint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds actionlint; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "actionlint")
	build := exec.Command("go", "build", "-o", bin, "github.com/rhysd/actionlint/cmd/actionlint")
	build.Dir = filepath.Join("tools", "actionlint")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build actionlint: %v\n%s", err, out)
	}
	repo := t.TempDir()
	// actionlint finds a project by its git repository.
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	put := func(name, text string) {
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"action.yml", "setup/action.yml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		put(f, string(data))
	}
	plan := readmeBlock(t, "# .github/workflows/iamsync-plan.yml")
	apply := readmeBlock(t, "# .github/workflows/iamsync-apply.yml: applies exactly the plan reviewed on the pull request")
	put(".github/workflows/iamsync-plan.yml", plan)
	put(".github/workflows/iamsync-apply.yml", apply)
	// The same workflows with the actions taken from this repository, so that actionlint reads
	// their metadata (inputs, outputs) and checks every use against it.
	local := strings.NewReplacer("iamsync/iamsync/setup@v1.2.3", "./setup", "iamsync/iamsync@v1.2.3", "./")
	put(".github/workflows/local-plan.yml", local.Replace(plan))
	put(".github/workflows/local-apply.yml", local.Replace(apply))
	put(".github/workflows/every-input.yml", `name: every input
on: pull_request
permissions:
  contents: read
  pull-requests: write
  security-events: write
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: iamsync
        uses: ./
        with:
          path: iam other
          working-directory: .
          version: v1.2.3
          fail-on-new-access: high
          comment: "true"
          comment-id: iam
          audit: "true"
          artifact-name: iamsync-plan
          github-token: ${{ github.token }}
          rule-cache: "true"
      - run: echo "$PLAN $V $P $A"
        env:
          PLAN: ${{ steps.iamsync.outputs.plan-file }}
          V: ${{ steps.iamsync.outputs.validate-exit-code }}
          P: ${{ steps.iamsync.outputs.plan-exit-code }}
          A: ${{ steps.iamsync.outputs.audit-exit-code }}
      - uses: ./setup
        with:
          version: v1.2.3
          rule-cache: "true"
`)
	cmd := exec.Command(bin, "-no-color")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
	// actionlint must have read the local actions: a wrong input is reported.
	put(".github/workflows/every-input.yml", strings.Replace(mustRead(t, filepath.Join(repo, ".github/workflows/every-input.yml")), "rule-cache:", "rule-cahce:", 1))
	cmd = exec.Command(bin, "-no-color")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "rule-cahce") {
		t.Fatalf("actionlint did not check the inputs against action.yml (a misspelt input passed):\n%s", out)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
