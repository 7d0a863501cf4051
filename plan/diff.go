package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// differ holds one diff's state; it lives for a single call to Diff.
type differ struct {
	stack   string
	opts    Options
	d, l    *model.Org
	deps    *model.Dependencies
	plan    *Plan
	claimed map[*model.Meta]bool
	// deleted holds the keys of the applications and groups this plan deletes.
	deleted map[model.Key]bool
	// refusedUnread holds the kinds already reported as declared but not read (one error each).
	refusedUnread map[model.Kind]bool
	// label names projects as the plan carries them (projectLabel).
	label func(ref string) string
	// byKey and keysByAccessKey find live candidates in constant time, so a diff stays linear
	// in the size of the organization.
	byKey           map[model.Key][]model.Resource
	keysByAccessKey map[string][]model.Resource
}

func (df *differ) index() {
	df.byKey = map[model.Key][]model.Resource{}
	df.keysByAccessKey = map[string][]model.Resource{}
	for r := range df.l.Resources() {
		df.byKey[r.Key()] = append(df.byKey[r.Key()], r)
		if r.Key().Kind == model.KindAPIKey {
			id := r.Metadata().ID
			df.keysByAccessKey[id] = append(df.keysByAccessKey[id], r)
		}
	}
}

// Diff compares the organization the manifests describe (desired, references by name, Stack
// set) with the live one (IDs, owners and lookups filled by the live reader) and returns the
// plan that converges live to desired. It fails, listing every problem with its manifest
// position, when a reference cannot be resolved. Neither input is modified.
func Diff(desired, live *model.Org, opts Options) (*Plan, error) {
	d, err := cloneOrg(desired)
	if err != nil {
		return nil, err
	}
	l, err := cloneOrg(live)
	if err != nil {
		return nil, err
	}
	if d.Stack == "" {
		return nil, errors.New("the desired organization has no stack name: ownership cannot be decided without one")
	}
	manifests, err := manifestsFingerprint(d)
	if err != nil {
		return nil, err
	}
	deps := model.DependenciesOf(d)
	expired := dropExpiredRules(d, opts.Now)
	recertifications, due := reviewRules(d, opts.Now)

	var errs errList
	checkDesired(d, &errs)
	coexisting := coexist(d, l)
	resolveDesired(d, newLookups(d, l), &errs)
	resolveManagedGroups(d, l, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	// Live's project IDs become labels as desired's references did (normalize.go).
	l.LabelProjects(model.ProjectLabels(l.Projects))
	d.Normalize()
	l.Normalize()
	claimLive(d, l)

	df := &differ{
		stack: d.Stack, opts: opts, d: d, l: l, deps: deps,
		plan: &Plan{
			FormatVersion: FormatVersion, Stack: d.Stack, OrganizationID: l.OrganizationID,
			Actions: []Action{}, Conflicts: []Conflict{}, Warnings: append(append(append([]Warning{}, expired...), due...), coexisting...),
			Recertifications: recertifications,
		},
		claimed:       map[*model.Meta]bool{},
		deleted:       map[model.Key]bool{},
		refusedUnread: map[model.Kind]bool{},
	}
	df.index()
	if df.plan.OrganizationID == "" {
		df.plan.OrganizationID = d.OrganizationID
	}
	df.plan.Unread = unreadOf(l)
	for r := range d.Resources() {
		if why, unread := l.Unread[r.Key().Kind]; unread {
			// Never compared with "none": that would plan to create what may exist.
			if !df.refusedUnread[r.Key().Kind] {
				errs.add(r.Metadata().Pos, r.Key(), "%s not read: %s; the plan cannot compare the ones the manifests declare: give the key that right, or remove them from the manifests", r.Key().Kind.Plural(), why)
			}
			df.refusedUnread[r.Key().Kind] = true
			continue
		}
		if r.Key().Kind == model.KindUser && !df.plansUsers() {
			continue // the identity provider's (identity.go)
		}
		df.resource(r, &errs)
	}
	df.deletions()
	df.holdProjects()
	df.protectSelf()
	df.protectSelfUser()
	df.checkReferences(&errs)
	df.checkKeyLifetimes(&errs)
	df.checkQuotas()
	df.checkFederation(&errs)
	df.warnLookAlikes()
	if err := errs.err(); err != nil {
		return nil, err
	}
	sortActions(df.plan.Actions)
	sortConflicts(df.plan.Conflicts)
	sortWarnings(df.plan.Warnings)
	df.plan.Access = df.accessReport()
	live2, err := liveFingerprint(l, deps, idpGroups(d))
	if err != nil {
		return nil, err
	}
	df.plan.Fingerprint = Fingerprint{Manifests: manifests, Live: live2}
	return df.plan, nil
}

// checkDesired rejects what the manifests loader should already have: duplicate keys and the
// reserved ownership tag, which the differ manages itself.
func checkDesired(d *model.Org, errs *errList) {
	seen := map[model.Key]bool{}
	for r := range d.Resources() {
		k, m := r.Key(), r.Metadata()
		if seen[k] {
			errs.add(m.Pos, k, "declared more than once")
		}
		seen[k] = true
		if t, ok := r.(model.Tagged); ok {
			for _, tag := range t.TagList() {
				if strings.HasPrefix(tag, model.OwnerTagPrefix) {
					errs.add(m.Pos, k, "tag %q is reserved: iamsync sets the ownership tag itself", tag)
				}
			}
		}
	}
	accessKeys := map[string]bool{}
	for _, k := range d.APIKeys {
		if k.ID != "" && accessKeys[k.ID] {
			errs.add(k.Pos, k.Key(), "access key %q is declared by another key too", k.ID)
		}
		accessKeys[k.ID] = true
		if k.ExpiresAt != nil && k.ExpiresIn != 0 {
			errs.add(k.Pos, k.Key(), "expires_at and expires_in are exclusive")
		}
	}
}

func (df *differ) add(a Action) { df.plan.Actions = append(df.plan.Actions, a) }

func (df *differ) warn(key model.Key, pos model.Pos, format string, args ...any) {
	df.plan.Warnings = append(df.plan.Warnings, Warning{Key: key, Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// resource plans one declared resource: the generic routine every kind goes through. It finds
// the live candidates, decides the resource's fate (ownership.go), and lists the field changes
// with the kind's own comparison (kinds.go).
func (df *differ) resource(d model.Resource, errs *errList) {
	kd := kindDiffs[d.Key().Kind]
	var cands []model.Resource
	explicit := false
	if kd.candidates != nil {
		cands, explicit = kd.candidates(df, d)
	} else {
		cands = df.byKey[d.Key()]
	}
	if kd.singleton {
		// One per organization, never created nor deleted: the declaring stack's to update.
		if len(cands) != 1 {
			errs.add(d.Metadata().Pos, d.Key(), "the organization's %s were not read: check the credentials' rights (IAMReadOnly at least)", d.Key().Kind)
			return
		}
		df.act(vUpdate, d, cands[0], nil, kd.fields(df, d, cands[0]))
		return
	}
	metas := make([]*model.Meta, len(cands))
	for i, c := range cands {
		metas[i] = c.Metadata()
	}
	dm := d.Metadata()
	if kd.adoptUnowned && len(cands) > 0 {
		m := *dm
		m.Adopt = true
		dm = &m
	}
	v, i := df.decide(d.Key(), dm, metas, explicit)
	var l model.Resource
	if i >= 0 {
		l = cands[i]
		if p, ok := l.(*model.Policy); ok && p.RulesUnread {
			// The reader's filter and the differ disagree: comparing would plan to add every
			// rule the policy already has.
			errs.add(d.Metadata().Pos, d.Key(), "internal error: the rules of live policy %s were not read; report this bug", p.ID)
			return
		}
	}
	if kd.plan != nil {
		kd.plan(df, v, d, l)
		return
	}
	var changes []Change
	if l != nil {
		changes = kd.fields(df, d, l)
	}
	df.act(v, d, l, kd.fields(df, d, nil), changes)
}

// act turns a verdict and the field changes into an action.
func (df *differ) act(v verdict, d, l model.Resource, create, changes []Change) {
	a := Action{Key: d.Key(), Pos: d.Metadata().Pos, Resource: d}
	if l != nil {
		a.ID = l.Metadata().ID
	}
	switch v {
	case vCreate:
		a.Op, a.Changes = Create, create
	case vUpdate:
		if len(changes) == 0 {
			return
		}
		a.Op, a.Changes = Update, changes
	case vAdopt:
		a.Op = Adopt
		a.Changes = append([]Change{{Field: FieldOwner, New: text(df.stack)}}, changes...)
	default:
		return
	}
	df.add(a)
}

// projectLabel is the label of a project reference (model.ProjectLabels), as the plan's values
// carry it.
func (df *differ) projectLabel(ref string) string {
	if ref == "" {
		return ""
	}
	if df.label == nil {
		df.label = model.ProjectLabels(df.l.Projects)
	}
	return df.label(ref)
}

// rotation returns why a live key whose expiry is relative (expires_in) must be replaced: it
// has expired, or it expires within the key's rotate_before window. A key with a fixed
// expires_at is never rotated: its replacement would expire at the same instant. It needs
// Options.Now.
func (df *differ) rotation(d, l *model.APIKey) string {
	if d.ExpiresIn == 0 && !slices.Contains(df.opts.Rotate, d.Key()) {
		return ""
	}
	return df.due(d.Key(), "key", l.ExpiresAt, d.RotateBefore)
}

// due says why a resource of kind what (key, token) that expires at expiresAt must be replaced:
// --rotate named it, it has expired, or it expires within rotateBefore ("" if none). The
// expiry checks need Options.Now.
func (df *differ) due(key model.Key, what string, expiresAt *time.Time, rotateBefore time.Duration) string {
	if slices.Contains(df.opts.Rotate, key) {
		return "rotation requested (--rotate)"
	}
	if df.opts.Now.IsZero() || expiresAt == nil {
		return ""
	}
	left := expiresAt.Sub(df.opts.Now)
	switch {
	case left <= 0:
		return fmt.Sprintf("the %s has expired", what)
	case rotateBefore > 0 && left <= rotateBefore:
		return fmt.Sprintf("the %s expires within rotate_before (%s)", what, durationString(rotateBefore))
	}
	return ""
}

// deletions plans the removal of every live resource this stack owns and no manifest claims.
// Kinds are visited in dependency order, so an API key is seen after its application.
func (df *differ) deletions() {
	del := func(r model.Resource, reason string) {
		df.add(Action{Op: Delete, Key: r.Key(), ID: r.Metadata().ID, Reason: reason})
	}
	const gone = "owned by this stack and no longer in the manifests"
	for r := range df.l.Resources() {
		m := r.Metadata()
		if r.Key().Kind == model.KindUser && !df.plansUsers() {
			continue // never deleted: the identity provider's (identity.go)
		}
		k, isKey := r.(*model.APIKey)
		if !isKey {
			if df.deletable(m) {
				del(r, gone)
				df.deleted[r.Key()] = true
			}
			continue
		}
		appKey := model.Key{Kind: model.KindApplication, Name: k.Application}
		if k.RetiredUntil != nil && df.deletable(m) && !df.deleted[appKey] {
			// Kept after a rotation until its grace period ends (--keep-old); without a clock
			// the period never ends.
			if df.opts.Now.IsZero() || df.opts.Now.Before(*k.RetiredUntil) {
				df.warn(k.Key(), model.Pos{}, "old key %s, replaced by a rotation, is kept until %s", k.ID, k.RetiredUntil.Format(time.RFC3339))
				continue
			}
			del(k, fmt.Sprintf("replaced by a rotation; its grace period ended at %s", k.RetiredUntil.Format(time.RFC3339)))
			continue
		}
		switch {
		case df.deletable(m) && df.deleted[appKey]:
			// Listed although the API removes it with its application (BEHAVIOUR.md §5.5),
			// so the plan shows every key that goes; apply takes a 404 as done.
			del(k, gone+"; deleting its application removes it too")
		case df.deletable(m):
			del(k, gone)
		case df.deleted[appKey] && !df.claimed[m]:
			// The API deletes every key of a deleted application (BEHAVIOUR.md §5.5), even
			// keys this stack may not touch: say so before it happens.
			owner := "no stack"
			if k.Owner != "" {
				owner = "stack " + escape.Quote(k.Owner)
			}
			name := k.ID
			if k.Name != k.ID {
				name = fmt.Sprintf("%s (%s)", k.ID, escape.Quote(k.Name))
			}
			df.warn(appKey, model.Pos{}, "deleting the application also deletes its API key %s, owned by %s", name, owner)
		}
	}
	// A policy this stack does not own survives the deletion of its principal (§5.5, trap 16).
	for _, p := range df.l.Policies {
		if p.Owner == df.stack || p.Principal.Kind == model.PrincipalNone || p.Principal.Kind == model.PrincipalUser {
			continue
		}
		pk := model.Key{Kind: model.Kind(p.Principal.Kind), Name: p.Principal.Name}
		if df.deleted[pk] {
			owner := "no stack"
			if p.Managed {
				owner = "Scaleway"
			} else if p.Owner != "" {
				owner = "stack " + escape.Quote(p.Owner)
			}
			df.warn(pk, model.Pos{}, "policy %s (owned by %s) has this %s as principal and will be left without it", escape.Quote(p.Name), owner, p.Principal.Kind)
		}
	}
}

// checkReferences makes sure every resource the manifests refer to will exist after the plan:
// by name, declared or live and not deleted by this plan; by ID, live now. The references are
// the ones model.Dependencies lists, the same that make a saved plan stale.
func (df *differ) checkReferences(errs *errList) {
	declared := map[model.Key]bool{}
	for r := range df.d.Resources() {
		declared[r.Key()] = true
	}
	live := map[model.Key]int{}
	liveIDs := map[string]model.Kind{} // what a principal's ID must name
	for r := range df.l.Resources() {
		live[r.Key()]++
		liveIDs[r.Metadata().ID] = r.Key().Kind
	}
	for _, u := range df.l.Users {
		liveIDs[u.ID] = model.Kind(model.PrincipalUser)
	}
	deletedUsers := map[string]bool{}
	for k := range df.deleted {
		if k.Kind == model.KindUser {
			deletedUsers[strings.ToLower(k.Name)] = true
		}
	}
	deletedProjects := map[string]bool{} // names and IDs of the projects this plan deletes
	for _, p := range df.l.Projects {
		if df.deleted[p.Key()] && p.Owner == df.stack {
			deletedProjects[p.Name], deletedProjects[p.ID] = true, true
		}
	}
	for _, ref := range df.deps.Refs {
		to := ref.To
		switch {
		case ref.Kind == model.RefProject && deletedProjects[ref.Name] && !declared[model.Key{Kind: model.KindProject, Name: ref.Name}]:
			errs.add(ref.Pos, ref.From, "%s: project %s is owned by this stack but no longer declared, so this plan deletes it: declare it under projects:, or stop referring to it", ref.What, escape.Quote(ref.Name))
		case ref.Kind == model.RefUser && deletedUsers[strings.ToLower(ref.Name)]:
			errs.add(ref.Pos, ref.From, "%s: user %s is owned by this stack but no longer declared, so this plan deletes them: declare them under users:, or stop referring to them", ref.What, escape.Quote(ref.Name))
		case ref.Kind == model.RefID:
			if liveIDs[ref.ID] != to.Kind {
				errs.add(ref.Pos, ref.From, "%s: no %s with ID %s in the organization: check the ID, or create it first", ref.What, to.Kind, ref.ID)
			}
		case ref.Kind != model.RefResource, declared[to]:
		case df.deleted[to]:
			errs.add(ref.Pos, ref.From, "%s: %s is not in the manifests, so this plan deletes it: declare it, or stop referring to it", ref.What, escape.Quote(to.String()))
		case live[to] == 0:
			errs.add(ref.Pos, ref.From, "%s: no %s named %s in the manifests or the organization", ref.What, to.Kind, escape.Quote(to.Name))
		case live[to] > 1:
			// Apply resolves names to IDs; with several candidates it would have to guess.
			hint := "rename all but one"
			if ref.What == "principal" {
				hint += ", or give the principal's ID"
			}
			errs.add(ref.Pos, ref.From, "%s: %d %ss in the organization are named %s: %s", ref.What, live[to], to.Kind, escape.Quote(to.Name), hint)
		}
	}
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return fmt.Sprintf("%s and %s", joinComma(s[:len(s)-1]), s[len(s)-1])
}

func joinComma(s []string) string {
	out := s[0]
	for _, x := range s[1:] {
		out += ", " + x
	}
	return out
}
