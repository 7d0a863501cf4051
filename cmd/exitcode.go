package cmd

import (
	"fmt"
	"slices"
	"strings"
)

// Exit codes, the single table the README and --help print.
const (
	ExitOK      = 0 // success; no changes
	ExitError   = 1 // error, including bad usage and invalid manifests
	ExitChanges = 2 // changes present (plan --detailed-exitcode), findings (audit --fail-on), or someone named (explain --detailed-exitcode)
	ExitRefused = 3 // refused by a safety guard: stale plan, no approval, mass delete, conflicts, new access (--fail-on-new-access)
	// ExitInterrupted is main.go's, on a second interrupt: it exits at once, without a report.
	ExitInterrupted = 130
)

// exitCode is one meaning of one code: for the commands listed, or, with none listed, for
// every command no other row of that code lists. Each command's --help prints the rows that
// apply to it, so it lists only the codes it can return.
type exitCode struct {
	code     int
	commands []string
	what     string
}

// apiCommands are the commands that run long enough for a second interrupt to matter.
var apiCommands = []string{"plan", "apply", "audit", "explain", "export", "emulator", "comment"}

var exitCodes = []exitCode{
	{ExitOK, []string{"plan"}, "success; with --detailed-exitcode: no changes"},
	{ExitOK, []string{"audit"}, "nothing to report: no drift, no finding at or above --fail-on"},
	{ExitOK, []string{"explain"}, "success; with --detailed-exitcode: the answer names no one"},
	{ExitOK, nil, "success"},
	{ExitError, []string{"validate"}, "invalid manifests, or bad usage"},
	{ExitError, []string{"plan", "apply", "audit", "explain", "export"}, "error: bad usage, invalid manifests, API failure"},
	{ExitError, nil, "error, including bad usage"},
	{ExitChanges, []string{"plan"}, "changes present (only with --detailed-exitcode)"},
	{ExitChanges, []string{"audit"}, "drift, or a risk finding at or above --fail-on (default high)"},
	{ExitChanges, []string{"explain"}, "the answer names someone (only with --detailed-exitcode)"},
	{ExitRefused, []string{"plan"}, "over a quota (apply would refuse the plan); with --fail-on-new-access: a principal gains access at or above the tier"},
	{ExitRefused, []string{"apply"}, "refused by a safety guard: stale saved plan, no approval (no terminal without --auto-approve), conflicts, mass deletion, over quota, the default secrets file in CI"},
	{ExitRefused, []string{"diff-access"}, "with --fail-on-new-access: a principal gains access at or above the tier"},
	{ExitInterrupted, apiCommands, "interrupted a second time (Ctrl-C, SIGTERM): stopped at once, without finishing or reporting"},
}

// exitCodesOf returns the rows that apply to command, in code order.
func exitCodesOf(command string) []exitCode {
	var out []exitCode
	for _, e := range exitCodes {
		if slices.Contains(e.commands, command) {
			out = append(out, e)
		}
	}
	for _, e := range exitCodes {
		listed := slices.ContainsFunc(out, func(o exitCode) bool { return o.code == e.code })
		if e.commands == nil && !listed {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b exitCode) int { return a.code - b.code })
	return out
}

// exitCodeTable is the table --help prints: command's codes, or with command "", every row
// with the commands it is for.
func exitCodeTable(command string) string {
	var b strings.Builder
	if command != "" {
		for _, e := range exitCodesOf(command) {
			fmt.Fprintf(&b, "  %-3d  %s\n", e.code, e.what)
		}
		return b.String()
	}
	for _, e := range exitCodes {
		who := "other commands"
		if e.commands != nil {
			who = strings.Join(e.commands, ", ")
		}
		fmt.Fprintf(&b, "  %-3d  %s: %s\n", e.code, who, e.what)
	}
	return b.String()
}
