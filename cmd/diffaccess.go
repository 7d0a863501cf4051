package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/access"
)

type diffAccessFlags struct {
	format          string // text, json, markdown
	failOnNewAccess string // low, medium, high: exit 3 on new access at or above it ("" off)
}

func (f *diffAccessFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	registerAccessGate(fs, &f.failOnNewAccess, "HEAD")
}

func (f *diffAccessFlags) check() error {
	switch f.format {
	case "text", "json", "markdown":
	default:
		if s := suggest(f.format, []string{"text", "json", "markdown"}); s != "" {
			return fmt.Errorf("--format must be text, json or markdown, not %q (did you mean %s?)", f.format, s)
		}
		return fmt.Errorf("--format must be text, json or markdown, not %q", f.format)
	}
	_, err := gateTier(f.failOnNewAccess)
	return err
}

const diffAccessUsage = `Usage: iamsync diff-access [flags] BASE HEAD

Compares the access two manifest sets give (each a directory or a file: BASE, say the target
branch's manifests, and HEAD, the pull request's) and shows, per principal, the grants HEAD
gains and loses over BASE. It is offline: no credentials, no API call, so it runs on pull
requests from forks, which get no secrets. Without the organization, names are compared as
written (a project given by name on one side and by ID on the other counts as two projects),
and only what the manifests declare is seen: a policy another stack attaches to one of these
groups is not. The plan's access review, made against the organization, has neither limit.

Example:
  git worktree add ../base origin/main
  iamsync diff-access --fail-on-new-access=high ../base/iam iam

Flags:
`

func runDiffAccess(_ context.Context, env Env, args []string) int {
	var f diffAccessFlags
	fs := newFlagSet(env, "diff-access", diffAccessUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if len(paths) != 2 {
		errorf(env, "diff-access compares two manifest sets, BASE and HEAD; got %d path(s)", len(paths))
		hintf(env, "run 'iamsync diff-access BASE HEAD', each a manifest directory or file")
		return ExitError
	}
	base, _, ok := loadManifests(env, paths[:1])
	if !ok {
		return ExitError
	}
	head, _, ok := loadManifests(env, paths[1:])
	if !ok {
		return ExitError
	}
	if base.Stack != head.Stack {
		warnf(env, "BASE is stack %q and HEAD stack %q: comparing them as one stack's before and after", base.Stack, head.Stack)
	}
	rep := access.Diff(base, head, access.Options{ScopeType: scopeType, Now: time.Now()})
	var err error
	switch f.format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(diffAccessJSON{FormatVersion: 1, Base: paths[0], Head: paths[1], Access: rep})
	case "markdown":
		if _, err = fmt.Fprintf(env.Stdout, "**iamsync diff-access** from %s to %s (offline, names compared as written)\n\n", mdPath(paths[0]), mdPath(paths[1])); err == nil {
			err = access.RenderMarkdown(env.Stdout, rep, access.MarkdownOptions{})
		}
	default:
		if _, err = fmt.Fprintf(env.Stdout, "Access from %s to %s (offline, names compared as written):\n\n", paths[0], paths[1]); err == nil {
			err = access.RenderText(env.Stdout, rep)
		}
	}
	if err != nil {
		errorf(env, "write the report: %v", err)
		return ExitError
	}
	gate, _ := gateTier(f.failOnNewAccess) // checked with the flags
	if code := accessGate(env, rep, gate, "HEAD"); code >= 0 {
		return code
	}
	return ExitOK
}

// diffAccessJSON is diff-access's JSON document: the access report under "access", where a
// plan has it too, so that one conftest policy gates both (examples/access-gate).
type diffAccessJSON struct {
	FormatVersion int            `json:"format_version"`
	Base          string         `json:"base"`
	Head          string         `json:"head"`
	Access        *access.Report `json:"access"`
}

// mdPath quotes a path as inline code.
func mdPath(p string) string { return "`" + strings.ReplaceAll(p, "`", "'") + "`" }

// registerAccessGate registers --fail-on-new-access; what names what gives the access.
func registerAccessGate(fs *pflag.FlagSet, v *string, what string) {
	fs.StringVar(v, "fail-on-new-access", "", "exit 3 when "+what+" gives any principal access it did not have at or above this risk `tier`: low (any gain), medium or high, given with '='")
	fs.Lookup("fail-on-new-access").NoOptDefVal = "low"
}

// gateTier is --fail-on-new-access as a tier; 0 when the gate is off.
func gateTier(s string) (access.Tier, error) {
	if s == "" {
		return 0, nil
	}
	t, err := access.ParseTier(s)
	if err != nil {
		return 0, fmt.Errorf("--fail-on-new-access must be low, medium or high, not %q", s)
	}
	return t, nil
}

// accessGate fails (ExitRefused) when rep gains access at or above min, saying who gains
// what; it returns -1 to go on, and always when min is 0 (no gate).
func accessGate(env Env, rep *access.Report, min access.Tier, what string) int {
	if min == 0 || rep == nil {
		return -1
	}
	n := rep.Gains(min)
	if n == 0 {
		return -1
	}
	errorf(env, "%s gives new access at or above %s risk: %s", what, min, count(n, "grant", "grants"))
	const shown = 10
	listed := 0
	for _, c := range rep.Changes {
		for _, g := range c.Gained {
			if g.Tier < min {
				continue
			}
			if listed == shown {
				fmt.Fprintf(env.Stderr, "  … and %d more\n", n-shown)
				break
			}
			fmt.Fprintf(env.Stderr, "  %s gains %s (%s)\n", c.Principal.Text(), g.Text(), g.Tier)
			listed++
		}
	}
	hintf(env, "review who gains what in the access section; if the gain is intended, have the change approved and run without --fail-on-new-access, or with a higher tier")
	return ExitRefused
}
