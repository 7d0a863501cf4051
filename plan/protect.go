package plan

import (
	"fmt"
	"slices"

	"github.com/iamsync/iamsync/model"
)

// Self-protection. Whatever the manifests say, a plan never cuts the branch iamsync sits on:
// it does not delete (or replace) the API key it runs with, nor that key's application, nor the
// last grants that give the application its IAM rights. A plan that would is trimmed, and a
// warning says what was kept and why, so the reader can make the change with other credentials.

// adminSets are the permission sets that let iamsync manage IAM when granted at organization
// scope.
var adminSets = []string{"IAMManager", "OrganizationManager"}

func grantsAdmin(rules []model.Rule) bool {
	for _, r := range rules {
		if !r.Organization {
			continue
		}
		for _, s := range r.PermissionSets {
			if slices.Contains(adminSets, s) {
				return true
			}
		}
	}
	return false
}

func (df *differ) protectSelf() {
	if df.opts.Self == "" {
		return
	}
	var self *model.APIKey
	for _, k := range df.l.APIKeys {
		if k.ID == df.opts.Self {
			self = k
		}
	}
	if self == nil {
		// A user's personal key: users are never managed, so nothing here can remove it.
		return
	}
	appKey := model.Key{Kind: model.KindApplication, Name: self.Application}
	// Groups the application is in, and the live policies that give it admin rights directly
	// or through one of those groups.
	inGroup := map[string]bool{}
	for _, g := range df.l.Groups {
		if slices.Contains(g.Members.Applications, self.Application) {
			inGroup[g.Name] = true
		}
	}
	reaches := func(p model.Principal) bool {
		return (p.Kind == model.PrincipalApplication && p.Name == self.Application) ||
			(p.Kind == model.PrincipalGroup && inGroup[p.Name])
	}
	grants := map[string]bool{} // live policy name → grants admin rights to the application
	for _, p := range df.l.Policies {
		if reaches(p.Principal) && grantsAdmin(p.Rules) {
			grants[p.Name] = true
		}
	}
	remaining := len(grants)
	keep := func(a Action, why string) {
		df.warn(a.Key, a.Pos, "not %s: %s", opPast(a.Op), why)
		delete(df.deleted, a.Key)
	}
	var out []Action
	for _, a := range df.plan.Actions {
		switch {
		case a.Key.Kind == model.KindAPIKey && a.ID == self.ID && a.Op.Destructive():
			keep(a, fmt.Sprintf("iamsync is running with this API key (%s)", self.ID))
			continue
		case a.Key == appKey && a.Op == Delete:
			keep(a, fmt.Sprintf("it holds the API key iamsync is running with (%s)", self.ID))
			continue
		case a.Key.Kind == model.KindPolicy && grants[a.Key.Name] && remaining == 1 && strips(a, reaches):
			keep(a, fmt.Sprintf("it is the last policy giving application %s, which iamsync runs as, its IAM rights", self.Application))
			continue
		case a.Key.Kind == model.KindPolicy && grants[a.Key.Name] && strips(a, reaches):
			remaining--
		case a.Key.Kind == model.KindGroup && inGroup[a.Key.Name] && leaves(a, self.Application) && groupIsLastGrant(df, a.Key.Name, grants, remaining):
			keep(a, fmt.Sprintf("application %s, which iamsync runs as, gets its IAM rights through this group", self.Application))
			continue
		}
		out = append(out, a)
	}
	df.plan.Actions = out
}

// strips reports whether a takes a policy's admin grant away from the application.
func strips(a Action, reaches func(model.Principal) bool) bool {
	switch a.Op {
	case Delete, Replace:
		return true
	case Update, Adopt:
		p, ok := a.Resource.(*model.Policy)
		return ok && (!reaches(p.Principal) || !grantsAdmin(p.Rules))
	}
	return false
}

// leaves reports whether a deletes the group or removes app from its members.
func leaves(a Action, app string) bool {
	if a.Op == Delete {
		return true
	}
	g, ok := a.Resource.(*model.Group)
	return ok && !slices.Contains(g.Members.Applications, app)
}

// groupIsLastGrant reports whether every remaining admin grant goes through group.
func groupIsLastGrant(df *differ, group string, grants map[string]bool, remaining int) bool {
	through := 0
	for _, p := range df.l.Policies {
		if grants[p.Name] && p.Principal.Kind == model.PrincipalGroup && p.Principal.Name == group {
			through++
		}
	}
	return through > 0 && through >= remaining
}

func opPast(o Op) string {
	switch o {
	case Create:
		return "created"
	case Update:
		return "updated"
	case Replace:
		return "replaced"
	case Delete:
		return "deleted"
	case Adopt:
		return "adopted"
	}
	return o.String()
}

// protectSelfUser keeps the member whose personal API key iamsync runs with: deleting or
// locking them would end the run's own rights midway (a locked member's keys are refused).
func (df *differ) protectSelfUser() {
	id := df.l.RunningAsUser
	if id == "" {
		return
	}
	var out []Action
	for _, a := range df.plan.Actions {
		if a.Key.Kind == model.KindUser && a.ID == id {
			u, _ := a.Resource.(*model.User)
			if a.Op == Delete || (u != nil && u.Locked && a.Changed(FieldLocked)) {
				what := "deleted"
				if a.Op != Delete {
					what = "locked"
				}
				df.warn(a.Key, a.Pos, "not %s: iamsync is running with this member's personal API key", what)
				delete(df.deleted, a.Key)
				continue
			}
		}
		out = append(out, a)
	}
	df.plan.Actions = out
}
