package plan

// Identity federation: the SAML configuration, SCIM and its tokens, the login methods.
//
// These are the organization's, once each (SCIM tokens: at most two active), and carry no tag
// to mark ownership with. The stack whose manifests declare one takes the live value for its
// own (claimLive); a part the manifests leave out is left alone. So:
//
//   - SAML and SCIM: created when declared and absent, updated in place, deleted when declared
//     with enabled: false.
//   - SCIM tokens have no name in the API, only an ID and a one-year lifetime. A declared token
//     with id: is that live token; then a token whose secrets entry holds an ID (Options.
//     StoredTokens, which apply reads from its store) is the live token of that ID, or is made
//     again when that token is gone; the others take the newest live tokens no entry holds, in
//     name order (all of them, by age alone, in 'iamsync plan', which does not read the store). A live token no entry takes is deleted, before any token is created (the
//     API refuses a third active token, emulator doc.go). A token expiring within its
//     rotate_before (or expired) is replaced: the new token is created, its bearer stored,
//     then the old deleted, which needs a free slot; a plan that would need three active
//     tokens is refused as over quota.
//   - Login methods are a singleton like the security settings; the plan refuses what the
//     API would (SAML login on while SAML, as this plan leaves it, is not valid; every method
//     off).

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// claimLive gives the declaring stack the live values of the kinds its manifests claim.
func claimLive(d, l *model.Org) {
	for _, k := range model.Kinds {
		kd := kindDiffs[k]
		if kd.claimLive == nil || !kd.claimLive(d) {
			continue
		}
		for r := range l.ResourcesOf(k) {
			if m := r.Metadata(); !m.Managed {
				m.Owner = d.Stack
			}
		}
	}
}

// certificateValues are a SAML configuration's certificates as set elements, named by
// subject, fingerprint and expiry (never by their PEM, which the resource carries).
func certificateValues(cs []model.SAMLCertificate) []Value {
	out := make([]Value, len(cs))
	for i, c := range cs {
		label := model.CertificateLabel(c.PEM)
		if c.ExpiresAt != nil {
			label += ", expires " + c.ExpiresAt.UTC().Format(time.RFC3339)
		}
		out[i] = Value{Text: label}
	}
	return out
}

func samlFields(_ *differ, d, l model.Resource) []Change {
	s := d.(*model.SAML)
	if l == nil {
		cs := textChange(nil, FieldEntityID, nil, s.EntityID)
		cs = textChange(cs, FieldSSOURL, nil, s.SSOURL)
		return set(cs, FieldCertificates, nil, certificateValues(s.Certificates))
	}
	ls := l.(*model.SAML)
	cs := textChange(nil, FieldEntityID, &ls.EntityID, s.EntityID)
	cs = textChange(cs, FieldSSOURL, &ls.SSOURL, s.SSOURL)
	return set(cs, FieldCertificates, certificateValues(ls.Certificates), certificateValues(s.Certificates))
}

// planSAML and planSCIM create, update or delete the organization's configuration.
func planSAML(df *differ, v verdict, d, l model.Resource) {
	planPart(df, v, d, l, samlFields, d.(*model.SAML).Enabled, "identity_provider.saml has enabled: false")
}

func scimFields(_ *differ, _, _ model.Resource) []Change { return nil }

func planSCIM(df *differ, v verdict, d, l model.Resource) {
	// Its live tokens, which the API deletes with it, no declared token claims (the loader
	// refuses tokens beside enabled: false): each is listed as its own deletion.
	planPart(df, v, d, l, scimFields, d.(*model.SCIM).Enabled, "identity_provider.scim has enabled: false; its tokens go with it")
}

func planPart(df *differ, v verdict, d, l model.Resource, fields func(df *differ, d, l model.Resource) []Change, enabled bool, why string) {
	if !enabled {
		if l != nil && v == vUpdate {
			df.add(Action{Op: Delete, Key: d.Key(), ID: l.Metadata().ID, Pos: d.Metadata().Pos, Reason: why})
		}
		return
	}
	var changes []Change
	if l != nil {
		changes = fields(df, d, l)
	}
	df.act(v, d, l, fields(df, d, nil), changes)
}

// scimTokenCandidates finds the live token a declared one is (see the note above).
func scimTokenCandidates(df *differ, d model.Resource) ([]model.Resource, bool) {
	if lt := scimTokenMatch(df.d, df.l, df.opts.StoredTokens)[d.(*model.SCIMToken)]; lt != nil {
		return []model.Resource{lt}, false
	}
	return nil, false
}

// scimTokenMatch pairs declared tokens with live ones: by ID where the manifest gives one; then,
// for a token whose secrets entry holds an ID (stored, known in apply), the live token of that ID,
// or none when it is gone (the entry's bearer is dead: a new token is made); the others in name
// order with the newest live tokens that no entry holds.
func scimTokenMatch(d, l *model.Org, stored map[string]string) map[*model.SCIMToken]*model.SCIMToken {
	out := map[*model.SCIMToken]*model.SCIMToken{}
	taken := map[*model.SCIMToken]bool{}
	byID := map[string]*model.SCIMToken{}
	for _, t := range l.SCIMTokens {
		byID[t.ID] = t
	}
	for _, t := range d.SCIMTokens {
		if t.ID == "" {
			continue
		}
		if lt := byID[t.ID]; lt != nil {
			out[t], taken[lt] = lt, true
		}
	}
	held := map[string]bool{}
	for _, id := range stored {
		held[id] = true
	}
	byEntry := map[*model.SCIMToken]bool{}
	for _, t := range d.SCIMTokens {
		id, ok := stored[model.SCIMTokenSecretName(t)]
		if t.ID != "" || !ok {
			continue
		}
		byEntry[t] = true
		if lt := byID[id]; lt != nil && !taken[lt] {
			out[t], taken[lt] = lt, true
		}
	}
	free := slices.DeleteFunc(slices.Clone(l.SCIMTokens), func(t *model.SCIMToken) bool { return taken[t] || held[t.ID] })
	slices.SortStableFunc(free, func(a, b *model.SCIMToken) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, t := range d.SCIMTokens {
		if t.ID != "" || byEntry[t] || len(free) == 0 {
			continue
		}
		out[t], free = free[0], free[1:]
	}
	return out
}

func scimTokenFields(_ *differ, d, l model.Resource) []Change {
	if l != nil {
		return nil // nothing of a token changes in place
	}
	return []Change{{Field: FieldBearerToken, New: text(model.SCIMTokenSecretName(d.(*model.SCIMToken)))}}
}

// planSCIMToken creates a token, or replaces one that is due for rotation.
func planSCIMToken(df *differ, v verdict, d, l model.Resource) {
	t := d.(*model.SCIMToken)
	if l == nil {
		if t.ID != "" {
			df.conflict(t.Key(), t.Pos, t.ID, fmt.Sprintf("no live SCIM token has the ID %s", t.ID),
				"correct the id, or remove it to create a new token")
			return
		}
		df.act(v, d, nil, scimTokenFields(df, d, nil), nil)
		name := model.SCIMTokenSecretName(t)
		if id, ok := df.opts.StoredTokens[name]; ok && v == vCreate {
			df.plan.Actions[len(df.plan.Actions)-1].Reason = fmt.Sprintf("its secrets entry %s holds token %s, which is no longer live", name, id)
		}
		return
	}
	lt := l.(*model.SCIMToken)
	why := df.tokenRotation(t, lt)
	if why == "" || v != vUpdate {
		return
	}
	cs := []Change{{Field: FieldBearerToken, New: text(model.SCIMTokenSecretName(t))}}
	if lt.ExpiresAt != nil {
		at := lt.ExpiresAt.UTC()
		cs = append([]Change{{Field: FieldExpiry, Old: &Value{Expiry: &Expiry{At: &at}}, New: &Value{Expiry: &Expiry{In: scimTokenLifetime}}}}, cs...)
	}
	df.add(Action{Op: Replace, Key: t.Key(), ID: lt.ID, Pos: t.Pos, Resource: t, Reason: why, Changes: sortChanges(cs)})
}

// scimTokenLifetime is how long Scaleway makes a SCIM token live (documentation, emulator).
const scimTokenLifetime = 365 * 24 * time.Hour

// tokenRotation says why a live token must be replaced: --rotate, expired, or expiring within
// the declared token's rotate_before (these two need Options.Now).
func (df *differ) tokenRotation(d, l *model.SCIMToken) string {
	return df.due(d.Key(), "token", l.ExpiresAt, d.RotateBefore)
}

func loginMethodsFields(_ *differ, d, l model.Resource) []Change {
	dm := d.(*model.LoginMethods)
	lm, _ := l.(*model.LoginMethods)
	if lm == nil {
		lm = &model.LoginMethods{}
	}
	var cs []Change
	for _, f := range []struct {
		field Field
		d, l  *bool
	}{{FieldLoginPassword, dm.Password, lm.Password}, {FieldLoginOAuth2, dm.OAuth2, lm.OAuth2},
		{FieldLoginMagicCode, dm.MagicCode, lm.MagicCode}, {FieldLoginSAML, dm.SAML, lm.SAML}} {
		if f.d != nil && (f.l == nil || *f.d != *f.l) {
			var old *Value
			if f.l != nil {
				old = boolValue(*f.l)
			}
			cs = append(cs, Change{Field: f.field, Old: old, New: boolValue(*f.d)})
		}
	}
	return cs
}

// checkFederation refuses the login methods the API would refuse, words the deletion of
// unclaimed tokens, and records a plan that would hold more SCIM tokens than allowed.
func (df *differ) checkFederation(errs *errList) {
	df.checkLoginMethods(errs)
	for i, a := range df.plan.Actions {
		if a.Op == Delete && a.Key.Kind == model.KindSCIMToken {
			df.plan.Actions[i].Reason = "no declared SCIM token claims it (identity_provider.scim.tokens)"
			if df.d.SCIM != nil && !df.d.SCIM.Enabled {
				df.plan.Actions[i].Reason = "identity_provider.scim has enabled: false"
			}
		}
	}
	df.checkSCIMTokenLimit()
}

func (df *differ) checkLoginMethods(errs *errList) {
	d, l := df.d, df.l
	if d.LoginMethods == nil && d.SAML == nil {
		return // the plan changes neither: what is live is not this stack's to judge
	}
	if _, unread := l.Unread[model.KindLoginMethods]; unread || l.LoginMethods == nil {
		return // refused already when declared (Diff); nothing to judge otherwise
	}
	eff := *l.LoginMethods
	pos, key := model.Pos{}, l.LoginMethods.Key()
	if dm := d.LoginMethods; dm != nil {
		pos = dm.Pos
		for _, f := range []struct{ d, into **bool }{{&dm.Password, &eff.Password}, {&dm.OAuth2, &eff.OAuth2},
			{&dm.MagicCode, &eff.MagicCode}, {&dm.SAML, &eff.SAML}} {
			if *f.d != nil {
				*f.into = *f.d
			}
		}
	}
	on := func(b *bool) bool { return b != nil && *b }
	if !on(eff.Password) && !on(eff.OAuth2) && !on(eff.MagicCode) && !on(eff.SAML) {
		errs.add(pos, key, "every login method would be off: nobody could log in to the console; leave password, oauth2, magic_code or saml on")
		return
	}
	if !on(eff.SAML) {
		return
	}
	saml, where := l.SAML, "the organization's SAML configuration"
	if d.SAML != nil {
		saml, where = d.SAML, "identity_provider.saml"
		if pos.IsZero() {
			pos = d.SAML.Pos
		}
	}
	switch {
	case saml == nil || !saml.Enabled:
		errs.add(pos, key, "SAML login is on, but %s does not exist after this plan: set up identity_provider.saml, or turn login_methods.saml off", where)
	case !saml.Valid():
		errs.add(pos, key, "SAML login is on, but %s is not valid (%s): it needs an entity_id, an sso_url and a signing certificate", where, samlMissing(saml))
	}
}

// samlMissing says what a SAML configuration lacks, in the API's words where it has them.
func samlMissing(s *model.SAML) string {
	if s.Status != "" {
		return "status " + escape.Quote(s.Status)
	}
	var miss []string
	if s.EntityID == "" {
		miss = append(miss, "no entity_id")
	}
	if s.SSOURL == "" {
		miss = append(miss, "no sso_url")
	}
	if len(s.Certificates) == 0 {
		miss = append(miss, "no certificate")
	}
	return joinAnd(miss)
}

// checkSCIMTokenLimit replays the plan's token actions in apply's order (deletions first,
// then creations and replacements by key) and records the most tokens active at once when
// it goes over the API's limit.
func (df *differ) checkSCIMTokenLimit() {
	active := map[string]bool{}
	for _, t := range df.l.SCIMTokens {
		if df.opts.Now.IsZero() || t.ExpiresAt == nil || t.ExpiresAt.After(df.opts.Now) {
			active[t.ID] = true
		}
	}
	current := len(active)
	var grow []Action
	for _, a := range df.plan.Actions {
		switch {
		case a.Key.Kind != model.KindSCIMToken:
		case a.Op == Delete:
			delete(active, a.ID)
		case a.Op == Create || a.Op == Replace:
			grow = append(grow, a)
		}
	}
	slices.SortStableFunc(grow, func(a, b Action) int { return compareKeys(a.Key, b.Key) })
	n, peak := len(active), len(active)
	for _, a := range grow {
		n++ // a replacement's new token exists before its old one is deleted
		if n > model.MaxSCIMTokens && a.Op == Replace {
			df.warn(a.Key, a.Pos, "rotating this token creates its replacement before deleting it, which needs a third active SCIM token: remove the other token from the manifests first (apply deletes it), then rotate")
		}
		peak = max(peak, n)
		if a.Op == Replace && !active[a.ID] {
			continue // an expired token does not count, before or after
		}
		if a.Op == Replace {
			n--
		}
	}
	if peak > model.MaxSCIMTokens {
		df.plan.OverQuota = append(df.plan.OverQuota, QuotaExceeded{Kind: model.KindSCIMToken, Quota: "scim_tokens",
			Limit: model.MaxSCIMTokens, Current: current, Peak: peak})
	}
}
