package access

import "github.com/iamsync/iamsync/model"

// managedGroups are the groups a manifest's {group: all-users} or {group: all-applications}
// stands for (model/managed.go) before a plan resolves it: the organization's managed group
// when o lists it, else one made up with the flag, so that manifests alone (diff-access,
// explain --manifests-only) show the policy reaching everyone o knows of.
func managedGroups(o *model.Org, ref string) []*model.Group {
	var out []*model.Group
	for _, g := range o.Groups {
		if g.ManagedRef() == ref {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		out = []*model.Group{{Name: ref, AllUsers: ref == model.AllUsersGroup, AllApplications: ref == model.AllApplicationsGroup}}
	}
	return out
}
