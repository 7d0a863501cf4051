package plan

// Coexistence with an identity provider (model/identity.go): what the identity provider
// manages is taken from live before the comparison, so that the plan has nothing to change
// there, whatever the provider did since the last plan.
//
//   - A group with members_from: identity_provider wants the members its live namesake has
//     (the one live group of the name; none when it is to be created, which then starts
//     empty). The members compare equal, and the access review expands the live members.
//   - Under users_from: identity_provider, members are never planned: a declared member who is
//     live is only a name to refer to; one who is not (not provisioned yet, or deprovisioned)
//     is a warning, never a creation, and so is a group member who is not live: the group is
//     planned without them, and gains them in the first plan after the provider adds them.
//     No member is deleted, even one carrying this stack's ownership tag from before.

import (
	"slices"
	"strings"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// coexist rewrites desired d (a copy) as the identity provider leaves it, and returns the
// warnings that says. It runs before references are resolved: a member it drops is not one
// to resolve.
func coexist(d, l *model.Org) []Warning {
	var ws []Warning
	liveGroups := map[string][]*model.Group{}
	for _, g := range l.Groups {
		if g.ManagedRef() == "" {
			liveGroups[g.Name] = append(liveGroups[g.Name], g)
		}
	}
	for _, g := range d.Groups {
		if !g.MembersFromIdentityProvider() {
			continue
		}
		g.Members = model.Members{}
		if lg := liveGroups[g.Name]; len(lg) == 1 {
			g.Members = model.Members{Applications: slices.Clone(lg[0].Members.Applications), Users: slices.Clone(lg[0].Members.Users)}
		}
	}
	if !d.UsersFromIdentityProvider() {
		return ws
	}
	live := map[string]bool{}
	for _, u := range l.Users {
		live[strings.ToLower(u.Email)] = true
	}
	users := d.Users[:0]
	for _, u := range d.Users {
		if live[strings.ToLower(u.Email)] {
			users = append(users, u)
			continue
		}
		ws = append(ws, Warning{Key: u.Key(), Pos: u.Pos, Message: "not a member of the organization: the identity provider has not provisioned them (users_from: identity_provider), so iamsync does not create them"})
	}
	d.Users = users
	for _, g := range d.Groups {
		if g.MembersFromIdentityProvider() {
			continue
		}
		kept := g.Members.Users[:0]
		for _, email := range g.Members.Users {
			if live[strings.ToLower(email)] {
				kept = append(kept, email)
				continue
			}
			ws = append(ws, Warning{Key: g.Key(), Pos: g.Pos, Message: "member " + escape.Quote(email) + " is left out: the identity provider has not provisioned them (users_from: identity_provider); the first plan after it does adds them"})
		}
		g.Members.Users = kept
	}
	return ws
}

// plansUsers reports whether the stack plans members at all: not when the identity provider
// manages them.
func (df *differ) plansUsers() bool { return !df.d.UsersFromIdentityProvider() }

// idpGroups names the groups whose members the identity provider manages.
func idpGroups(d *model.Org) map[string]bool {
	out := map[string]bool{}
	for _, g := range d.Groups {
		if g.MembersFromIdentityProvider() {
			out[g.Name] = true
		}
	}
	return out
}
