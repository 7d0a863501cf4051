// Package cmd is the iamsync command line: flags, dispatch, terminal handling, exit codes and
// the wiring of the packages below it. Main is the whole program; main.go only binds it to os.
package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/iamsync/iamsync/escape"
)

// Env is everything the program touches outside its arguments, so tests can run it in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// IsTTY reports whether stdin is a terminal a person can answer prompts on.
	IsTTY bool
	// StdoutTTY reports whether stdout is a terminal (colour).
	StdoutTTY bool
	// StderrTTY reports whether stderr is a terminal (apply's live status line).
	StderrTTY bool
	// Dir is the working directory relative paths resolve against ("" = process cwd).
	Dir string
}

// OSEnv binds Env to the process.
func OSEnv() Env {
	return Env{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Getenv:    os.Getenv,
		IsTTY:     term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
	// flags registers the command's flags, for completion; nil when it has none.
	flags func(*pflag.FlagSet)
	// hidden commands are left out of the usage and of completion's command list.
	hidden bool
}

func commands() []*command {
	return []*command{
		{name: "validate", summary: "check manifests offline (schema, references, permission sets)", run: runValidate, flags: (&validateFlags{}).register},
		{name: "plan", summary: "show what apply would change", run: runPlan, flags: (&planFlags{}).register},
		{name: "apply", summary: "converge the organization to the manifests", run: runApply, flags: (&applyFlags{}).register},
		{name: "diff-access", summary: "compare the access two manifest sets give, offline (no credentials)", run: runDiffAccess, flags: (&diffAccessFlags{}).register},
		{name: "audit", summary: "report drift and risky grants, read-only (text, JSON, SARIF, Markdown)", run: runAudit, flags: (&auditFlags{}).register},
		{name: "explain", summary: "answer access questions: what a principal holds, who can use a set where, who is an admin", run: runExplain, flags: (&explainFlags{}).register},
		{name: "export", summary: "write the live organization as manifests, to adopt it", run: runExport, flags: (&exportFlags{}).register},
		{name: "schema", summary: "print the manifests' JSON Schema", run: runSchema, flags: (&schemaFlags{}).register},
		{name: "emulator", summary: "run the local Scaleway IAM API emulator", run: runEmulator, flags: (&emulatorFlags{}).register},
		{name: "comment", summary: "post or update the plan as the one iamsync comment on a pull/merge request", run: runComment, flags: (&commentFlags{}).register},
		{name: "completion", summary: "print a shell completion script (bash, zsh, fish, powershell)", run: runCompletion, flags: (&completionFlags{}).register},
		{name: "version", summary: "print the version, commit, build date, Go and SDK versions (also --version)", run: runVersion, flags: (&versionFlags{}).register},
		{name: "--version", run: runVersion, hidden: true},
		{name: "-v", run: runVersion, hidden: true},
		{name: completeCommand, run: runComplete, hidden: true},
	}
}

// Main runs iamsync with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return ExitError
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	errorf(env, "unknown command %q", args[0])
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if s := suggest(args[0], names); s != "" {
		hintf(env, "did you mean %q?", s)
	} else {
		hintf(env, "run 'iamsync help' for the list of commands")
	}
	return ExitError
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "iamsync keeps a Scaleway organization's IAM in sync with YAML manifests.\n\nUsage:\n  iamsync <command> [flags] [PATH...]\n\nCommands:\n")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\nExit codes:\n%s\nRun 'iamsync <command> --help' for a command's flags.\n", exitCodeTable(""))
}

// errorf prints "iamsync: error: ..." on stderr.
func errorf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: error: %s\n", printableLines(strings.TrimRight(fmt.Sprintf(format, a...), "\n")))
}

// printableLines is s with each line made escape.Printable: messages quote the names they
// mention (%q, escape.Quote), and whatever still slipped through raw cannot reach the terminal.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escape.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// hintf prints "iamsync: hint: ..." on stderr: the next step for the user.
func hintf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: hint: %s\n", printableLines(fmt.Sprintf(format, a...)))
}

// warnf prints "iamsync: warning: ..." on stderr.
func warnf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: warning: %s\n", printableLines(fmt.Sprintf(format, a...)))
}
