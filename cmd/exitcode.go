package cmd

import (
	"fmt"
	"strings"
)

// Exit codes, the single table the README and --help print.
const (
	ExitOK      = 0 // success; no changes
	ExitError   = 1 // error, including bad usage and invalid manifests
	ExitChanges = 2 // changes present (plan/apply --detailed-exitcode), or findings (audit --fail-on)
	ExitRefused = 3 // refused by a safety guard: stale plan, no approval, mass delete, conflicts, new access (--fail-on-new-access)
)

var exitCodes = []struct {
	code int
	what string
}{
	{ExitOK, "success; with --detailed-exitcode: no changes"},
	{ExitError, "error (bad usage, invalid manifests, API failure)"},
	{ExitChanges, "changes present (only with --detailed-exitcode); audit: drift, or a finding at or above --fail-on; explain --detailed-exitcode: the answer names someone"},
	{ExitRefused, "refused by a safety guard (stale plan, no approval, conflicts, mass deletion); plan, diff-access: new access at or above --fail-on-new-access"},
}

func exitCodeTable() string {
	var b strings.Builder
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "  %d  %s\n", e.code, e.what)
	}
	return b.String()
}
