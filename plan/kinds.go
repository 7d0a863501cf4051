package plan

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// kindDiff is what the differ knows of one kind beyond the generic routine (differ.resource):
// the one table a new kind is added to in this package.
type kindDiff struct {
	// fields lists the changes that turn live l into desired d, both normalized and of this
	// kind; with l nil, the fields a creation sets.
	fields func(df *differ, d, l model.Resource) []Change
	// candidates, when set, finds the live resources d may be, and whether d names one
	// explicitly (by ID); by default, the live resources with d's key.
	candidates func(df *differ, d model.Resource) (cands []model.Resource, explicitID bool)
	// plan, when set, replaces the generic action-making once the verdict is known (API keys:
	// replacements and rotations); l is the chosen candidate or nil.
	plan func(df *differ, v verdict, d, l model.Resource)
	// adoptUnowned takes over a live resource of the name that nobody owns without adopt:
	// true (members: a person's account is never recreated, so adopting is the only way).
	adoptUnowned bool
	// singleton kinds exist once per organization, are never created or deleted, and are
	// the declaring stack's (security settings).
	singleton bool
	// claimLive, when it reports true for the desired organization, makes every live value of
	// the kind the declaring stack's (federation.go): organization-wide settings that carry
	// no tag, such as the SAML and SCIM configurations and SCIM tokens.
	claimLive func(d *model.Org) bool
	// deleteFirst runs the kind's deletions before its creations and replacements rather
	// than in the last phase: nothing refers to such a resource, and the API caps how many
	// may exist at once (SCIM tokens).
	deleteFirst bool
}

var kindDiffs = map[model.Kind]kindDiff{
	model.KindSecuritySettings: {fields: securitySettingsFields, singleton: true},
	model.KindProject:          {fields: projectFields},
	model.KindApplication:      {fields: applicationFields},
	model.KindUser:             {fields: userFields, adoptUnowned: true},
	model.KindGroup:            {fields: groupFields},
	model.KindSSHKey:           {fields: sshKeyFields, plan: planSSHKey},
	model.KindAPIKey:           {fields: apiKeyFields, candidates: apiKeyCandidates, plan: planAPIKey},
	model.KindPolicy:           {fields: policyFields},
	model.KindSAML:             {fields: samlFields, plan: planSAML, claimLive: func(d *model.Org) bool { return d.SAML != nil }},
	model.KindSCIM:             {fields: scimFields, plan: planSCIM, claimLive: func(d *model.Org) bool { return d.SCIM != nil }},
	model.KindSCIMToken: {fields: scimTokenFields, candidates: scimTokenCandidates, plan: planSCIMToken,
		claimLive: func(d *model.Org) bool { return d.SCIM != nil }, deleteFirst: true},
	model.KindLoginMethods: {fields: loginMethodsFields, singleton: true},
}

// description and tags are compared the same way on every kind that has them.
func describedFields(cs []Change, dDesc, lDesc string, dTags, lTags []string, creating bool) []Change {
	if creating {
		cs = textChange(cs, FieldDescription, nil, dDesc)
		return set(cs, FieldTags, nil, tagValues(dTags))
	}
	cs = textChange(cs, FieldDescription, &lDesc, dDesc)
	return set(cs, FieldTags, tagValues(lTags), tagValues(dTags))
}

func applicationFields(_ *differ, d, l model.Resource) []Change {
	a := d.(*model.Application)
	if l == nil {
		return describedFields(nil, a.Description, "", a.Tags, nil, true)
	}
	la := l.(*model.Application)
	return describedFields(nil, a.Description, la.Description, a.Tags, la.Tags, false)
}

func groupFields(_ *differ, d, l model.Resource) []Change {
	g := d.(*model.Group)
	if l == nil {
		cs := describedFields(nil, g.Description, "", g.Tags, nil, true)
		return set(cs, FieldMembers, nil, memberValues(g.Members))
	}
	lg := l.(*model.Group)
	cs := describedFields(nil, g.Description, lg.Description, g.Tags, lg.Tags, false)
	return set(cs, FieldMembers, memberValues(lg.Members), memberValues(g.Members))
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

func policyFields(_ *differ, d, l model.Resource) []Change {
	p := d.(*model.Policy)
	principal := p.Principal
	if l == nil {
		cs := describedFields(nil, p.Description, "", p.Tags, nil, true)
		cs = append(cs, Change{Field: FieldPrincipal, New: &Value{Principal: &principal}})
		return set(cs, FieldRules, nil, ruleValues(p.Rules))
	}
	lp := l.(*model.Policy)
	cs := describedFields(nil, p.Description, lp.Description, p.Tags, lp.Tags, false)
	if !samePrincipal(p.Principal, lp.Principal) {
		old := lp.Principal
		cs = append(cs, Change{Field: FieldPrincipal, Old: &Value{Principal: &old}, New: &Value{Principal: &principal}})
	}
	return set(cs, FieldRules, ruleValues(lp.Rules), ruleValues(p.Rules))
}

// apiKeyFields are the fields of a key that change in place (name, description, default
// project); on a creation, every field the new key gets.
func apiKeyFields(_ *differ, d, l model.Resource) []Change {
	k := d.(*model.APIKey)
	if l == nil {
		cs := []Change{{Field: FieldApplication, New: text(k.Application)}}
		cs = textChange(cs, FieldDescription, nil, k.Description)
		if k.DefaultProject != "" {
			cs = append(cs, Change{Field: FieldDefaultProject, New: &Value{Project: k.DefaultProject}})
		}
		return append(cs, Change{Field: FieldExpiry, New: &Value{Expiry: keyExpiry(k)}})
	}
	lk := l.(*model.APIKey)
	// A key taken by access key may carry another name (or none, if unmarked): the name lives
	// in the description marker, rewritten in place.
	cs := textChange(nil, FieldName, &lk.Name, k.Name)
	cs = textChange(cs, FieldDescription, &lk.Description, k.Description)
	if k.DefaultProject != "" && k.DefaultProject != lk.DefaultProject {
		// A desired key without a default project takes the API's default: not compared.
		cs = append(cs, Change{Field: FieldDefaultProject, Old: &Value{Project: lk.DefaultProject}, New: &Value{Project: k.DefaultProject}})
	}
	return cs
}

func apiKeyCandidates(df *differ, d model.Resource) ([]model.Resource, bool) {
	k := d.(*model.APIKey)
	explicit := k.ID != ""
	found := df.byKey[k.Key()]
	if explicit {
		found = df.keysByAccessKey[k.ID]
	}
	var out []model.Resource
	for _, r := range found {
		if lk := r.(*model.APIKey); lk.RetiredUntil != nil && lk.Owner == df.stack {
			// A key a rotation superseded is no longer this manifest entry's key.
			continue
		}
		out = append(out, r)
	}
	// With an explicit access key, a key of this stack with the same name but another access
	// key is not a candidate: it stays unclaimed and is deleted, superseded by the named one.
	return out, explicit
}

// planAPIKey plans a key: an in-place update when only the name, description or default
// project differ; a replacement when the application or the expiry differ (the API cannot
// change them in place) or a rotation is due.
func planAPIKey(df *differ, v verdict, d, l model.Resource) {
	k := d.(*model.APIKey)
	create := apiKeyFields(df, d, nil)
	if l == nil {
		df.act(v, d, nil, create, nil)
		return
	}
	lk := l.(*model.APIKey)
	changes := apiKeyFields(df, d, l)
	var fixed []Change
	if lk.Application != k.Application {
		fixed = append(fixed, Change{Field: FieldApplication, Old: text(lk.Application), New: text(k.Application)})
	}
	expiryDiffers := !sameExpiry(k, lk)
	expiryChange := Change{Field: FieldExpiry, Old: &Value{Expiry: keyExpiry(lk)}, New: &Value{Expiry: keyExpiry(k)}}
	if expiryDiffers {
		fixed = append(fixed, expiryChange)
	}
	rotate := df.rotation(k, lk)
	if !df.opts.Now.IsZero() && k.ExpiresAt != nil && !k.ExpiresAt.After(df.opts.Now) {
		df.warn(k.Key(), k.Pos, "the key's expires_at (%s) is in the past", expiryString(k))
	}
	if len(fixed) == 0 && rotate == "" {
		df.act(v, d, l, create, changes)
		return
	}
	if v == vAdopt {
		// Adoption never replaces (see ownership.go): the key may be in use.
		var what []string
		if lk.Application != k.Application {
			what = append(what, fmt.Sprintf("application differs (live %s, manifests %s)", escape.Quote(lk.Application), escape.Quote(k.Application)))
		}
		if expiryDiffers {
			what = append(what, fmt.Sprintf("expiry differs (live %q, manifests %q)", expiryString(lk), expiryString(k)))
		}
		if rotate != "" {
			what = append(what, rotate)
		}
		df.conflict(k.Key(), k.Pos, lk.ID, fmt.Sprintf("cannot adopt the key in place: %s", joinAnd(what)),
			"make the manifest match the live key, or remove adopt and id to create a new key")
		return
	}
	if v != vUpdate {
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
		all = []Change{expiryChange}
	}
	a := Action{Op: Replace, Key: k.Key(), ID: lk.ID, Pos: k.Pos, Reason: reason, Changes: sortChanges(all), Resource: k}
	if df.opts.KeepOld > 0 && !df.opts.Now.IsZero() {
		until := df.opts.Now.Add(df.opts.KeepOld).UTC().Truncate(time.Second)
		a.RetireUntil = &until
		a.Reason += fmt.Sprintf("; the old key is kept until %s", until.Format(time.RFC3339))
	}
	df.add(a)
}

// userFields compares members. Username and names are compared only when the manifest gives
// them (a member may edit their own profile); tags and locked always.
func userFields(_ *differ, d, l model.Resource) []Change {
	u := d.(*model.User)
	if l == nil {
		cs := textChange(nil, FieldUsername, nil, u.Username)
		cs = textChange(cs, FieldFirstName, nil, u.FirstName)
		cs = textChange(cs, FieldLastName, nil, u.LastName)
		cs = set(cs, FieldTags, nil, tagValues(u.Tags))
		if u.Locked {
			cs = append(cs, Change{Field: FieldLocked, New: boolValue(true)})
		}
		if u.SendWelcomeEmail {
			return append(cs, Change{Field: FieldWelcomeEmail, New: boolValue(true)})
		}
		return append(cs, Change{Field: FieldPassword, New: text(model.UserSecretName(u))})
	}
	lu := l.(*model.User)
	var cs []Change
	for _, f := range []struct {
		field    Field
		old, new string
	}{{FieldUsername, lu.Username, u.Username}, {FieldFirstName, lu.FirstName, u.FirstName}, {FieldLastName, lu.LastName, u.LastName}} {
		if f.new != "" {
			cs = textChange(cs, f.field, &f.old, f.new)
		}
	}
	cs = set(cs, FieldTags, tagValues(lu.Tags), tagValues(u.Tags))
	if lu.Locked != u.Locked {
		cs = append(cs, Change{Field: FieldLocked, Old: boolValue(lu.Locked), New: boolValue(u.Locked)})
	}
	// Locking does not end the sessions a member has open (live/sessions.go): a member the
	// manifests lock has none, whether the lock is new or was set before (by hand, or by an
	// iamsync that did not revoke). Unread counts (nil) are left to apply, which lists the
	// sessions again after a lock anyway.
	if u.Locked && lu.Sessions != nil && *lu.Sessions > 0 {
		open, none := uint64(*lu.Sessions), uint64(0)
		cs = append(cs, Change{Field: FieldSessions, Old: &Value{Number: &open}, New: &Value{Number: &none}})
	}
	return cs
}

// sshKeyFields compares SSH keys: the name and disabled change in place; the public key and
// the project cannot (the API has no field for them in an update), so planSSHKey replaces.
func sshKeyFields(_ *differ, d, l model.Resource) []Change {
	k := d.(*model.SSHKey)
	if l == nil {
		cs := []Change{{Field: FieldPublicKey, New: text(k.PublicKey)}}
		if k.Project != "" {
			cs = append(cs, Change{Field: FieldProject, New: &Value{Project: k.Project}})
		}
		if k.Disabled {
			cs = append(cs, Change{Field: FieldDisabled, New: boolValue(true)})
		}
		return cs
	}
	lk := l.(*model.SSHKey)
	var cs []Change
	if lk.Disabled != k.Disabled {
		cs = append(cs, Change{Field: FieldDisabled, Old: boolValue(lk.Disabled), New: boolValue(k.Disabled)})
	}
	return cs
}

func planSSHKey(df *differ, v verdict, d, l model.Resource) {
	k := d.(*model.SSHKey)
	create := sshKeyFields(df, d, nil)
	if l == nil {
		df.act(v, d, nil, create, nil)
		return
	}
	lk := l.(*model.SSHKey)
	var fixed []Change
	if lk.PublicKey != k.PublicKey {
		fixed = append(fixed, Change{Field: FieldPublicKey, Old: text(lk.PublicKey), New: text(k.PublicKey)})
	}
	// No project in the manifest is the default project, whose ID is the organization's
	// (BEHAVIOUR.md §4).
	project := k.Project
	if project == "" {
		project = df.projectLabel(df.l.OrganizationID)
	}
	if project != "" && lk.Project != project {
		fixed = append(fixed, Change{Field: FieldProject, Old: &Value{Project: lk.Project}, New: &Value{Project: project}})
	}
	changes := sshKeyFields(df, d, l)
	if len(fixed) == 0 {
		df.act(v, d, l, create, changes)
		return
	}
	if v == vAdopt {
		df.conflict(k.Key(), k.Pos, lk.ID, "cannot adopt the SSH key in place: its public key or project differs from the manifest's",
			"make the manifest match the live key, or remove adopt to add a new key")
		return
	}
	df.add(Action{Op: Replace, Key: k.Key(), ID: lk.ID, Pos: k.Pos, Resource: k,
		Reason: "the public key and project of an SSH key cannot be changed in place", Changes: sortChanges(append(fixed, changes...))})
}

// securitySettingsFields lists the settings the manifest gives that differ from live.
func securitySettingsFields(_ *differ, d, l model.Resource) []Change {
	ds := d.(*model.SecuritySettings)
	ls, _ := l.(*model.SecuritySettings)
	if ls == nil {
		ls = &model.SecuritySettings{}
	}
	var cs []Change
	boolField := func(f Field, d, l *bool) {
		if d != nil && (l == nil || *d != *l) {
			var old *Value
			if l != nil {
				old = boolValue(*l)
			}
			cs = append(cs, Change{Field: f, Old: old, New: boolValue(*d)})
		}
	}
	durField := func(f Field, d, l *time.Duration) {
		if d != nil && (l == nil || *d != *l) {
			var old *Value
			if l != nil {
				old = &Value{Duration: l}
			}
			cs = append(cs, Change{Field: f, Old: old, New: &Value{Duration: d}})
		}
	}
	boolField(FieldPasswordRenewal, ds.EnforcePasswordRenewal, ls.EnforcePasswordRenewal)
	durField(FieldGracePeriod, ds.GracePeriod, ls.GracePeriod)
	if d, l := ds.LoginAttemptsBeforeLocked, ls.LoginAttemptsBeforeLocked; d != nil && (l == nil || *d != *l) {
		var old *Value
		if l != nil {
			n := uint64(*l)
			old = &Value{Number: &n}
		}
		n := uint64(*d)
		cs = append(cs, Change{Field: FieldLoginAttempts, Old: old, New: &Value{Number: &n}})
	}
	durField(FieldMaxLoginSession, ds.MaxLoginSession, ls.MaxLoginSession)
	durField(FieldMaxKeyLifetime, ds.MaxAPIKeyExpiration, ls.MaxAPIKeyExpiration)
	return cs
}

// KeySecretName is the secrets-file entry for k: its manifest's secret, or one derived from
// its application and name.
func KeySecretName(k *model.APIKey) string {
	if k.Secret != "" {
		return k.Secret
	}
	return model.EnvName(k.Application + "_" + k.Name)
}
