package live

import (
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
)

// toModel turns the SDK's view into a model.Org whose references are names, like the
// manifests': application and group IDs become names, user IDs emails. An ID that resolves to
// nothing (a member deleted behind our back) stays as the ID, so the diff still sees it. Each
// kind converts itself (liveKinds); the kinds the credentials could not read are recorded.
func (s *snapshot) toModel(orgID string, opts ReadOptions) *model.Org {
	o := &model.Org{OrganizationID: orgID}
	ix := &names{app: map[string]string{}, group: map[string]string{}, user: map[string]string{}}
	for _, a := range s.apps {
		ix.app[a.ID] = a.Name
	}
	for _, g := range s.groups {
		ix.group[g.ID] = g.Name
	}
	for _, u := range s.users {
		ix.user[u.ID] = u.Email
	}
	for _, k := range model.Kinds {
		if why, ok := s.unread[k]; ok {
			if o.Unread == nil {
				o.Unread = map[model.Kind]string{}
			}
			o.Unread[k] = why
			continue
		}
		liveKinds[k].convert(s, o, ix)
	}
	o.Quotas, o.QuotasUnread = s.quotas(), s.quotaUnread
	o.RunningAsUser = s.runningAs()
	o.Normalize()
	return o
}

// names maps the IDs of a snapshot to the names references use.
type names struct {
	app, group map[string]string // ID → name
	user       map[string]string // ID → email
}

func convertSecuritySettings(s *snapshot, o *model.Org, _ *names) {
	st := s.settings
	if st == nil {
		return
	}
	renewal, attempts := st.EnforcePasswordRenewal, st.LoginAttemptsBeforeLocked
	o.SecuritySettings = &model.SecuritySettings{
		Meta:                      model.Meta{ID: o.OrganizationID},
		EnforcePasswordRenewal:    &renewal,
		GracePeriod:               duration(st.GracePeriodDuration),
		LoginAttemptsBeforeLocked: &attempts,
		MaxLoginSession:           duration(st.MaxLoginSessionDuration),
		MaxAPIKeyExpiration:       duration(st.MaxAPIKeyExpirationDuration),
	}
}

func convertSSHKeys(s *snapshot, o *model.Org, _ *names) {
	for _, k := range s.sshKeys {
		name, owner := model.ParseSSHKeyName(k.Name)
		mk := &model.SSHKey{Meta: model.Meta{ID: k.ID, Owner: owner}, Name: name, PublicKey: k.PublicKey,
			Project: k.ProjectID, Disabled: k.Disabled, Fingerprint: k.Fingerprint}
		if k.CreatedAt != nil {
			mk.CreatedAt = k.CreatedAt.UTC()
		}
		o.SSHKeys = append(o.SSHKeys, mk)
	}
}

func convertApplications(s *snapshot, o *model.Org, _ *names) {
	for _, a := range s.apps {
		owner, tags := model.SplitOwnerTag(a.Tags)
		o.Applications = append(o.Applications, &model.Application{
			Meta:        model.Meta{ID: a.ID, Owner: owner, Managed: a.Managed || !a.Editable},
			Name:        a.Name,
			Description: a.Description,
			Tags:        tags,
		})
	}
}

func convertGroups(s *snapshot, o *model.Org, ix *names) {
	for _, g := range s.groups {
		owner, tags := model.SplitOwnerTag(g.Tags)
		o.Groups = append(o.Groups, &model.Group{
			Meta:        model.Meta{ID: g.ID, Owner: owner, Managed: g.Managed || !g.Editable},
			Name:        g.Name,
			Description: g.Description,
			Tags:        tags,
			Members: model.Members{
				Applications: namesOf(g.ApplicationIDs, ix.app),
				Users:        namesOf(g.UserIDs, ix.user),
			},
			// BEHAVIOUR.md §10: such a group reaches members it may not list (access expands it).
			AllUsers: g.AllUsers, AllApplications: g.AllApplications,
		})
	}
}

func convertPolicies(s *snapshot, o *model.Org, ix *names) {
	for _, p := range s.policies {
		owner, tags := model.SplitOwnerTag(p.Tags)
		mp := &model.Policy{
			Meta:        model.Meta{ID: p.ID, Owner: owner, Managed: p.Managed || !p.Editable},
			Name:        p.Name,
			Description: p.Description,
			Tags:        tags,
		}
		// Principal fields are exclusive and absent when unused (BEHAVIOUR.md §4, trap 10).
		switch {
		case p.ApplicationID != nil:
			mp.Principal = model.Principal{Kind: model.PrincipalApplication, ID: *p.ApplicationID, Name: nameOr(*p.ApplicationID, ix.app)}
		case p.GroupID != nil:
			mp.Principal = model.Principal{Kind: model.PrincipalGroup, ID: *p.GroupID, Name: nameOr(*p.GroupID, ix.group)}
		case p.UserID != nil:
			mp.Principal = model.Principal{Kind: model.PrincipalUser, ID: *p.UserID, Name: nameOr(*p.UserID, ix.user)}
		}
		for _, r := range s.rules[p.ID] {
			mp.Rules = append(mp.Rules, ruleToModel(r))
		}
		_, read := s.rules[p.ID]
		mp.RulesUnread = !read
		o.Policies = append(o.Policies, mp)
	}
}

// runningAs is the user whose personal key iamsync runs with, if it does: the plan must not
// delete or lock them.
func (s *snapshot) runningAs() string {
	for _, k := range s.keys {
		if k.ApplicationID == nil && k.UserID != nil && k.AccessKey == s.self {
			return *k.UserID
		}
	}
	return ""
}

func convertAPIKeys(s *snapshot, o *model.Org, ix *names) {
	for _, k := range s.keys {
		// Keys of users are personal credentials, not iamsync's business (runningAs reads
		// the one iamsync runs with).
		if k.ApplicationID == nil {
			continue
		}
		km, ok := model.ParseKeyMarker(k.Description)
		if !ok {
			km.Name = k.AccessKey
		}
		mk := &model.APIKey{
			Meta:           model.Meta{ID: k.AccessKey, Owner: km.Stack, Managed: k.Managed || !k.Editable},
			Application:    nameOr(*k.ApplicationID, ix.app),
			Name:           km.Name,
			Description:    km.Desc,
			RetiredUntil:   km.RetiredUntil,
			DefaultProject: k.DefaultProjectID,
			ExpiresAt:      utc(k.ExpiresAt),
		}
		if k.CreatedAt != nil {
			mk.CreatedAt = k.CreatedAt.UTC()
		}
		o.APIKeys = append(o.APIKeys, mk)
	}
}

// quotaKinds maps the IAM quota names to the kinds they count. No public source names the IAM
// quota (emulator doc.go, Quotas): these are the emulator's names, a guess to check against the
// real API; a quota of another name is ignored, and then nothing is refused at plan time.
var quotaKinds = map[string]model.Kind{
	"applications": model.KindApplication, "groups": model.KindGroup, "policies": model.KindPolicy,
	"users": model.KindUser, "api_keys": model.KindAPIKey, "ssh_keys": model.KindSSHKey,
}

// quotas returns the limited quotas with what the organization holds of each kind now.
func (s *snapshot) quotas() map[model.Kind]model.Quota {
	count := map[model.Kind]int{}
	for k, lk := range liveKinds {
		count[k] = lk.count(s)
	}
	var out map[model.Kind]model.Quota
	for _, q := range s.quota {
		kind, ok := quotaKinds[q.Name]
		if _, unread := s.unread[kind]; unread {
			// What the organization holds of the kind is unknown: "0 of 10" would be a guess.
			continue
		}
		if !ok || q.Limit == nil || (q.Unlimited != nil && *q.Unlimited) {
			continue
		}
		if out == nil {
			out = map[model.Kind]model.Quota{}
		}
		out[kind] = model.Quota{Name: q.Name, Limit: *q.Limit, Current: count[kind]}
	}
	return out
}

// userToModel reads a user. The owner is read-only to iamsync: it cannot be locked or deleted
// (BEHAVIOUR.md §4: owner type; the emulator's doc.go, Members).
func userToModel(u *iam.User) *model.User {
	owner, tags := model.SplitOwnerTag(u.Tags)
	mu := &model.User{
		Meta:  model.Meta{ID: u.ID, Owner: owner, Managed: u.Type == iam.UserTypeOwner},
		Email: u.Email, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
		Tags: tags, Locked: u.Locked, Type: string(u.Type), MFA: u.Mfa, LastLoginAt: utc(u.LastLoginAt),
	}
	if u.CreatedAt != nil {
		mu.CreatedAt = u.CreatedAt.UTC()
	}
	return mu
}

func duration(d *scw.Duration) *time.Duration {
	v := time.Duration(0)
	if d != nil {
		if t := d.ToTimeDuration(); t != nil && *t > 0 {
			v = *t
		}
	}
	return &v
}

// ruleToModel reads a rule's scope from the field that is present; the reported
// permission_sets_scope_type is ignored because it follows the permission sets, not the scope
// (BEHAVIOUR.md §5.3, trap 4).
func ruleToModel(r *iam.Rule) model.Rule {
	mr := model.Rule{Condition: r.Condition}
	if r.PermissionSetNames != nil {
		mr.PermissionSets = append([]string{}, *r.PermissionSetNames...)
	}
	switch {
	case r.OrganizationID != nil:
		mr.Organization = true
	case r.ProjectIDs != nil:
		mr.Projects = append([]string{}, *r.ProjectIDs...)
	}
	return mr
}

func namesOf(ids []string, byID map[string]string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, nameOr(id, byID))
	}
	return out
}

func nameOr(id string, byID map[string]string) string {
	if n, ok := byID[id]; ok {
		return n
	}
	return id
}

// utc drops the zone and precision differences between what was sent and what is returned
// (BEHAVIOUR.md §4, trap 7); the diff compares instants.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
