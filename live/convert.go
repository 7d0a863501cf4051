package live

import (
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"

	"github.com/iamsync/iamsync/model"
)

// toModel turns the SDK's view into a model.Org whose references are names, like the
// manifests': application and group IDs become names, user IDs emails. An ID that resolves to
// nothing (a member deleted behind our back) stays as the ID, so the diff still sees it.
func (s *snapshot) toModel(orgID string, opts ReadOptions) *model.Org {
	o := &model.Org{OrganizationID: orgID}
	appName := map[string]string{}
	for _, a := range s.apps {
		appName[a.ID] = a.Name
	}
	groupName := map[string]string{}
	for _, g := range s.groups {
		groupName[g.ID] = g.Name
	}
	userEmail := map[string]string{}
	for _, u := range s.users {
		userEmail[u.ID] = u.Email
		o.Users = append(o.Users, &model.User{ID: u.ID, Email: u.Email})
	}
	for _, p := range s.projects {
		o.Projects = append(o.Projects, &model.Project{ID: p.ID, Name: p.Name})
	}
	for _, a := range s.apps {
		owner, tags := model.SplitOwnerTag(a.Tags)
		o.Applications = append(o.Applications, &model.Application{
			Meta:        model.Meta{ID: a.ID, Owner: owner, Managed: a.Managed || !a.Editable},
			Name:        a.Name,
			Description: a.Description,
			Tags:        tags,
		})
	}
	for _, g := range s.groups {
		owner, tags := model.SplitOwnerTag(g.Tags)
		o.Groups = append(o.Groups, &model.Group{
			Meta:        model.Meta{ID: g.ID, Owner: owner, Managed: g.Managed || !g.Editable},
			Name:        g.Name,
			Description: g.Description,
			Tags:        tags,
			Members: model.Members{
				Applications: names(g.ApplicationIDs, appName),
				Users:        names(g.UserIDs, userEmail),
			},
		})
	}
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
			mp.Principal = model.Principal{Kind: model.PrincipalApplication, ID: *p.ApplicationID, Name: nameOr(*p.ApplicationID, appName)}
		case p.GroupID != nil:
			mp.Principal = model.Principal{Kind: model.PrincipalGroup, ID: *p.GroupID, Name: nameOr(*p.GroupID, groupName)}
		case p.UserID != nil:
			mp.Principal = model.Principal{Kind: model.PrincipalUser, ID: *p.UserID, Name: nameOr(*p.UserID, userEmail)}
		}
		for _, r := range s.rules[p.ID] {
			mp.Rules = append(mp.Rules, ruleToModel(r))
		}
		_, read := s.rules[p.ID]
		mp.RulesUnread = !read
		o.Policies = append(o.Policies, mp)
	}
	for _, k := range s.keys {
		// Keys of users are personal credentials, not iamsync's business (users are never managed).
		if k.ApplicationID == nil {
			continue
		}
		km, ok := model.ParseKeyMarker(k.Description)
		if !ok {
			km.Name = k.AccessKey
		}
		mk := &model.APIKey{
			Meta:           model.Meta{ID: k.AccessKey, Owner: km.Stack, Managed: k.Managed || !k.Editable},
			Application:    nameOr(*k.ApplicationID, appName),
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
	o.Normalize()
	return o
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

func names(ids []string, byID map[string]string) []string {
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
