package access

import (
	"slices"

	"github.com/iamsync/iamsync/model"
)

// FormatVersion is the version of the JSON form of Report (FORMAT.md).
const FormatVersion = 1

// Report is the difference in access between two organizations: per principal, the grants
// gained and lost. It is data, serialisable as it is (FORMAT.md); only the renderers format it.
type Report struct {
	FormatVersion int     `json:"format_version"`
	Summary       Summary `json:"summary"`
	// Changes are sorted by principal (applications, groups, users, then name); a principal
	// whose grants are the same on both sides is left out.
	Changes []Change `json:"changes"`
	// Unattached names the policies attached to no principal after the change that were not
	// so before: they grant nothing, but one edit gives their rules to someone.
	Unattached []string `json:"unattached_policies"`
}

// Change is one principal's gained and lost grants. Gained grants carry the paths that give
// them after the change, lost ones the paths that gave them before. Both lists put the riskiest
// grants first.
type Change struct {
	Principal Principal `json:"principal"`
	Gained    []Grant   `json:"gained"`
	Lost      []Grant   `json:"lost"`
}

// Summary counts a report's changes.
type Summary struct {
	Principals   int `json:"principals"`
	Gained       int `json:"gained"`
	Lost         int `json:"lost"`
	GainedHigh   int `json:"gained_high"`
	GainedMedium int `json:"gained_medium"`
	GainedLow    int `json:"gained_low"`
	// HighestGained is the tier of the riskiest gained grant; absent when nothing is gained.
	HighestGained Tier `json:"highest_gained,omitempty"`
}

// Empty reports whether no principal gains or loses anything.
func (r *Report) Empty() bool { return len(r.Changes) == 0 }

// Gains counts the grants gained at tier min or above: what a no-new-access gate fails on.
func (r *Report) Gains(min Tier) int {
	n := 0
	for _, c := range r.Changes {
		for _, g := range c.Gained {
			if g.Tier >= min {
				n++
			}
		}
	}
	return n
}

// Diff compares the access before and after a change. Principals given only by ID on one side
// are matched by name through both organizations' lookups, and projects are labelled over both
// organizations' project lists (Options.ProjectLabel), so that a plan's desired organization
// (project names) compares with the live one (project IDs).
func Diff(before, after *model.Org, opts Options) *Report {
	nm := newNames(before, after)
	opts = resolveOptions(opts, before, after)
	return compare(compute(before, nm, opts), compute(after, nm, opts))
}

// compare diffs two computed accesses by grant identity.
func compare(before, after *Access) *Report {
	rep := &Report{FormatVersion: FormatVersion, Changes: []Change{}, Unattached: []string{}}
	type side struct {
		p      Principal
		before map[string]Grant
		after  map[string]Grant
	}
	byKey := map[string]*side{}
	get := func(p Principal) *side {
		s := byKey[p.key()]
		if s == nil {
			s = &side{p: p, before: map[string]Grant{}, after: map[string]Grant{}}
			byKey[p.key()] = s
		}
		return s
	}
	for _, h := range before.Holdings {
		s := get(h.Principal)
		for _, g := range h.Grants {
			s.before[g.key()] = g
		}
	}
	for _, h := range after.Holdings {
		s := get(h.Principal)
		s.p = h.Principal // the new side's spelling of an email
		for _, g := range h.Grants {
			s.after[g.key()] = g
		}
	}
	for _, s := range byKey {
		c := Change{Principal: s.p, Gained: []Grant{}, Lost: []Grant{}}
		for k, g := range s.after {
			if _, ok := s.before[k]; !ok {
				c.Gained = append(c.Gained, g)
			}
		}
		for k, g := range s.before {
			if _, ok := s.after[k]; !ok {
				c.Lost = append(c.Lost, g)
			}
		}
		if len(c.Gained) == 0 && len(c.Lost) == 0 {
			continue
		}
		sortGrants(c.Gained)
		sortGrants(c.Lost)
		rep.Changes = append(rep.Changes, c)
	}
	slices.SortFunc(rep.Changes, func(a, b Change) int { return comparePrincipals(a.Principal, b.Principal) })
	for _, name := range after.Unattached {
		if !slices.Contains(before.Unattached, name) {
			rep.Unattached = append(rep.Unattached, name)
		}
	}
	rep.Summary = summarize(rep.Changes)
	return rep
}

func summarize(cs []Change) Summary {
	var s Summary
	s.Principals = len(cs)
	for _, c := range cs {
		s.Lost += len(c.Lost)
		for _, g := range c.Gained {
			s.Gained++
			switch g.Tier {
			case High:
				s.GainedHigh++
			case Medium:
				s.GainedMedium++
			default:
				s.GainedLow++
			}
			s.HighestGained = max(s.HighestGained, g.Tier)
		}
	}
	return s
}

// Projected is the organization as it will be once desired (a stack's manifests) is applied to
// live: live's applications, groups and policies with the manifests' elements in place of the
// ones the stack owns or adopts by name, the ones the stack owns but no longer declares gone,
// and everything else (other stacks', unmanaged, provider-managed) unchanged; projects and users
// are live's. It is the "after" of Diff for a plan, following plan's ownership rules (README
// "Ownership") without resolving conflicts: a plan with conflicts cannot be applied anyway.
func Projected(live, desired *model.Org) *model.Org {
	if live == nil {
		live = &model.Org{}
	}
	if desired == nil {
		desired = &model.Org{}
	}
	out := &model.Org{OrganizationID: live.OrganizationID, Stack: desired.Stack, Projects: live.Projects, Users: live.Users, APIKeys: live.APIKeys}
	if out.OrganizationID == "" {
		out.OrganizationID = desired.OrganizationID
	}
	out.Applications = project(live.Applications, desired.Applications, desired.Stack,
		func(a *model.Application) (*model.Meta, string) { return &a.Meta, a.Name })
	out.Groups = project(live.Groups, desired.Groups, desired.Stack,
		func(g *model.Group) (*model.Meta, string) { return &g.Meta, g.Name })
	out.Policies = project(live.Policies, desired.Policies, desired.Stack,
		func(p *model.Policy) (*model.Meta, string) { return &p.Meta, p.Name })
	return out
}

// project is one kind's part of Projected: the live elements that do not give way to the
// manifests, then the manifests' elements. A live element gives way when the stack owns it
// (declared or not: undeclared ones are deleted), or when it is unowned and the manifests adopt
// their namesake; provider-managed ones never do.
func project[T any](live, desired []T, stack string, meta func(T) (*model.Meta, string)) []T {
	adopted := map[string]bool{}
	for _, d := range desired {
		if m, name := meta(d); m.Adopt {
			adopted[name] = true
		}
	}
	out := make([]T, 0, len(live)+len(desired))
	for _, l := range live {
		m, name := meta(l)
		gone := !m.Managed && (stack != "" && m.Owner == stack || m.Owner == "" && adopted[name])
		if !gone {
			out = append(out, l)
		}
	}
	return append(out, desired...)
}
