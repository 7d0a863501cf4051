package emulator

import (
	"crypto/sha256"
	"time"
)

// The managed groups "All Users" and "All Applications" (changelog 2026-09-02; SDK v1.39
// Group.AllUsers, Group.AllApplications, iam_sdk.go:1400-1404) exist in every organization.
//
//   - A policy on "All Users" reaches every user of the organization, and one on "All
//     Applications" every application that is not managed ("contains all non-managed
//     applications of the organization", iam_sdk.go:1403), whether or not the group lists
//     them (BEHAVIOUR.md §10).
//   - Their user_ids and application_ids are empty: §10 says whether the API lists their
//     members is not recorded, and issue 17 reports that an access review expanding groups
//     through the listed members sees such a grant reach nobody. The user_ids and
//     application_ids filters of GET /groups therefore do not match them either.
//   - They are managed:true, editable:false, deletable:false (Group.Managed, Editable,
//     Deletable, iam_sdk.go:1391-1398): PATCH, DELETE and every membership call are 403
//     write group, as for the managed application and policy.
//   - Their IDs derive from the organization ID, not from the seeded counter, so adding them
//     shifted no other ID, and a state file written before them gains them on load (fillNew)
//     without a journal replay giving other IDs. Their creation time is the organization's
//     (the owner user's created_at), their seq 0: they list first in creation order.
//   - They do not count toward the groups quota: Scaleway creates them, and a quota full of
//     groups the customer cannot delete would be a trap (emulator's choice; nothing public
//     says either way).

const (
	allUsersGroupName        = "All Users"
	allApplicationsGroupName = "All Applications"
)

// ensureManagedGroups adds the two managed groups when the state lacks them (a new
// organization, or a state file written before them).
func (st *state) ensureManagedGroups() {
	var haveUsers, haveApps bool
	for _, g := range st.Groups {
		haveUsers = haveUsers || g.AllUsers
		haveApps = haveApps || g.AllApplications
	}
	created := time.Time{}
	if owner := st.Users[st.OwnerUserID]; owner != nil {
		created = owner.CreatedAt
	}
	if !haveUsers {
		g := st.managedGroup("all-users", allUsersGroupName, "Every user of the Organization. Managed by Scaleway.", created)
		g.AllUsers = true
	}
	if !haveApps {
		g := st.managedGroup("all-applications", allApplicationsGroupName, "Every non-managed application of the Organization. Managed by Scaleway.", created)
		g.AllApplications = true
	}
}

func (st *state) managedGroup(slug, name, desc string, created time.Time) *group {
	id := uuidFrom(sha256.Sum256([]byte("iamsync-emulator/managed-group/" + st.OrganizationID + "/" + slug)))
	g := &group{ID: id, Seq: 0, Name: name, Description: desc, CreatedAt: created, UpdatedAt: created,
		UserIDs: []string{}, ApplicationIDs: []string{}, Tags: []string{}}
	st.Groups[id] = g
	return g
}

// managedGroupReaches reports whether managed group g reaches the bearer of key k: "All
// Users" every user's key, "All Applications" the keys of non-managed applications.
func (s *Server) managedGroupReaches(g *group, k *apiKey) bool {
	switch {
	case g.AllUsers:
		return k.UserID != "" && s.st.Users[k.UserID] != nil
	case g.AllApplications:
		a := s.st.Applications[k.ApplicationID]
		return a != nil && !a.Managed
	}
	return false
}

// ManagedGroupIDs returns the IDs of the "All Users" and "All Applications" groups, for
// tests that attach policies to them.
func (s *Server) ManagedGroupIDs() (allUsers, allApplications string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, g := range s.st.Groups {
		if g.AllUsers {
			allUsers = g.ID
		}
		if g.AllApplications {
			allApplications = g.ID
		}
	}
	return allUsers, allApplications
}
