package export

import "github.com/iamsync/iamsync/model"

// exportPrincipal is principal, except for a policy on one of Scaleway's managed groups: the
// export writes {group: all-users} or {group: all-applications} (model/managed.go), which
// loads without declaring the group (Scaleway's, never exported) and resolves to it again.
func exportPrincipal(o *model.Org, p model.Principal) model.Principal {
	if p.Kind == model.PrincipalGroup {
		for _, g := range o.Groups {
			if ref := g.ManagedRef(); ref != "" && ((p.ID != "" && g.ID == p.ID) || (p.ID == "" && g.Name == p.Name)) {
				return model.Principal{Kind: model.PrincipalGroup, Name: ref}
			}
		}
	}
	return principal(p)
}
