package access

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Options tune how grants are computed.
type Options struct {
	// ScopeType tells whether a permission set is organization-level ("organization") or
	// project-level ("projects"), as schema.LookupPermissionSet does; "" when unknown. It decides
	// what an organization-scoped rule gives: the organization, or all projects. nil, or an
	// unknown set, is taken as organization-level.
	ScopeType func(set string) string
	// ProjectLabel names a project reference (a live ID, or a manifest's name or ID) the way
	// both sides agree on; ProjectLabels builds one from the organization's projects. nil uses
	// ProjectLabels over the projects the compared organizations list, which is right for live
	// values and for desired values compared with live ones; for two desired values (no project
	// list) references are compared as written.
	ProjectLabel func(ref string) string
	// Now, when set, leaves out rules whose expiry has passed (model.Rule.ExpiredAt): Scaleway
	// no longer honours them.
	Now time.Time
	// Origins records on each path who owns its policy (Path.Owner, Unmanaged,
	// ProviderManaged), for explain; off for plans, whose reviews compare paths of one stack.
	Origins bool
}

// Principal is who holds grants. Name is an application or group name, or a user's email;
// the ID when the organization gives no name for it.
type Principal struct {
	Kind model.PrincipalKind `json:"kind"`
	Name string              `json:"name"`
}

func (p Principal) String() string { return string(p.Kind) + "/" + p.Name }

// key identifies p: emails are matched without regard to case, as plan does.
func (p Principal) key() string {
	if p.Kind == model.PrincipalUser {
		return string(p.Kind) + "/" + strings.ToLower(p.Name)
	}
	return p.String()
}

// kindRank orders principals: applications, groups, users.
func (p Principal) kindRank() int {
	switch p.Kind {
	case model.PrincipalApplication:
		return 0
	case model.PrincipalGroup:
		return 1
	}
	return 2
}

// ScopeKind is the breadth of a grant's scope.
type ScopeKind string

// Scope kinds (BEHAVIOUR.md §5.3).
const (
	// ScopeOrganization: an organization-level set on the organization itself.
	ScopeOrganization ScopeKind = "organization"
	// ScopeAllProjects: a project-level set given at organization scope, on every current and
	// future project.
	ScopeAllProjects ScopeKind = "all_projects"
	// ScopeProject: a project-level set on one project.
	ScopeProject ScopeKind = "project"
)

// Scope is where a grant applies.
type Scope struct {
	Kind ScopeKind `json:"kind"`
	// Project is the project's label (ScopeProject only).
	Project string `json:"project,omitempty"`
}

func (s Scope) String() string {
	switch s.Kind {
	case ScopeOrganization:
		return "the organization"
	case ScopeAllProjects:
		return "all projects"
	}
	return "project " + s.Project
}

// Path is one way a principal comes to hold a grant.
type Path struct {
	// Policy is the name of the policy whose rule gives the grant.
	Policy string `json:"policy"`
	// Rule is that rule as a reviewer reads it (model.Rule.Canonical, projects by label).
	Rule string `json:"rule"`
	// Group is set when the principal holds the grant as a member of this group.
	Group string `json:"group,omitempty"`
	// Pos is where the rule is declared, for grants computed from manifests.
	Pos model.Pos `json:"pos,omitzero"`
	// Owner is the stack that owns the policy: its ownership tag on live values, the
	// manifests' stack on desired ones (Options.Origins only).
	Owner string `json:"owner,omitempty"`
	// Unmanaged marks a policy no stack owns: made by hand or by another tool (Options.Origins).
	Unmanaged bool `json:"unmanaged,omitempty"`
	// ProviderManaged marks a policy Scaleway manages itself (Options.Origins).
	ProviderManaged bool `json:"provider_managed,omitempty"`
}

// Grant is one permission set on one scope under one condition, with the paths that give it.
type Grant struct {
	PermissionSet string `json:"permission_set"`
	Scope         Scope  `json:"scope"`
	// Condition is the rule's condition without its expiry clause, white space normalised;
	// empty when the grant is unconditional.
	Condition string `json:"condition,omitempty"`
	// ExpiresAt is when Scaleway stops honouring the grant (a time-boxed rule).
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Tier      Tier       `json:"tier"`
	Paths     []Path     `json:"paths"`
}

// key is g's identity: everything but the paths and the tier (which follows from the rest).
func (g Grant) key() string {
	exp := ""
	if g.ExpiresAt != nil {
		exp = g.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	return strings.Join([]string{g.PermissionSet, string(g.Scope.Kind), g.Scope.Project, g.Condition, exp}, "\x00")
}

// Holding is the grants of one principal.
type Holding struct {
	Principal Principal `json:"principal"`
	Grants    []Grant   `json:"grants"`
}

// Access is the effective access of an organization.
type Access struct {
	// Holdings are sorted by principal: applications, groups, users, then by name.
	Holdings []Holding `json:"holdings"`
	// Unattached names the policies attached to no principal: they grant nothing today, but
	// one edit gives their rules to someone (audit IAM102).
	Unattached []string `json:"unattached_policies"`
}

// Effective computes the grants every principal of o holds.
func Effective(o *model.Org, opts Options) *Access {
	return compute(o, newNames(o), resolveOptions(opts, o))
}

func resolveOptions(opts Options, orgs ...*model.Org) Options {
	if opts.ProjectLabel == nil {
		var ps []*model.Project
		for _, o := range orgs {
			if o != nil {
				ps = append(ps, o.Projects...)
			}
		}
		opts.ProjectLabel = ProjectLabels(ps)
	}
	return opts
}

// names resolves principals given only by ID (live values, or a manifest's application_id,
// group_id, user_id) to the names the other side uses.
type names map[model.PrincipalKind]map[string]string

func newNames(orgs ...*model.Org) names {
	n := names{model.PrincipalApplication: {}, model.PrincipalGroup: {}, model.PrincipalUser: {}}
	for _, o := range orgs {
		if o == nil {
			continue
		}
		for _, a := range o.Applications {
			if a.ID != "" && a.Name != "" {
				n[model.PrincipalApplication][a.ID] = a.Name
			}
		}
		for _, g := range o.Groups {
			if g.ID != "" && g.Name != "" {
				n[model.PrincipalGroup][g.ID] = g.Name
			}
		}
		for _, u := range o.Users {
			if u.ID != "" && u.Email != "" {
				n[model.PrincipalUser][u.ID] = u.Email
			}
		}
		for _, p := range o.Policies {
			if pr := p.Principal; pr.ID != "" && pr.Name != "" && n[pr.Kind] != nil {
				n[pr.Kind][pr.ID] = pr.Name
			}
		}
	}
	return n
}

func (n names) principal(p model.Principal) Principal {
	name := p.Name
	if name == "" {
		name = n[p.Kind][p.ID]
	}
	if name == "" {
		name = p.ID
	}
	return Principal{Kind: p.Kind, Name: name}
}

// holder collects one principal's grants while they are computed.
type holder struct {
	p      Principal
	grants map[string]*Grant
}

func compute(o *model.Org, nm names, opts Options) *Access {
	acc := &Access{Holdings: []Holding{}, Unattached: []string{}}
	if o == nil {
		return acc
	}
	holders := map[string]*holder{}
	add := func(p Principal, g Grant, path Path) {
		h := holders[p.key()]
		if h == nil {
			h = &holder{p: p, grants: map[string]*Grant{}}
			holders[p.key()] = h
		}
		k := g.key()
		cur := h.grants[k]
		if cur == nil {
			g.Paths = nil
			cur = &g
			h.grants[k] = cur
		}
		if !slices.Contains(cur.Paths, path) {
			cur.Paths = append(cur.Paths, path)
		}
	}
	groupsByID := map[string]*model.Group{}
	groupsByName := map[string][]*model.Group{}
	for _, g := range o.Groups {
		if g.ID != "" {
			groupsByID[g.ID] = g
		}
		groupsByName[g.Name] = append(groupsByName[g.Name], g)
	}
	for _, p := range o.Policies {
		if p.Principal.Kind == model.PrincipalNone {
			if len(p.Rules) > 0 {
				acc.Unattached = append(acc.Unattached, p.Name)
			}
			continue
		}
		who := nm.principal(p.Principal)
		var groups []*model.Group
		if p.Principal.Kind == model.PrincipalGroup {
			if g, ok := groupsByID[p.Principal.ID]; ok && p.Principal.ID != "" {
				groups = []*model.Group{g}
			} else {
				groups = groupsByName[who.Name]
			}
			if len(groups) == 0 && p.Principal.ManagedGroupRef() {
				groups = managedGroups(o, p.Principal.Name)
			}
		}
		for _, r := range p.Rules {
			if !opts.Now.IsZero() && r.ExpiredAt(opts.Now) {
				continue
			}
			base := r.Condition
			var exp *time.Time
			if t, ok := r.Expiry(); ok {
				exp = &t
				if b, _, ok := model.SplitExpiry(r.Condition); ok {
					base = b
				}
			}
			cond := normalizeCondition(base)
			path := Path{Policy: p.Name, Rule: ruleText(r, opts.ProjectLabel), Pos: r.Pos}
			if opts.Origins {
				path.Owner, path.Unmanaged, path.ProviderManaged = origin(o, p)
			}
			for _, set := range model.SortedSet(r.PermissionSets) {
				for _, sc := range scopes(r, set, opts) {
					g := Grant{PermissionSet: set, Scope: sc, Condition: cond, ExpiresAt: exp, Tier: TierOf(set, sc)}
					add(who, g, path)
					via := path
					via.Group = who.Name
					for _, grp := range groups {
						apps, users := members(o, grp)
						for _, a := range apps {
							add(Principal{Kind: model.PrincipalApplication, Name: a}, g, via)
						}
						for _, u := range users {
							add(Principal{Kind: model.PrincipalUser, Name: u}, g, via)
						}
					}
				}
			}
		}
	}
	for _, h := range holders {
		hd := Holding{Principal: h.p, Grants: make([]Grant, 0, len(h.grants))}
		for _, g := range h.grants {
			sortPaths(g.Paths)
			hd.Grants = append(hd.Grants, *g)
		}
		sortGrants(hd.Grants)
		acc.Holdings = append(acc.Holdings, hd)
	}
	slices.SortFunc(acc.Holdings, func(a, b Holding) int { return comparePrincipals(a.Principal, b.Principal) })
	slices.Sort(acc.Unattached)
	acc.Unattached = slices.Compact(acc.Unattached)
	return acc
}

// members are the applications and users a group's policies reach: its listed members, and for
// Scaleway's managed groups "All Users" and "All Applications" (BEHAVIOUR.md §10) every user, or
// every application the provider does not manage, of the organization.
func members(o *model.Org, g *model.Group) (apps, users []string) {
	apps, users = g.Members.Applications, g.Members.Users
	if g.AllApplications {
		apps = slices.Clone(apps)
		for _, a := range o.Applications {
			if !a.Managed && a.Name != "" {
				apps = append(apps, a.Name)
			}
		}
	}
	if g.AllUsers {
		users = slices.Clone(users)
		for _, u := range o.Users {
			if u.Email != "" {
				users = append(users, u.Email)
			}
		}
	}
	return apps, users
}

// origin says who owns p: its ownership tag; for a desired org (Stack set), the manifests'
// stack, which owns or adopts what they declare.
func origin(o *model.Org, p *model.Policy) (owner string, unmanaged, provider bool) {
	owner = p.Owner
	if owner == "" && o.Stack != "" {
		owner = o.Stack
	}
	if p.Managed {
		return owner, false, true
	}
	return owner, owner == "", false
}

// scopes are the scopes a rule gives set on, one per project for project-scoped rules, so
// that adding a project to a rule gains exactly that project.
func scopes(r model.Rule, set string, opts Options) []Scope {
	if r.Organization {
		if opts.ScopeType != nil && opts.ScopeType(set) == "projects" {
			return []Scope{{Kind: ScopeAllProjects}}
		}
		return []Scope{{Kind: ScopeOrganization}}
	}
	labels := make([]string, len(r.Projects))
	for i, p := range r.Projects {
		labels[i] = opts.ProjectLabel(p)
	}
	out := make([]Scope, 0, len(labels))
	for _, l := range model.SortedSet(labels) {
		out = append(out, Scope{Kind: ScopeProject, Project: l})
	}
	return out
}

// ruleText shows r as plan does, projects by label.
func ruleText(r model.Rule, label func(string) string) string {
	shown := r
	shown.Projects = make([]string, len(r.Projects))
	for i, p := range r.Projects {
		shown.Projects[i] = label(p)
	}
	return shown.Canonical()
}

func comparePrincipals(a, b Principal) int {
	return cmp.Or(cmp.Compare(a.kindRank(), b.kindRank()), strings.Compare(a.key(), b.key()))
}

// sortGrants puts the riskiest first, then orders by set, scope and condition.
func sortGrants(gs []Grant) {
	slices.SortFunc(gs, func(a, b Grant) int {
		return cmp.Or(cmp.Compare(b.Tier, a.Tier), strings.Compare(a.key(), b.key()))
	})
}

func sortPaths(ps []Path) {
	slices.SortFunc(ps, func(a, b Path) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Policy, b.Policy), strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}

// ProjectLabels returns a ProjectLabel for an organization's projects: a project is named by its
// name when no other project has that name (Account allows duplicates, BEHAVIOUR.md §5.6), else
// by its ID, whether the reference is the ID or the unique name. References to unknown projects,
// and ambiguous names, are kept as written.
func ProjectLabels(projects []*model.Project) func(ref string) string {
	return model.ProjectLabels(projects)
}
