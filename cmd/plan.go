package cmd

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/live"
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
	rotate           []string      // APP/KEY to rotate now
	keepOld          time.Duration // grace period for keys a rotation replaces
	maxDeletes       int           // mass-deletion guard
	allowMassDelete  bool
	failOnNewAccess  string // low, medium, high: exit 3 when the plan gives new access at or above it ("" off)
	cache            cacheFlags
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	f.conn.register(fs)
	fs.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	fs.StringVar(&f.out, "out", "", "save the plan to `FILE` for 'iamsync apply FILE'")
	fs.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	registerAccessGate(fs, &f.failOnNewAccess, "the plan")
	f.registerDiff(fs)
}

// registerDiff registers the flags that shape the plan itself, shared with apply.
func (f *planFlags) registerDiff(fs *pflag.FlagSet) {
	fs.BoolVar(&f.adopt, "adopt", false, "adopt unmanaged resources whose names the manifests declare")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
	fs.StringArrayVar(&f.rotate, "rotate", nil, "rotate the API key `APP/KEY` now, or a SCIM token as scim_token/NAME: create a new one, store its secret, then delete the old (repeatable)")
	fs.DurationVar(&f.keepOld, "keep-old", 0, "keep keys that a rotation replaces for this grace `period` (e.g. 24h); a later apply deletes them")
	fs.Lookup("keep-old").NoOptDefVal = "24h"
	fs.IntVar(&f.maxDeletes, "max-deletes", 10, "refuse to apply a plan that deletes more resources than this (or more than a third of the stack's)")
	fs.BoolVar(&f.allowMassDelete, "allow-mass-delete", false, "apply even when the plan deletes more than --max-deletes or a third of the stack's resources")
	f.cache.register(fs)
}

func (f *planFlags) check() error {
	if f.keepOld < 0 || f.maxDeletes < 0 {
		return fmt.Errorf("--keep-old and --max-deletes must not be negative")
	}
	if _, err := parseKeyRefs(f.rotate); err != nil {
		return err
	}
	if _, err := gateTier(f.failOnNewAccess); err != nil {
		return err
	}
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

The plan ends with its access review: per principal, the grants gained and lost, with the
policy, rule and group that give them. --fail-on-new-access exits 3 when anyone gains access
at or above a risk tier (high: IAMManager, OrganizationManager, AllProductsFullAccess and the
like on the organization; medium: any other write access; low: read-only); give the tier
with '=': --fail-on-new-access=high. Alone, it fails on any new access.

Example:
  iamsync plan --out plan.json examples/quickstart && iamsync apply plan.json
  iamsync plan --fail-on-new-access=high manifests/

Flags:
`

func runPlan(ctx context.Context, env Env, args []string) int {
	var f planFlags
	fs := newFlagSet(env, "plan", planUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	ctx, cancel := f.conn.deadline(ctx)
	defer cancel()
	s, code := prepare(ctx, env, f, paths)
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
	if why := apply.MassDelete(p, s.live, f.maxDeletes); why != "" && !f.allowMassDelete {
		warnf(env, "%s: apply will refuse it without --allow-mass-delete", why)
	}
	if len(p.OverQuota) > 0 {
		for _, q := range p.OverQuota {
			errorf(env, "%s", q)
		}
		hintf(env, "delete what the organization no longer needs, ask Scaleway support to raise the quota, or split the change; apply refuses this plan")
		return ExitRefused
	}
	gate, _ := gateTier(f.failOnNewAccess) // checked with the flags
	if code := accessGate(env, p.Access, gate, "the plan"); code >= 0 {
		return code
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
	flags   planFlags
	desired *model.Org
	live    *model.Org
	plan    *plan.Plan
	sources []string
	cache   *live.RuleCache // nil: every rule read from the API
	catalog catalogCheck    // the permission sets, against the live catalogue (catalog.go)
	rotate  []model.Key     // --rotate, resolved against the manifests
	// storedTokens is which SCIM token each secrets entry holds, known in apply only
	// (apply.PlanInputs); plan pairs tokens by age without it.
	storedTokens map[string]string
}

func (s *session) close() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
}

// prepare loads the manifests, connects, reads the organization and diffs. On failure it has
// reported the error and returns nil with the exit code.
func prepare(ctx context.Context, env Env, f planFlags, paths []string) (*session, int) {
	s, ok := load(env, f, paths)
	if !ok {
		return nil, ExitError
	}
	if err := s.connect(env); err != nil {
		return nil, fail(env, err)
	}
	if err := s.replan(ctx); err != nil {
		s.close()
		return nil, fail(env, err)
	}
	return s, ExitOK
}

// load reads the manifests into a new session (diagnostics reported on failure).
func load(env Env, f planFlags, paths []string) (*session, bool) {
	desired, sources, sets, ok := loadManifestsOnline(env, paths)
	if !ok {
		return nil, false
	}
	rotate, err := resolveRotate(desired, f.rotate)
	if err != nil {
		fail(env, err)
		return nil, false
	}
	s := &session{flags: f, desired: desired, sources: sources, rotate: rotate, catalog: catalogCheck{sets: sets, stderr: env.Stderr}}
	if !f.conn.local { // the local emulator answers in-process, at a new address each run
		s.cache = f.cache.ruleCache(env)
	}
	return s, true
}

// connect opens the API (or the local emulator) for the manifests' organization.
func (s *session) connect(env Env) error {
	c, err := connect(env, s.flags.conn, s.desired.OrganizationID)
	if err != nil {
		return connectError(err)
	}
	if o := s.desired.OrganizationID; o != "" && o != c.client.OrganizationID {
		c.Close()
		return withHint(fmt.Errorf("the manifests are for organization %s but the credentials are for %s", o, c.client.OrganizationID),
			"select the right profile with --profile or SCW_DEFAULT_ORGANIZATION_ID")
	}
	s.conn = c
	return nil
}

// replan reads the organization and diffs the manifests against it.
func (s *session) replan(ctx context.Context) error {
	catalogued := s.catalog.start(ctx, s.conn.client)
	liveOrg, err := readLive(ctx, s.conn.client, s.desired, s.cache)
	if cerr := catalogued(); err == nil && cerr != nil {
		return cerr
	}
	if err != nil {
		return withHint(fmt.Errorf("read the organization: %w", err),
			readHint(ctx, err, "check the credentials' rights ("+readRightsText+" at least) and the network, then run again"))
	}
	f := s.flags
	p, err := plan.Diff(s.desired, liveOrg, plan.Options{
		Now: time.Now(), Adopt: f.adopt, Rotate: s.rotate, KeepOld: f.keepOld, Self: s.conn.client.AccessKey, ScopeType: s.catalog.scopeType,
		StoredTokens: s.storedTokens,
	})
	if err != nil {
		return err
	}
	s.live, s.plan = liveOrg, p
	return nil
}

func newFlagSet(env Env, name, usage string, register func(*pflag.FlagSet)) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(env.Stderr)
	register(fs)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, usage)
		fs.PrintDefaults()
		fmt.Fprintf(env.Stderr, "\nExit codes:\n%s", exitCodeTable(name))
	}
	return fs
}

// parseFlags parses args; code is -1 to go on, else the exit code to return.
func parseFlags(env Env, fs *pflag.FlagSet, args []string, check func() error) (rest []string, code int) {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			return nil, ExitOK
		}
		// With ContinueOnError pflag prints nothing: say what is wrong, and what was meant.
		errorf(env, "%v", err)
		if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
			var names []string
			fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
			if s := suggest(name, names); s != "" {
				hintf(env, "did you mean --%s?", s)
				return nil, ExitError
			}
		}
		hintf(env, "run 'iamsync %s --help' for the flags", fs.Name())
		return nil, ExitError
	}
	if err := check(); err != nil {
		errorf(env, "%v", err)
		return nil, ExitError
	}
	return fs.Args(), -1
}
