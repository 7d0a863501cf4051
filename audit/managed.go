package audit

import (
	"fmt"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// Scaleway's managed groups "All Users" and "All Applications" (model/managed.go) reach
// everyone of their kind without listing them, so the rules that follow a group's members
// follow these by what they are: IAM101 (an admin set through one is an admin grant to every
// user, or every application, present and future), IAM301 (an application reached by a policy
// on "All Applications" is not idle), IAM302 (a managed group is never empty, whatever it
// lists) and IAM402 (nobody leaves "All Users" by being removed from it: a locked member stays
// reported only for the groups one can remove them from).

// managedRef returns model.AllUsersGroup or model.AllApplicationsGroup when the policy
// principal pr is a managed group: by its manifest name ({group: all-users}), or as a live
// group (by ID, else name) with the flag set; "" otherwise.
func (v *view) managedRef(pr model.Principal) string {
	if pr.Kind != model.PrincipalGroup {
		return ""
	}
	if pr.ManagedGroupRef() {
		return pr.Name
	}
	for _, g := range v.o.Groups {
		if (pr.ID != "" && g.ID == pr.ID) || (pr.ID == "" && g.Name == pr.Name) {
			return g.ManagedRef()
		}
	}
	return ""
}

// managedAdmin is IAM101 for an admin set given to a managed group on the organization: one
// finding on the policy rule, since the grant is to everyone of the kind rather than to a list.
func (v *view) managedAdmin(p *model.Policy, r model.Rule, set, ref string) {
	group := escape.Quote(principalName(p.Principal))
	var msg string
	if ref == model.AllUsersGroup {
		msg = fmt.Sprintf("every user of the organization holds %s on the whole organization through the managed group %s: whoever joins, invited or provisioned by SCIM, is an administrator", set, group)
	} else {
		n := 0
		for _, a := range v.o.Applications {
			if !a.Managed {
				n++
			}
		}
		msg = fmt.Sprintf("every application of the organization (%d today) holds %s on the whole organization through the managed group %s: so will any application created later, and any key of one", n, set, group)
	}
	v.emit("IAM101", p.Key(), &p.Meta, r.Pos, msg, ref+"/"+set)
}

// reachedByAllApplications reports whether a policy (other than a provider-managed one, which
// IAM301 never counted) is attached to "All Applications".
func (v *view) reachedByAllApplications() bool {
	for _, p := range v.o.Policies {
		if v.managedRef(p.Principal) == model.AllApplicationsGroup {
			return true
		}
	}
	return false
}
