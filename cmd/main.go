// Package cmd is the iamsync command line: flags, dispatch, terminal handling, exit codes and
// the wiring of the packages below it. Main is the whole program; main.go only binds it to os.
package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
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
	}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

func commands() []*command {
	return []*command{
		{"validate", "check manifests offline (schema, references, permission sets)", runValidate},
		{"plan", "show what apply would change", runPlan},
		{"apply", "converge the organization to the manifests", runApply},
		{"audit", "report drift and risky grants, read-only (text, JSON, SARIF, Markdown)", runAudit},
		{"export", "write the live organization as manifests, to adopt it", runExport},
		{"schema", "print the manifests' JSON Schema", runSchema},
		{"emulator", "run the local Scaleway IAM API emulator", runEmulator},
		{"version", "print the version", runVersion},
	}
}

// Version is set at build time with -ldflags "-X github.com/iamsync/iamsync/cmd.Version=…".
var Version = "dev"

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
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nExit codes:\n%s\nRun 'iamsync <command> --help' for a command's flags.\n", exitCodeTable())
}

func runVersion(_ context.Context, env Env, _ []string) int {
	fmt.Fprintf(env.Stdout, "iamsync %s\n", Version)
	return ExitOK
}

// errorf prints "iamsync: error: ..." on stderr.
func errorf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: error: %s\n", strings.TrimRight(fmt.Sprintf(format, a...), "\n"))
}

// hintf prints "iamsync: hint: ..." on stderr: the next step for the user.
func hintf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: hint: %s\n", fmt.Sprintf(format, a...))
}

// warnf prints "iamsync: warning: ..." on stderr.
func warnf(env Env, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "iamsync: warning: %s\n", fmt.Sprintf(format, a...))
}
