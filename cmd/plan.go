package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

type planFlags struct {
	conn             connFlags
	format           string // text, json, markdown
	out              string // save the plan (JSON) here
	detailedExitcode bool   // exit 2 when there are changes
	adopt            bool   // adopt every unmanaged resource a manifest names
	noColor          bool
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	f.conn.register(fs)
	fs.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	fs.StringVar(&f.out, "out", "", "save the plan to `FILE` for 'iamsync apply FILE'")
	fs.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	fs.BoolVar(&f.adopt, "adopt", false, "adopt unmanaged resources whose names the manifests declare")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
}

func (f *planFlags) check() error {
	switch f.format {
	case "text", "json", "markdown":
	default:
		return fmt.Errorf("--format must be text, json or markdown, not %q", f.format)
	}
	return f.conn.check()
}

const planUsage = `Usage: iamsync plan [flags] [PATH...]

Reads the manifests (files or directories; default: the current directory) and the live
organization, and shows what apply would change. Nothing is changed.

Example:
  iamsync plan --out plan.json examples/quickstart && iamsync apply plan.json

Flags:
`

func runPlan(ctx context.Context, env Env, args []string) int {
	var f planFlags
	fs := newFlagSet(env, "plan", planUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	s, code := prepare(ctx, env, f.conn, paths, f.adopt)
	if s == nil {
		return code
	}
	defer s.close()
	p := s.plan
	p.Sources = s.sources
	if f.out != "" {
		var buf bytes.Buffer
		if err := p.WriteJSON(&buf); err != nil {
			errorf(env, "encode the plan: %v", err)
			return ExitError
		}
		if err := secrets.WriteAtomic(resolvePath(env, f.out), buf.Bytes(), 0o644); err != nil {
			errorf(env, "save the plan: %v", err)
			return ExitError
		}
	}
	if err := render(env, p, f.format, f.noColor); err != nil {
		errorf(env, "render the plan: %v", err)
		return ExitError
	}
	if f.out != "" {
		fmt.Fprintf(env.Stderr, "Plan saved to %s; apply exactly this plan with 'iamsync apply %s'.\n", f.out, f.out)
	}
	if len(p.Conflicts) > 0 {
		warnf(env, "%d conflict(s): apply will refuse this plan until they are resolved", len(p.Conflicts))
	}
	if f.detailedExitcode && !p.Empty() {
		return ExitChanges
	}
	return ExitOK
}

func render(env Env, p *plan.Plan, format string, noColor bool) error {
	switch format {
	case "json":
		return p.WriteJSON(env.Stdout)
	case "markdown":
		return plan.RenderMarkdown(env.Stdout, p)
	}
	color := env.StdoutTTY && !noColor && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"
	return plan.RenderText(env.Stdout, p, plan.TextOptions{Color: color})
}

// session is a prepared run: manifests loaded, organization read, plan computed.
type session struct {
	conn    *conn
	desired *model.Org
	live    *model.Org
	plan    *plan.Plan
	sources []string
}

func (s *session) close() { _ = s.conn.Close() }

// prepare loads the manifests, connects, reads the organization and diffs. On failure it has
// reported the error and returns nil with the exit code.
func prepare(ctx context.Context, env Env, cf connFlags, paths []string, adopt bool) (*session, int) {
	desired, sources, ok := loadManifests(env, paths)
	if !ok {
		return nil, ExitError
	}
	c, err := connect(env, cf, desired.OrganizationID)
	if err != nil {
		reportConnectError(env, err)
		return nil, ExitError
	}
	if desired.OrganizationID != "" && desired.OrganizationID != c.client.OrganizationID {
		c.Close()
		errorf(env, "the manifests are for organization %s but the credentials are for %s", desired.OrganizationID, c.client.OrganizationID)
		hintf(env, "select the right profile with --profile or SCW_DEFAULT_ORGANIZATION_ID")
		return nil, ExitError
	}
	liveOrg, err := readLive(ctx, c.client, desired)
	if err != nil {
		c.Close()
		errorf(env, "read the organization: %v", err)
		hintf(env, "check the credentials' rights (IAMReadOnly at least) and the network, then run again")
		return nil, ExitError
	}
	p, err := plan.Diff(desired, liveOrg, diffOptions(adopt))
	if err != nil {
		c.Close()
		errorf(env, "%v", err)
		return nil, ExitError
	}
	return &session{conn: c, desired: desired, live: liveOrg, plan: p, sources: sources}, ExitOK
}

func newFlagSet(env Env, name, usage string, register func(*pflag.FlagSet)) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(env.Stderr)
	register(fs)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, usage)
		fs.PrintDefaults()
		fmt.Fprintf(env.Stderr, "\nExit codes:\n%s", exitCodeTable())
	}
	return fs
}

// parseFlags parses args; code is -1 to go on, else the exit code to return.
func parseFlags(env Env, fs *pflag.FlagSet, args []string, check func() error) (rest []string, code int) {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil, ExitOK
		}
		// pflag has printed the error and usage.
		return nil, ExitError
	}
	if err := check(); err != nil {
		errorf(env, "%v", err)
		return nil, ExitError
	}
	return fs.Args(), -1
}

var _ = os.Stdout
