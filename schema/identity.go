package schema

import (
	"fmt"

	"github.com/iamsync/iamsync/model"
)

// Coexistence with an identity provider (model/identity.go) in manifests:
//
//	users_from: identity_provider      stack-wide, like review: files that state it agree (E301)
//	groups[].members_from: identity_provider
//
// What the identity provider manages cannot also be written in the manifests: E304 names the
// field, so that nobody reads a manifest as locking a member or listing a group's members
// that iamsync will never apply.

// agreeUsersFrom sets org.UsersFrom from the files' users_from, reporting a file that disagrees
// with the first one stating it (E301).
func agreeUsersFrom(files []*file, heads []header, org *model.Org) []Diagnostic {
	var ds []Diagnostic
	var first *file
	var firstVal string
	for i, f := range files {
		val := heads[i].usersFrom
		if val == "" || f.isBad("/users_from") {
			continue
		}
		if first == nil {
			first, firstVal = f, val
			org.UsersFrom = fromValue(val)
			continue
		}
		if val != firstVal {
			ds = append(ds, Diagnostic{Pos: f.pos("/users_from"), Path: f.path("/users_from"), Code: "E301", Severity: SeverityError,
				Msg:  fmt.Sprintf("users_from %q differs from %q in %s", val, firstVal, first.pos("/users_from")),
				Hint: "a stack's members are managed by iamsync or by the identity provider: state users_from in one file, or the same in every file"})
		}
	}
	return ds
}

// fromValue is the model's spelling of users_from and members_from: "" for iamsync, the
// default, so that stating it or not is the same set.
func fromValue(v string) string {
	if v == model.FromIdentityProvider {
		return v
	}
	return ""
}

// userFieldsIdP are the member fields that create, change or lock a member: none applies when
// the identity provider manages members.
var userFieldsIdP = []string{"username", "first_name", "last_name", "tags", "locked", "send_welcome_email", "secret", "adopt"}

// identityProvider: E304.
func (c *checker) identityProvider() {
	if c.org.UsersFromIdentityProvider() {
		for _, u := range c.org.Users {
			s := c.srcs.users[u]
			n := s.f.at(s.ptr).val
			for _, name := range userFieldsIdP {
				if field(n, name) == nil {
					continue
				}
				c.add(s, "/"+name, "E304", u.Key(), fmt.Sprintf("%s: the identity provider manages members (users_from: identity_provider), so iamsync never creates, changes or locks them", name),
					"remove "+name+" (set it in the identity provider), or manage this member in another stack without users_from")
			}
		}
	}
	for _, g := range c.org.Groups {
		s := c.srcs.groups[g]
		if g.MembersFromIdentityProvider() && field(s.f.at(s.ptr).val, "members") != nil {
			c.add(s, "/members", "E304", g.Key(), fmt.Sprintf("group %s takes its members from the identity provider (members_from: identity_provider), so iamsync never sets them", g.Name),
				"remove members:, or remove members_from to have iamsync manage the members")
		}
	}
}
