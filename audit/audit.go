package audit

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// FormatVersion is the version of the JSON report (README.md, "JSON report").
const FormatVersion = 2

// Reader is everything audit may do to an organization: read it. Having no write method here
// is what makes an audit read-only by construction; cmd adapts live.Client to it.
type Reader interface {
	// ReadOrg reads the whole organization, rules of every policy included.
	ReadOrg(ctx context.Context) (*model.Org, error)
	// ReadUserKeys reads the personal API keys of the organization's users, which the
	// organization snapshot leaves out (iamsync never manages them).
	ReadUserKeys(ctx context.Context) ([]UserKey, error)
	// ReadLogs reads the IAM log entries about the resource of kind k with live ID id (an
	// access key for API keys), newest first, a few at most (attribution.go). It wraps
	// ErrLogsDenied when the key may not read the logs.
	ReadLogs(ctx context.Context, k model.Kind, id string) ([]LogEntry, error)
}

// UserKey is a user's personal API key, as far as the rules need it.
type UserKey struct {
	AccessKey   string
	UserID      string
	Description string
	CreatedAt   time.Time
	ExpiresAt   *time.Time // nil: never expires
}

// Options tune an audit.
type Options struct {
	// Now is the instant key ages and expiries are judged against (required).
	Now time.Time
	// MaxKeyAge is the age above which a live API key is reported (IAM202); default 90 days.
	MaxKeyAge time.Duration
	// MaxSSHKeyAge is the age above which a live SSH key is reported (IAM403); default a year.
	MaxSSHKeyAge time.Duration
	// MaxInactive is how long a member may go without logging in before being reported
	// (IAM405); default DefaultMaxInactive.
	MaxInactive time.Duration
	// ScopeType tells whether a permission set is organization-level ("organization") or
	// project-level ("projects"); "" when unknown. It refines IAM103 (AllProductsFullAccess
	// covers project-level sets only); nil treats every set as unknown.
	ScopeType func(set string) string
	// GrantExpiringWithin is IAM104's and IAM105's window; default DefaultGrantExpiringWithin.
	GrantExpiringWithin time.Duration
	// Recertified, when set, says who last recertified the grant whose reviewed_until is
	// written at pos (from git, in cmd); nil when nobody can tell (review.go).
	Recertified func(pos model.Pos) *Recertification
	// RecertifiedNote says why Recertified is nil or answers nothing (not a git repository).
	RecertifiedNote string
}

// DefaultMaxKeyAge is --max-key-age's default.
const DefaultMaxKeyAge = 90 * 24 * time.Hour

// expiringWithin is IAM203's window.
const expiringWithin = 14 * 24 * time.Hour

// Report is the result of an audit.
type Report struct {
	FormatVersion  int       `json:"format_version"`
	Stack          string    `json:"stack"`
	OrganizationID string    `json:"organization_id,omitempty"`
	Now            time.Time `json:"now"`
	// Findings are sorted by severity (highest first), then code, key and message; suppressed
	// ones included.
	Findings []Finding `json:"findings"`
	// Unmanaged lists the live resources no stack owns and the provider does not manage.
	Unmanaged []Resource `json:"unmanaged"`
	// UnusedSilences are manifest silences that matched no finding: stale ones to remove.
	UnusedSilences []UnusedSilence `json:"unused_silences,omitempty"`
	// NotRead lists the kinds the credentials could not read, and the rules that therefore
	// could not run on the organization (kinds.go).
	NotRead []NotRead `json:"-"`
	// AttributionNote says why drift findings are not (all) attributed: the logs could not be
	// read, or there were too many findings to look up (attribution.go).
	AttributionNote string `json:"-"`
	// Reviews are the manifests' rules under review, with who last recertified each (review.go).
	Reviews []Review `json:"reviews"`
	// ReviewsNote says why reviews carry no recertification (Options.RecertifiedNote).
	ReviewsNote string `json:"-"`
	// Files are the manifest files the desired elements come from, sorted: SARIF anchors
	// findings that have no file of their own to the first (code scanning needs a file).
	Files []string `json:"-"`
}

// UnusedSilence is a manifest silence no finding matched.
type UnusedSilence struct {
	Key  model.Key `json:"key"`
	Rule string    `json:"rule"`
	Pos  model.Pos `json:"pos,omitzero"`
}

// Resource is one live resource, for the unmanaged list.
type Resource struct {
	Key model.Key `json:"key"`
	ID  string    `json:"id"`
}

// Run reads the organization through r and audits it against desired.
func Run(ctx context.Context, r Reader, desired *model.Org, opts Options) (*Report, error) {
	live, err := r.ReadOrg(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the organization: %w", err)
	}
	uks, err := r.ReadUserKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("read users' API keys: %w", err)
	}
	rep, err := Audit(desired, live, uks, opts)
	if err != nil {
		return nil, err
	}
	attribute(ctx, r, rep, live)
	return rep, nil
}

// Audit compares desired with live and runs every rule over both. It does no I/O.
func Audit(desired, live *model.Org, userKeys []UserKey, opts Options) (*Report, error) {
	if opts.Now.IsZero() {
		return nil, fmt.Errorf("audit: Options.Now is required")
	}
	if opts.MaxSSHKeyAge <= 0 {
		opts.MaxSSHKeyAge = DefaultMaxSSHKeyAge
	}
	if opts.MaxKeyAge <= 0 {
		opts.MaxKeyAge = DefaultMaxKeyAge
	}
	if opts.MaxInactive <= 0 {
		opts.MaxInactive = DefaultMaxInactive
	}
	if opts.GrantExpiringWithin <= 0 {
		opts.GrantExpiringWithin = DefaultGrantExpiringWithin
	}
	rep := &Report{FormatVersion: FormatVersion, Stack: desired.Stack, OrganizationID: live.OrganizationID, Now: opts.Now.UTC()}
	rep.NotRead = notRead(live)
	drift, err := driftFindings(withoutUnread(desired, live), live, opts)
	if err != nil {
		return nil, err
	}
	man := newView(desired, false, opts)
	lv := newView(live, true, opts)
	lv.userKeys = userKeys
	findings := merge(desired, live, man.run(), lv.run())
	findings = append(drift, findings...)
	rep.UnusedSilences = silence(desired, findings)
	sortFindings(findings)
	rep.Findings = findings
	rep.Unmanaged = unmanaged(live)
	rep.Files = slices.Sorted(maps.Keys(files(desired)))
	rep.Reviews, rep.ReviewsNote = reviews(desired, opts)
	return rep, nil
}

// merge joins the manifest's findings with the organization's. A live finding on a resource
// the stack owns or adopts is the declared element's: it takes its position, and if the
// manifests found the same thing, the two become one finding seen in both.
func merge(desired, live *model.Org, man, lv []Finding) []Finding {
	decl := declared(desired)
	ours := belonging(desired, live)
	type id struct {
		code, detail string
		key          model.Key
	}
	byID := map[id]int{}
	out := slices.Clone(man)
	for i, f := range out {
		byID[id{f.Code, f.detail, f.Key}] = i
	}
	// A key adopted by access key is named in the manifests but not yet in the organization
	// (its description carries no marker until the next apply): match it by ID.
	adopted := map[string]model.Key{}
	for _, k := range desired.APIKeys {
		if k.ID != "" {
			adopted[k.ID] = k.Key()
		}
	}
	for _, f := range lv {
		if k, ok := adopted[f.ID]; ok && f.Key.Kind == model.KindAPIKey && !ours[f.Key] {
			f.Key = k
		}
		if !ours[f.Key] {
			f.foreign = true // another owner's resource: the manifests' silences do not apply
			out = append(out, f)
			continue
		}
		if i, ok := byID[id{f.Code, f.detail, f.Key}]; ok {
			out[i].ID, out[i].Source = f.ID, FromBoth
			continue
		}
		if f.Pos.IsZero() {
			f.Pos = decl[f.Key]
		}
		out = append(out, f)
	}
	return out
}

// files is the set of manifest files desired's elements were declared in.
func files(d *model.Org) map[string]bool {
	m := map[string]bool{}
	for _, p := range declared(d) {
		if p.File != "" {
			m[p.File] = true
		}
	}
	return m
}

// declared maps every manifest element's key to its position.
func declared(d *model.Org) map[model.Key]model.Pos {
	m := map[model.Key]model.Pos{}
	for r := range d.Resources() {
		m[r.Key()] = r.Metadata().Pos
	}
	return m
}

// belonging is the set of live keys that are the manifests' elements: declared, and taken by
// the stack as the plan takes them (plan.Claims).
func belonging(d, l *model.Org) map[model.Key]bool {
	decl := map[model.Key]*model.Meta{}
	for r := range d.Resources() {
		decl[r.Key()] = r.Metadata()
	}
	out := map[model.Key]bool{}
	for r := range l.Resources() {
		if r.Key().Kind == model.KindAPIKey {
			continue // below: keys may be adopted by access key
		}
		if dm, ok := decl[r.Key()]; ok && plan.Claims(d.Stack, r.Key().Kind, dm, r.Metadata()) {
			out[r.Key()] = true
		}
	}
	byID := map[string]model.Key{}
	for _, k := range d.APIKeys {
		if k.ID != "" {
			byID[k.ID] = k.Key()
		}
	}
	for _, k := range l.APIKeys {
		if dk, ok := byID[k.ID]; ok && !k.Managed && (k.Owner == "" || k.Owner == d.Stack) {
			out[dk] = true // adopted by access key (see merge)
			continue
		}
		if dm, ok := decl[k.Key()]; ok && plan.Claims(d.Stack, model.KindAPIKey, dm, &k.Meta) {
			out[k.Key()] = true
		}
	}
	return out
}

// silence marks the findings a manifest element silences: the finding's own element, or one
// of the related elements the rule names. It returns the silences nothing matched.
func silence(d *model.Org, fs []Finding) []UnusedSilence {
	type at struct {
		ig  []model.Ignore
		pos model.Pos
	}
	m := map[model.Key]at{}
	// Every kind, through the one iterator: a loop per kind once left members, SSH keys and
	// security settings unsilenceable (issue 17).
	for r := range d.Resources() {
		meta := r.Metadata()
		m[r.Key()] = at{meta.Ignore, meta.Pos}
	}
	used := map[silenceID]bool{}
	for i := range fs {
		f := &fs[i]
		// A live finding on another owner's resource is not the manifests' to silence.
		if f.foreign {
			continue
		}
		for _, k := range append([]model.Key{f.Key}, f.also...) {
			e := m[k]
			if j := slices.IndexFunc(e.ig, func(ig model.Ignore) bool { return ig.Rule == f.Code }); j >= 0 {
				f.Suppressed = &Suppression{Key: k, Reason: e.ig[j].Reason, Pos: e.pos}
				used[silenceID{k, f.Code}] = true
				break
			}
		}
	}
	var unused []UnusedSilence
	for k, e := range m {
		for _, ig := range e.ig {
			if !used[silenceID{k, ig.Rule}] {
				unused = append(unused, UnusedSilence{Key: k, Rule: ig.Rule, Pos: e.pos})
			}
		}
	}
	slices.SortFunc(unused, func(a, b UnusedSilence) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Key.String(), b.Key.String()), cmp.Compare(a.Rule, b.Rule))
	})
	return unused
}

// silenceID identifies a silence: an element and a rule.
type silenceID struct {
	key  model.Key
	rule string
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		if c := cmp.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		if a.Key != b.Key {
			if a.Key.Less(b.Key) {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Msg, b.Msg), cmp.Compare(a.ID, b.ID))
	})
}

// unmanaged lists the live resources that belong to no stack and not to the provider, of the
// kinds listed as such (auditKinds).
func unmanaged(l *model.Org) []Resource {
	var out []Resource
	for r := range l.Resources() {
		m := r.Metadata()
		if auditKinds[r.Key().Kind].unmanaged && m.Owner == "" && !m.Managed {
			out = append(out, Resource{Key: r.Key(), ID: m.ID})
		}
	}
	slices.SortFunc(out, func(a, b Resource) int {
		if a.Key != b.Key {
			if a.Key.Less(b.Key) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Active returns the findings not silenced.
func (r *Report) Active() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// Fails reports whether r should make the command fail: any active drift, or an active risk
// finding at or above failOn (0 = risk findings never fail).
func (r *Report) Fails(failOn Severity) bool {
	for _, f := range r.Active() {
		if f.Category() == Drift || failOn > 0 && f.Severity >= failOn {
			return true
		}
	}
	return false
}
