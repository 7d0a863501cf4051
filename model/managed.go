package model

// Scaleway's managed groups "All Users" and "All Applications" (changelog 2026-09-02;
// scaleway-sdk-go v1.39.0 Group.AllUsers, Group.AllApplications; BEHAVIOUR.md §10) reach every
// user, or every application Scaleway does not manage, of the organization, whether or not
// they list them. Manifests address them as a policy's principal by a reserved group name,
// {group: all-users} or {group: all-applications}: the SDK names them by flag, not by a name
// the API promises to keep, so the manifests name the flag. The plan resolves the reference
// to the live group's ID (plan/managed.go); no manifest may declare a group of either name
// (schema E403).
const (
	// AllUsersGroup is the manifests' name of the managed group "All Users".
	AllUsersGroup = "all-users"
	// AllApplicationsGroup is the manifests' name of the managed group "All Applications".
	AllApplicationsGroup = "all-applications"
)

// ManagedGroupNames are the reserved group names, sorted.
var ManagedGroupNames = []string{AllApplicationsGroup, AllUsersGroup}

// ManagedRef returns the reserved manifest name of g when it is one of the managed groups,
// "" otherwise.
func (g *Group) ManagedRef() string {
	switch {
	case g.AllUsers:
		return AllUsersGroup
	case g.AllApplications:
		return AllApplicationsGroup
	}
	return ""
}

// ManagedGroupRef reports whether p names a managed group the way manifests do
// ({group: all-users}): by name, not by ID or as an external reference.
func (p Principal) ManagedGroupRef() bool {
	return p.Kind == PrincipalGroup && p.ID == "" && !p.External && (p.Name == AllUsersGroup || p.Name == AllApplicationsGroup)
}

// IsManagedGroupName reports whether name is one of the reserved names.
func IsManagedGroupName(name string) bool {
	return name == AllUsersGroup || name == AllApplicationsGroup
}
