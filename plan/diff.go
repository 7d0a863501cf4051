package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/model"
)

// differ holds one diff's state; it lives for a single call to Diff.
type differ struct {
	stack   string
	opts    Options
	d, l    *model.Org
	plan    *Plan
	claimed map[*model.Meta]bool
	// deleted holds the keys of the applications and groups this plan deletes.
	deleted map[model.Key]bool
	// labels maps project IDs to the names shown to reviewers (projectLabel).
	labels map[string]string
	// idx finds live candidates by name in constant time, so a diff stays linear in the size
	// of the organization.
	idx liveIndex
}

type liveIndex struct {
	apps     map[string][]*model.Application
	groups   map[string][]*model.Group
	policies map[string][]*model.Policy
	keys     map[model.Key][]*model.APIKey // by application and name
	keyByID  map[string][]*model.APIKey
}

func indexLive(l *model.Org) liveIndex {
	x := liveIndex{apps: map[string][]*model.Application{}, groups: map[string][]*model.Group{},
		policies: map[string][]*model.Policy{}, keys: map[model.Key][]*model.APIKey{}, keyByID: map[string][]*model.APIKey{}}
	for _, a := range l.Applications {
		x.apps[a.Name] = append(x.apps[a.Name], a)
	}
	for _, g := range l.Groups {
		x.groups[g.Name] = append(x.groups[g.Name], g)
	}
	for _, p := range l.Policies {
		x.policies[p.Name] = append(x.policies[p.Name], p)
	}
	for _, k := range l.APIKeys {
		x.keys[k.Key()] = append(x.keys[k.Key()], k)
		x.keyByID[k.ID] = append(x.keyByID[k.ID], k)
	}
	return x
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

	var errs errList
	checkDesired(d, &errs)
	resolveDesired(d, newLookups(l), &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	d.Normalize()
	l.Normalize()

	df := &differ{
		stack: d.Stack, opts: opts, d: d, l: l,
		plan: &Plan{
			FormatVersion: FormatVersion, Stack: d.Stack, OrganizationID: l.OrganizationID,
			Actions: []Action{}, Conflicts: []Conflict{}, Warnings: []Warning{},
		},
		claimed: map[*model.Meta]bool{},
		deleted: map[model.Key]bool{},
		idx:     indexLive(l),
	}
	if df.plan.OrganizationID == "" {
		df.plan.OrganizationID = d.OrganizationID
	}
	for _, a := range d.Applications {
		df.application(a)
	}
	for _, g := range d.Groups {
		df.group(g)
	}
	for _, k := range d.APIKeys {
		df.apiKey(k)
	}
	for _, p := range d.Policies {
		df.policy(p)
	}
	df.deletions()
	df.protectSelf()
	df.checkReferences(&errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	sortActions(df.plan.Actions)
	sortConflicts(df.plan.Conflicts)
	sortWarnings(df.plan.Warnings)
	live2, err := liveFingerprint(df)
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
	check := func(k model.Key, pos model.Pos, tags []string) {
		if seen[k] {
			errs.add(pos, k, "declared more than once")
		}
		seen[k] = true
		for _, t := range tags {
			if strings.HasPrefix(t, model.OwnerTagPrefix) {
				errs.add(pos, k, "tag %q is reserved: iamsync sets the ownership tag itself", t)
			}
		}
	}
	for _, a := range d.Applications {
		check(a.Key(), a.Pos, a.Tags)
	}
	for _, g := range d.Groups {
		check(g.Key(), g.Pos, g.Tags)
	}
	for _, p := range d.Policies {
		check(p.Key(), p.Pos, p.Tags)
	}
	accessKeys := map[string]bool{}
	for _, k := range d.APIKeys {
		check(k.Key(), k.Pos, nil)
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

// act turns a verdict and the field changes into an action; sets the desired resource with set.
func (df *differ) act(v verdict, key model.Key, pos model.Pos, id string, create, changes []FieldChange, set func(*Action)) {
	a := Action{Key: key, Pos: pos, ID: id}
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
		a.Changes = append([]FieldChange{{Field: FieldOwner, New: df.stack}}, changes...)
	default:
		return
	}
	set(&a)
	df.add(a)
}

func (df *differ) application(a *model.Application) {
	var metas []*model.Meta
	var cands []*model.Application
	for _, la := range df.idx.apps[a.Name] {
		metas, cands = append(metas, &la.Meta), append(cands, la)
	}
	v, i := df.decide(a.Key(), &a.Meta, metas, false)
	var id string
	var changes []FieldChange
	if i >= 0 {
		la := cands[i]
		id = la.ID
		changes = appendScalar(changes, FieldDescription, la.Description, a.Description)
		changes = appendSet(changes, FieldTags, la.Tags, a.Tags)
	}
	create := appendScalar(nil, FieldDescription, "", a.Description)
	create = appendSet(create, FieldTags, nil, a.Tags)
	df.act(v, a.Key(), a.Pos, id, create, changes, func(x *Action) { x.Application = a })
}

func memberStrings(m model.Members) []string {
	out := make([]string, 0, len(m.Applications)+len(m.Users))
	for _, a := range m.Applications {
		out = append(out, "application:"+a)
	}
	for _, u := range m.Users {
		out = append(out, "user:"+u)
	}
	return out
}

func (df *differ) group(g *model.Group) {
	var metas []*model.Meta
	var cands []*model.Group
	for _, lg := range df.idx.groups[g.Name] {
		metas, cands = append(metas, &lg.Meta), append(cands, lg)
	}
	v, i := df.decide(g.Key(), &g.Meta, metas, false)
	var id string
	var changes []FieldChange
	if i >= 0 {
		lg := cands[i]
		id = lg.ID
		changes = appendScalar(changes, FieldDescription, lg.Description, g.Description)
		changes = appendSet(changes, FieldTags, lg.Tags, g.Tags)
		changes = appendSet(changes, FieldMembers, memberStrings(lg.Members), memberStrings(g.Members))
	}
	create := appendScalar(nil, FieldDescription, "", g.Description)
	create = appendSet(create, FieldTags, nil, g.Tags)
	create = appendSet(create, FieldMembers, nil, memberStrings(g.Members))
	df.act(v, g.Key(), g.Pos, id, create, changes, func(x *Action) { x.Group = g })
}

// ruleStrings are the rules as a reviewer reads them, project IDs shown by name. The label is
// unique per project (see projectLabel), so comparing labels compares IDs.
func (df *differ) ruleStrings(rules []model.Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		shown := r
		shown.Projects = make([]string, len(r.Projects))
		for j, id := range r.Projects {
			shown.Projects[j] = df.projectLabel(id)
		}
		out[i] = shown.Canonical()
	}
	return model.SortedSet(out)
}

// projectLabel shows a project ID by its name when no other project has that name (Account
// allows duplicates, BEHAVIOUR.md §5.6), else as the ID.
func (df *differ) projectLabel(id string) string {
	if id == "" {
		return ""
	}
	if df.labels == nil {
		count := map[string]int{}
		for _, p := range df.l.Projects {
			count[p.Name]++
		}
		df.labels = map[string]string{}
		for _, p := range df.l.Projects {
			if count[p.Name] == 1 && p.Name != "" {
				df.labels[p.ID] = p.Name
			}
		}
	}
	if name, ok := df.labels[id]; ok {
		return name
	}
	return id
}

// samePrincipal compares by ID when the manifest gives one (an external principal), else by
// kind and name.
func samePrincipal(d, l model.Principal) bool {
	if d.Kind != l.Kind {
		return false
	}
	if d.ID != "" {
		return d.ID == l.ID
	}
	return d.Name == l.Name
}

func (df *differ) policy(p *model.Policy) {
	var metas []*model.Meta
	var cands []*model.Policy
	for _, lp := range df.idx.policies[p.Name] {
		metas, cands = append(metas, &lp.Meta), append(cands, lp)
	}
	v, i := df.decide(p.Key(), &p.Meta, metas, false)
	var id string
	var changes []FieldChange
	if i >= 0 {
		lp := cands[i]
		id = lp.ID
		changes = appendScalar(changes, FieldDescription, lp.Description, p.Description)
		changes = appendSet(changes, FieldTags, lp.Tags, p.Tags)
		if !samePrincipal(p.Principal, lp.Principal) {
			changes = append(changes, FieldChange{Field: FieldPrincipal, Old: lp.Principal.String(), New: p.Principal.String()})
		}
		changes = appendSet(changes, FieldRules, df.ruleStrings(lp.Rules), df.ruleStrings(p.Rules))
	}
	create := appendScalar(nil, FieldDescription, "", p.Description)
	create = appendSet(create, FieldTags, nil, p.Tags)
	create = append(create, FieldChange{Field: FieldPrincipal, New: p.Principal.String()})
	create = appendSet(create, FieldRules, nil, df.ruleStrings(p.Rules))
	df.act(v, p.Key(), p.Pos, id, create, changes, func(x *Action) { x.Policy = p })
}

func (df *differ) apiKey(k *model.APIKey) {
	var metas []*model.Meta
	var cands []*model.APIKey
	explicit := k.ID != ""
	found := df.idx.keys[k.Key()]
	if explicit {
		found = df.idx.keyByID[k.ID]
	}
	for _, lk := range found {
		if lk.RetiredUntil != nil && lk.Owner == df.stack {
			// A key a rotation superseded is no longer this manifest entry's key.
			continue
		}
		metas, cands = append(metas, &lk.Meta), append(cands, lk)
	}
	// With an explicit access key, a key of this stack with the same name but another access
	// key is not a candidate: it stays unclaimed and is deleted, superseded by the named one.
	v, i := df.decide(k.Key(), &k.Meta, metas, explicit)
	set := func(x *Action) { x.APIKey = k }

	create := []FieldChange{{Field: FieldApplication, New: k.Application}}
	create = appendScalar(create, FieldDescription, "", k.Description)
	create = appendScalar(create, FieldDefaultProject, "", df.projectLabel(k.DefaultProject))
	create = append(create, FieldChange{Field: FieldExpiry, New: expiryString(k)})
	if i < 0 {
		df.act(v, k.Key(), k.Pos, "", create, nil, set)
		return
	}

	lk := cands[i]
	var changes, fixed []FieldChange
	if lk.Application != k.Application {
		fixed = append(fixed, FieldChange{Field: FieldApplication, Old: lk.Application, New: k.Application})
	}
	// A key taken by access key may carry another name (or none, if unmarked): the name lives
	// in the description marker, rewritten in place.
	changes = appendScalar(changes, FieldName, lk.Name, k.Name)
	changes = appendScalar(changes, FieldDescription, lk.Description, k.Description)
	if k.DefaultProject != "" {
		changes = appendScalar(changes, FieldDefaultProject, df.projectLabel(lk.DefaultProject), df.projectLabel(k.DefaultProject))
	}
	expiryDiffers := !sameExpiry(k, lk)
	if expiryDiffers {
		fixed = append(fixed, FieldChange{Field: FieldExpiry, Old: expiryString(lk), New: expiryString(k)})
	}
	rotate := df.rotation(k, lk)
	if !df.opts.Now.IsZero() && k.ExpiresAt != nil && !k.ExpiresAt.After(df.opts.Now) {
		df.warn(k.Key(), k.Pos, "the key's expires_at (%s) is in the past", expiryString(k))
	}

	if len(fixed) == 0 && rotate == "" {
		df.act(v, k.Key(), k.Pos, lk.ID, create, changes, set)
		return
	}
	if v == vAdopt {
		// Adoption never replaces (see ownership.go): the key may be in use.
		var what []string
		for _, c := range fixed {
			what = append(what, fmt.Sprintf("%s differs (live %q, manifests %q)", c.Field, c.Old, c.New))
		}
		if rotate != "" {
			what = append(what, rotate)
		}
		df.conflict(k.Key(), k.Pos, lk.ID, fmt.Sprintf("cannot adopt the key in place: %s", joinAnd(what)),
			"make the manifest match the live key, or remove adopt and id to create a new key")
		return
	}
	reason := rotate
	switch {
	case lk.Application != k.Application:
		reason = "the application of a key cannot be changed in place"
	case expiryDiffers:
		reason = "the expiry of a key cannot be changed in place"
	}
	// A replacement creates the new key from the manifest, so every field is listed as it
	// will be, with the old values where they differ.
	all := append(fixed, changes...)
	if len(all) == 0 {
		all = []FieldChange{{Field: FieldExpiry, Old: expiryString(lk), New: expiryString(k)}}
	}
	a := Action{Op: Replace, Key: k.Key(), ID: lk.ID, Pos: k.Pos, Reason: reason, Changes: sortChanges(all), APIKey: k}
	if df.opts.KeepOld > 0 && !df.opts.Now.IsZero() {
		until := df.opts.Now.Add(df.opts.KeepOld).UTC().Truncate(time.Second)
		a.RetireUntil = &until
		a.Reason += fmt.Sprintf("; the old key is kept until %s", until.Format(time.RFC3339))
	}
	df.add(a)
}

// rotation returns why a live key whose expiry is relative (expires_in) must be replaced: it
// has expired, or it expires within the key's rotate_before window. A key with a fixed
// expires_at is never rotated: its replacement would expire at the same instant. It needs
// Options.Now.
func (df *differ) rotation(d, l *model.APIKey) string {
	if slices.Contains(df.opts.Rotate, d.Key()) {
		return "rotation requested (--rotate)"
	}
	if df.opts.Now.IsZero() || l.ExpiresAt == nil || d.ExpiresIn == 0 {
		return ""
	}
	left := l.ExpiresAt.Sub(df.opts.Now)
	switch {
	case left <= 0:
		return "the key has expired"
	case d.RotateBefore > 0 && left <= d.RotateBefore:
		return fmt.Sprintf("the key expires within rotate_before (%s)", durationString(d.RotateBefore))
	}
	return ""
}

// deletions plans the removal of every live resource this stack owns and no manifest claims.
func (df *differ) deletions() {
	del := func(key model.Key, m *model.Meta, reason string) {
		df.add(Action{Op: Delete, Key: key, ID: m.ID, Reason: reason})
	}
	const gone = "owned by this stack and no longer in the manifests"
	for _, a := range df.l.Applications {
		if df.deletable(&a.Meta) {
			del(a.Key(), &a.Meta, gone)
			df.deleted[a.Key()] = true
		}
	}
	for _, g := range df.l.Groups {
		if df.deletable(&g.Meta) {
			del(g.Key(), &g.Meta, gone)
			df.deleted[g.Key()] = true
		}
	}
	for _, p := range df.l.Policies {
		if df.deletable(&p.Meta) {
			del(p.Key(), &p.Meta, gone)
		}
	}
	for _, k := range df.l.APIKeys {
		appKey := model.Key{Kind: model.KindApplication, Name: k.Application}
		if k.RetiredUntil != nil && df.deletable(&k.Meta) && !df.deleted[appKey] {
			// Kept after a rotation until its grace period ends (--keep-old); without a clock
			// the period never ends.
			if df.opts.Now.IsZero() || df.opts.Now.Before(*k.RetiredUntil) {
				df.warn(k.Key(), model.Pos{}, "old key %s, replaced by a rotation, is kept until %s", k.ID, k.RetiredUntil.Format(time.RFC3339))
				continue
			}
			del(k.Key(), &k.Meta, fmt.Sprintf("replaced by a rotation; its grace period ended at %s", k.RetiredUntil.Format(time.RFC3339)))
			continue
		}
		switch {
		case df.deletable(&k.Meta) && df.deleted[appKey]:
			// Listed although the API removes it with its application (BEHAVIOUR.md §5.5),
			// so the plan shows every key that goes; apply takes a 404 as done.
			del(k.Key(), &k.Meta, gone+"; deleting its application removes it too")
		case df.deletable(&k.Meta):
			del(k.Key(), &k.Meta, gone)
		case df.deleted[appKey] && !df.claimed[&k.Meta]:
			// The API deletes every key of a deleted application (BEHAVIOUR.md §5.5), even
			// keys this stack may not touch: say so before it happens.
			owner := "no stack"
			if k.Owner != "" {
				owner = fmt.Sprintf("stack %q", k.Owner)
			}
			name := k.ID
			if k.Name != k.ID {
				name = fmt.Sprintf("%s (%s)", k.ID, k.Name)
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
				owner = fmt.Sprintf("stack %q", p.Owner)
			}
			df.warn(pk, model.Pos{}, "policy %q (owned by %s) has this %s as principal and will be left without it", p.Name, owner, p.Principal.Kind)
		}
	}
}

// checkReferences makes sure every application and group the manifests refer to by name will
// exist after the plan: declared, or live and not deleted by this plan.
func (df *differ) checkReferences(errs *errList) {
	declared := map[model.Key]bool{}
	for _, a := range df.d.Applications {
		declared[a.Key()] = true
	}
	for _, g := range df.d.Groups {
		declared[g.Key()] = true
	}
	live := map[model.Key]int{}
	for _, a := range df.l.Applications {
		live[a.Key()]++
	}
	for _, g := range df.l.Groups {
		live[g.Key()]++
	}
	check := func(from model.Key, pos model.Pos, what string, to model.Key) {
		switch {
		case declared[to]:
		case df.deleted[to]:
			errs.add(pos, from, "%s: %s is not in the manifests, so this plan deletes it: declare it, or stop referring to it", what, to)
		case live[to] == 0:
			errs.add(pos, from, "%s: no %s named %q in the manifests or the organization", what, to.Kind, to.Name)
		case live[to] > 1:
			// Apply resolves names to IDs; with several candidates it would have to guess.
			hint := "rename all but one"
			if what == "principal" {
				hint += ", or give the principal's ID"
			}
			errs.add(pos, from, "%s: %d %ss in the organization are named %q: %s", what, live[to], to.Kind, to.Name, hint)
		}
	}
	for _, g := range df.d.Groups {
		for _, a := range g.Members.Applications {
			check(g.Key(), g.Pos, "members", model.Key{Kind: model.KindApplication, Name: a})
		}
	}
	for _, k := range df.d.APIKeys {
		check(k.Key(), k.Pos, "application", model.Key{Kind: model.KindApplication, Name: k.Application})
	}
	liveIDs := map[string]bool{}
	for _, a := range df.l.Applications {
		liveIDs[a.ID] = true
	}
	for _, g := range df.l.Groups {
		liveIDs[g.ID] = true
	}
	for _, u := range df.l.Users {
		liveIDs[u.ID] = true
	}
	for _, p := range df.d.Policies {
		pr := p.Principal
		switch {
		case pr.Kind == model.PrincipalNone:
		case pr.ID != "":
			// A reference by ID names something outside the manifests: it must exist now.
			if !liveIDs[pr.ID] {
				errs.add(p.Pos, p.Key(), "principal: no %s with ID %s in the organization: check the ID, or create it first", pr.Kind, pr.ID)
			}
		case pr.Kind == model.PrincipalApplication, pr.Kind == model.PrincipalGroup:
			check(p.Key(), p.Pos, "principal", model.Key{Kind: model.Kind(pr.Kind), Name: pr.Name})
		}
	}
}

// appendScalar appends a change of field when old and new differ.
func appendScalar(cs []FieldChange, field, old, new string) []FieldChange {
	if old == new {
		return cs
	}
	return append(cs, FieldChange{Field: field, Old: old, New: new})
}

// appendSet appends a set change of field when the sets differ; both must be sorted sets.
func appendSet(cs []FieldChange, field string, old, new []string) []FieldChange {
	var added, removed []string
	for _, s := range new {
		if _, found := slices.BinarySearch(old, s); !found {
			added = append(added, s)
		}
	}
	for _, s := range old {
		if _, found := slices.BinarySearch(new, s); !found {
			removed = append(removed, s)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return cs
	}
	return append(cs, FieldChange{Field: field, Added: added, Removed: removed})
}

// fieldOrder is the order changes are listed in, the same for every action.
var fieldOrder = []string{FieldOwner, FieldApplication, FieldName, FieldDescription, FieldTags, FieldMembers,
	FieldPrincipal, FieldRules, FieldDefaultProject, FieldExpiry}

func sortChanges(cs []FieldChange) []FieldChange {
	slices.SortStableFunc(cs, func(a, b FieldChange) int {
		return slices.Index(fieldOrder, a.Field) - slices.Index(fieldOrder, b.Field)
	})
	return cs
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
