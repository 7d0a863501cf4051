package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/audit"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

type auditFlags struct {
	conn          connFlags
	format        string // text, json, sarif, markdown
	failOn        string // low, medium, high, none: risk findings that make the exit code 2
	maxKeyAge     string // IAM202's threshold, a manifest duration (90d)
	maxSSHKeyAge  string // IAM403's threshold
	maxInactive   string // IAM405's threshold
	expiring      string // IAM104's window, a manifest duration (14d)
	listUnmanaged bool   // list unmanaged resources, not only count them
	repoRoot      string // SARIF URIs relative to this directory
}

func (f *auditFlags) register(fs *pflag.FlagSet) {
	f.conn.register(fs)
	fs.StringVar(&f.format, "format", "text", "output format: text, json, sarif or markdown")
	fs.StringVar(&f.failOn, "fail-on", "high", "exit 2 on a risk finding of this `severity` or above: low, medium, high, or none (drift always exits 2)")
	fs.StringVar(&f.maxKeyAge, "max-key-age", "90d", "report API keys older than this `duration` (IAM202)")
	fs.StringVar(&f.maxSSHKeyAge, "max-ssh-key-age", "365d", "report SSH keys older than this `duration` (IAM403)")
	fs.StringVar(&f.maxInactive, "max-inactive", "90d", "report members who have not logged in for this `duration`, or never since joining that long ago (IAM405)")
	fs.StringVar(&f.expiring, "expiring-within", "14d", "report time-boxed grants (a rule's expires_at) that expire within this `duration`, or have expired (IAM104), and grants that fall due for review as soon (reviewed_until, IAM105)")
	fs.BoolVar(&f.listUnmanaged, "list-unmanaged", false, "list every resource no stack owns, not only their count")
	fs.StringVar(&f.repoRoot, "repo-root", "", "make SARIF file paths relative to this `directory` (the repository root code scanning sees)")
}

func (f *auditFlags) check() error {
	switch f.format {
	case "text", "json", "sarif", "markdown":
	default:
		if s := suggest(f.format, []string{"text", "json", "sarif", "markdown"}); s != "" {
			return fmt.Errorf("--format must be text, json, sarif or markdown, not %q (did you mean %s?)", f.format, s)
		}
		return fmt.Errorf("--format must be text, json, sarif or markdown, not %q", f.format)
	}
	if _, err := f.failOnSeverity(); err != nil {
		return err
	}
	if d, err := schema.ParseDuration(f.maxKeyAge); err != nil || d <= 0 {
		return fmt.Errorf("--max-key-age must be a positive duration like 90d or 2w, not %q", f.maxKeyAge)
	}
	if d, err := schema.ParseDuration(f.maxSSHKeyAge); err != nil || d <= 0 {
		return fmt.Errorf("--max-ssh-key-age must be a positive duration like 365d or 26w, not %q", f.maxSSHKeyAge)
	}
	if d, err := schema.ParseDuration(f.maxInactive); err != nil || d <= 0 {
		return fmt.Errorf("--max-inactive must be a positive duration like 90d or 13w, not %q", f.maxInactive)
	}
	if d, err := schema.ParseDuration(f.expiring); err != nil || d <= 0 {
		return fmt.Errorf("--expiring-within must be a positive duration like 14d or 2w, not %q", f.expiring)
	}
	return f.conn.check()
}

// failOnSeverity is --fail-on as a severity; 0 for none.
func (f *auditFlags) failOnSeverity() (audit.Severity, error) {
	if f.failOn == "none" {
		return 0, nil
	}
	s, err := audit.ParseSeverity(f.failOn)
	if err != nil {
		return 0, fmt.Errorf("--fail-on must be low, medium, high or none, not %q", f.failOn)
	}
	return s, nil
}

const auditUsage = `Usage: iamsync audit [flags] [PATH...]

Compares the live organization with the manifests (files or directories; default: the current
directory) and runs the risk rules over both. Read-only: it needs ` + readRightsText + ` and
nothing else, no secrets file and no saved plan. Rules and how to silence them: audit/README.md. Silenced
findings never count towards --fail-on.

Example:
  iamsync audit --format sarif --repo-root . manifests > iamsync.sarif

Flags:
`

func runAudit(ctx context.Context, env Env, args []string) int {
	var f auditFlags
	fs := newFlagSet(env, "audit", auditUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	ctx, cancel := f.conn.deadline(ctx)
	defer cancel()
	failOn, _ := f.failOnSeverity()                // checked with the flags
	maxAge, _ := schema.ParseDuration(f.maxKeyAge) // likewise
	maxSSHAge, _ := schema.ParseDuration(f.maxSSHKeyAge)
	maxInactive, _ := schema.ParseDuration(f.maxInactive)
	expiring, _ := schema.ParseDuration(f.expiring)
	desired, sources, sets, ok := loadManifestsOnline(env, paths)
	if !ok {
		return ExitError
	}
	recertified, recertifiedNote := gitRecertified(ctx, env, sources)
	c, err := connect(env, f.conn, desired.OrganizationID)
	if err != nil {
		return fail(env, connectError(err))
	}
	defer c.Close()
	if desired.OrganizationID != "" && desired.OrganizationID != c.client.OrganizationID {
		errorf(env, "the manifests are for organization %s but the credentials are for %s", desired.OrganizationID, c.client.OrganizationID)
		hintf(env, "select the right profile with --profile or SCW_DEFAULT_ORGANIZATION_ID")
		return ExitError
	}
	// The live catalogue, read alongside the organization, judges the manifests' sets as plan
	// does and gives the scope type of sets the embedded copy lacks.
	catalog := catalogCheck{sets: sets, stderr: env.Stderr, always: true}
	scope, catalogued := catalog.startOnce(ctx, c.client)
	// audit sees only auditReader's read methods: nothing in it can write.
	rep, err := audit.Run(ctx, auditReader{c.client}, desired, audit.Options{
		Now: time.Now(), MaxKeyAge: maxAge, MaxSSHKeyAge: maxSSHAge, MaxInactive: maxInactive, ScopeType: scope, GrantExpiringWithin: expiring,
		Recertified: recertified, RecertifiedNote: recertifiedNote,
	})
	if cerr := catalogued(); err == nil && cerr != nil {
		return fail(env, cerr)
	}
	if err != nil {
		errorf(env, "%v", err)
		hintf(env, "%s", readHint(ctx, err, "audit needs "+readRightsText+"; check the credentials and the network, then run again"))
		return ExitError
	}
	opts := audit.TextOptions{ListUnmanaged: f.listUnmanaged}
	switch f.format {
	case "json":
		err = rep.WriteJSON(env.Stdout, opts)
	case "sarif":
		root := f.repoRoot
		if root != "" {
			root = resolvePath(env, root)
		}
		err = rep.WriteSARIF(env.Stdout, audit.SARIFOptions{BaseDir: root, Version: currentVersion().Version})
	case "markdown":
		err = audit.RenderMarkdown(env.Stdout, rep, opts)
	default:
		err = audit.RenderText(env.Stdout, rep, opts)
	}
	if err != nil {
		errorf(env, "write the report: %v", err)
		return ExitError
	}
	if rep.Fails(failOn) {
		return ExitChanges
	}
	return ExitOK
}

// scopeType reads the permission-set catalog for audit's redundancy rule.
func scopeType(set string) string {
	if ps, ok := schema.LookupPermissionSet(set); ok {
		return string(ps.ScopeType)
	}
	return ""
}

// auditReader is the read-only face of live.Client that audit receives.
type auditReader struct{ c *live.Client }

func (r auditReader) ReadOrg(ctx context.Context) (*model.Org, error) {
	return r.c.Read(ctx, live.ReadOptions{}) // every policy's rules: the risk rules read them all
}

func (r auditReader) ReadUserKeys(ctx context.Context) ([]audit.UserKey, error) {
	keys, err := r.c.ReadUserKeys(ctx)
	out := make([]audit.UserKey, len(keys))
	for i, k := range keys {
		out[i] = audit.UserKey(k) // same fields by design: a field added to one breaks this build
	}
	return out, err
}

// logsPerResource is how many log entries audit asks for about one resource: it shows the
// newest.
const logsPerResource = 1

func (r auditReader) ReadLogs(ctx context.Context, k model.Kind, id string) ([]audit.LogEntry, error) {
	logs, err := r.c.ReadLogs(ctx, k, id, logsPerResource)
	if live.IsPermissionDenied(err) {
		return nil, fmt.Errorf("%w: %v", audit.ErrLogsDenied, err)
	}
	out := make([]audit.LogEntry, len(logs))
	for i, l := range logs {
		out[i] = audit.LogEntry{ID: l.ID, At: l.CreatedAt, Action: l.Action, BearerID: l.BearerID, IP: l.IP, UserAgent: l.UserAgent}
	}
	return out, err
}
