package schema

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// permissionSetsTSV is a copy of the permission-set catalog (public data: name, scope type,
// category); the schema's permission-set enum is generated from it and a test keeps them equal.
//
//go:embed permission-sets.tsv
var permissionSetsTSV string

// ScopeType is the scope type of a permission set, as the API reports it in a rule's
// permission_sets_scope_type.
type ScopeType string

// Scope types (BEHAVIOUR.md §5.3).
const (
	// ScopeOrganization sets apply to the organization itself and cannot be scoped to projects.
	ScopeOrganization ScopeType = "organization"
	// ScopeProjects sets apply to projects: listed ones, or all of them with organization: true.
	ScopeProjects ScopeType = "projects"
)

// PermissionSet is one entry of the embedded catalog.
type PermissionSet struct {
	Name      string
	ScopeType ScopeType
	Category  string
}

var catalog = sync.OnceValue(func() map[string]PermissionSet {
	m := map[string]PermissionSet{}
	for line := range strings.Lines(permissionSetsTSV) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "name\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue // the catalog test rejects such lines
		}
		m[f[0]] = PermissionSet{Name: f[0], ScopeType: ScopeType(f[1]), Category: f[2]}
	}
	return m
})

// PermissionSets returns the embedded catalog sorted by name.
func PermissionSets() []PermissionSet {
	c := catalog()
	out := make([]PermissionSet, 0, len(c))
	for _, p := range c {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PermissionSet) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// LookupPermissionSet returns the catalog entry named name.
func LookupPermissionSet(name string) (PermissionSet, bool) {
	p, ok := catalog()[name]
	return p, ok
}

func permissionSetNames() []string {
	c := catalog()
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
