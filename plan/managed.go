package plan

import (
	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// resolveManagedGroups points each policy whose principal is a managed group by its manifest
// name ({group: all-users}, model/managed.go) at the organization's managed group: its ID,
// which apply passes on as it is, and its name as the organization shows it ("All Users"), for
// the plan's text and its access review. A principal given by ID is compared by ID
// (samePrincipal), so the policy on the group matches the live one attached to it. Resolved at
// plan time because the group is Scaleway's: it exists before any apply, and a plan that
// cannot find it must say so before anything is written.
func resolveManagedGroups(d, l *model.Org, errs *errList) {
	byRef := map[string][]*model.Group{}
	for _, g := range l.Groups {
		if ref := g.ManagedRef(); ref != "" {
			byRef[ref] = append(byRef[ref], g)
		}
	}
	for _, p := range d.Policies {
		if !p.Principal.ManagedGroupRef() {
			continue
		}
		ref := p.Principal.Name
		switch gs := byRef[ref]; len(gs) {
		case 1:
			p.Principal = model.Principal{Kind: model.PrincipalGroup, ID: gs[0].ID, Name: gs[0].Name, External: true}
		case 0:
			errs.add(p.Pos, p.Key(), "principal: {group: %s} names Scaleway's managed group %s, and the organization has none (the API lists no group with %s set): attach the policy to a group of the manifests instead",
				ref, escape.Quote(managedTitle(ref)), managedFlag(ref))
		default:
			errs.add(p.Pos, p.Key(), "principal: the organization lists %d groups with %s set, so {group: %s} is ambiguous: name one with {group_id: UUID}",
				len(gs), managedFlag(ref), ref)
		}
	}
}

func managedTitle(ref string) string {
	if ref == model.AllUsersGroup {
		return "All Users"
	}
	return "All Applications"
}

func managedFlag(ref string) string {
	if ref == model.AllUsersGroup {
		return "all_users"
	}
	return "all_applications"
}
