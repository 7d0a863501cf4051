package access

import (
	"cmp"
	"slices"
	"strings"
)

// Questions people ask about access, answered from an Access (pure, as the rest of the
// package): what does one principal hold (Holding), who may use a permission set somewhere
// (Who), and who holds a high-risk grant (Admins). cmd's explain command renders the answers.

// Answer is one principal and the grants of it that answer a question.
type Answer struct {
	Principal Principal `json:"principal"`
	Grants    []Found   `json:"grants"`
}

// Found is a grant that answers a question.
type Found struct {
	Grant
	// Includes is the permission set asked about, when the grant holds a broader set that
	// includes it (Covers); absent when the grant holds the set itself.
	Includes string `json:"includes,omitempty"`
}

// Holding returns what p holds in a, and whether p holds anything. Emails are matched without
// regard to case.
func (a *Access) Holding(p Principal) (Holding, bool) {
	for _, h := range a.Holdings {
		if h.Principal.key() == p.key() {
			return h, true
		}
	}
	return Holding{Principal: p, Grants: []Grant{}}, false
}

// Covers reports whether holding set held gives every right of set asked, as far as the
// permission-set catalogue's names make certain; anything subtler is not guessed. It is the rule
// audit's IAM103 uses: a set covers itself; PFullAccess and PManager cover PReadOnly; IAMManager
// covers every other IAM set; AllProductsFullAccess covers every project-level set, and
// AllProductsReadOnly every project-level ReadOnly set. scopeType tells project-level sets
// ("projects") from organization-level ones, as Options.ScopeType; nil knows none.
func Covers(held, asked string, scopeType func(string) string) bool {
	if held == asked {
		return true
	}
	if p, ok := strings.CutSuffix(asked, "ReadOnly"); ok && (held == p+"FullAccess" || held == p+"Manager") {
		return true
	}
	if held == "IAMManager" && strings.HasPrefix(asked, "IAM") {
		return true
	}
	projectLevel := scopeType != nil && scopeType(asked) == "projects"
	switch held {
	case "AllProductsFullAccess":
		return projectLevel
	case "AllProductsReadOnly":
		return projectLevel && strings.HasSuffix(asked, "ReadOnly")
	}
	return false
}

// ScopeCovers reports whether a grant held on held applies on asked: all projects covers each
// project and, for a project-level set, the organization-wide question; a project covers
// itself only; the organization (an organization-level set) covers the organization.
func ScopeCovers(held, asked Scope) bool {
	switch asked.Kind {
	case ScopeOrganization:
		return held.Kind == ScopeOrganization || held.Kind == ScopeAllProjects
	case ScopeAllProjects:
		return held.Kind == ScopeAllProjects
	case ScopeProject:
		return held.Kind == ScopeAllProjects || held.Kind == ScopeProject && held.Project == asked.Project
	}
	return false
}

// Who answers "who can use set on scope": every principal holding set, or a broader set that
// Covers it, on a scope that covers on (any scope when on is nil), with the paths that give
// each grant. Conditions are shown, never evaluated: a conditional grant is listed. For a
// project-level set, "the organization" means all projects.
func (a *Access) Who(set string, on *Scope, scopeType func(string) string) []Answer {
	var want *Scope
	if on != nil {
		s := *on
		if s.Kind == ScopeOrganization && scopeType != nil && scopeType(set) == "projects" {
			s = Scope{Kind: ScopeAllProjects}
		}
		want = &s
	}
	var out []Answer
	for _, h := range a.Holdings {
		var found []Found
		for _, g := range h.Grants {
			if !Covers(g.PermissionSet, set, scopeType) || want != nil && !ScopeCovers(g.Scope, *want) {
				continue
			}
			f := Found{Grant: g}
			if g.PermissionSet != set {
				f.Includes = set
			}
			found = append(found, f)
		}
		if len(found) > 0 {
			out = append(out, Answer{Principal: h.Principal, Grants: found})
		}
	}
	return out
}

// Admins answers "who holds a high-risk grant": every principal with a grant of tier High,
// only those grants, each grant's paths shortest first (a direct policy before one through a
// group), and the principals ordered by their shortest path, then as Holdings are.
func (a *Access) Admins() []Answer {
	var out []Answer
	for _, h := range a.Holdings {
		var found []Found
		for _, g := range h.Grants {
			if g.Tier != High {
				continue
			}
			g.Paths = slices.Clone(g.Paths)
			slices.SortStableFunc(g.Paths, func(x, y Path) int { return cmp.Compare(pathLength(x), pathLength(y)) })
			found = append(found, Found{Grant: g})
		}
		if len(found) > 0 {
			slices.SortStableFunc(found, func(x, y Found) int { return cmp.Compare(shortest(x.Grant), shortest(y.Grant)) })
			out = append(out, Answer{Principal: h.Principal, Grants: found})
		}
	}
	slices.SortStableFunc(out, func(x, y Answer) int { return cmp.Compare(shortest(x.Grants[0].Grant), shortest(y.Grants[0].Grant)) })
	return out
}

// pathLength counts the hops from the principal to the policy: 1 when the policy names the
// principal, 2 through a group.
func pathLength(p Path) int {
	if p.Group != "" {
		return 2
	}
	return 1
}

func shortest(g Grant) int {
	n := 3
	for _, p := range g.Paths {
		n = min(n, pathLength(p))
	}
	return n
}
