package plan

import (
	"fmt"
	"time"

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
}

var kindDiffs = map[model.Kind]kindDiff{
	model.KindApplication: {fields: applicationFields},
	model.KindGroup:       {fields: groupFields},
	model.KindPolicy:      {fields: policyFields},
	model.KindAPIKey:      {fields: apiKeyFields, candidates: apiKeyCandidates, plan: planAPIKey},
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
			what = append(what, fmt.Sprintf("application differs (live %q, manifests %q)", lk.Application, k.Application))
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
