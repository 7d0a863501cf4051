package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exitCodeMarkdown is exitCodes as the README's table.
func exitCodeMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | command | meaning |\n| --- | --- | --- |\n")
	for _, e := range exitCodes {
		who := "any other"
		if e.commands != nil {
			var names []string
			for _, c := range e.commands {
				names = append(names, "`"+c+"`")
			}
			who = strings.Join(names, ", ")
		}
		fmt.Fprintf(&b, "| %d | %s | %s |\n", e.code, who, e.what)
	}
	return b.String()
}

func TestREADMEExitCodes(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), exitCodeMarkdown()) {
		t.Errorf("README.md's exit-code table is not cmd/exitcode.go's; it should read:\n%s", exitCodeMarkdown())
	}
}

// Issue 18: each command's --help lists the codes that command can return, and no other
// command's flags.
func TestHelpExitCodes(t *testing.T) {
	want := map[string][]int{
		"validate":    {0, 1},
		"plan":        {0, 1, 2, 3, 130},
		"apply":       {0, 1, 3, 130},
		"diff-access": {0, 1, 3},
		"audit":       {0, 1, 2, 130},
		"explain":     {0, 1, 2, 130},
		"export":      {0, 1, 130},
		"schema":      {0, 1},
		"emulator":    {0, 1, 130},
		"comment":     {0, 1, 130},
		"completion":  {0, 1},
		"version":     {0, 1},
	}
	codeLine := regexp.MustCompile(`(?m)^  (\d+) +(.*)$`)
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			codes, ok := want[c.name]
			if !ok {
				t.Fatalf("no expected exit codes for %s: add them here", c.name)
			}
			var out, errb bytes.Buffer
			if code := Main(context.Background(), []string{c.name, "--help"}, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}); code != ExitOK {
				t.Fatalf("--help: exit %d", code)
			}
			_, table, ok := strings.Cut(errb.String(), "\nExit codes:\n")
			if !ok {
				t.Fatalf("no exit codes in --help:\n%s", errb.String())
			}
			var got []int
			for _, m := range codeLine.FindAllStringSubmatch(table, -1) {
				var n int
				fmt.Sscan(m[1], &n)
				got = append(got, n)
				// A flag named in a meaning must be one of this command's.
				for _, flag := range regexp.MustCompile(`--[a-z-]+`).FindAllString(m[2], -1) {
					if !regexp.MustCompile(`(?m)^ +(-\w, )?` + regexp.QuoteMeta(flag) + `[ \[=]`).MatchString(errb.String()) {
						t.Errorf("exit %d's meaning names %s, which %s does not have", n, flag, c.name)
					}
				}
			}
			if !slices.Equal(got, codes) {
				t.Errorf("exit codes %v, want %v:\n%s", got, codes, table)
			}
		})
	}
}
