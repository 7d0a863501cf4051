package model

import "strings"

// Dependencies is what a manifest set depends on in the live organization: the one answer to
// "which live resources can change this plan?". The saved-plan fingerprint hashes exactly
// these, the differ checks the references among them, and the live reader fetches the rules of
// exactly the policies among them, so the three can never disagree.
type Dependencies struct {
	// Stack owns resources: every live resource it owns is a dependency.
	Stack string
	// Refs are the references the manifests make, with where they make them.
	Refs []Ref

	keys     map[Key]bool    // declared resources, and the applications and groups referred to by name
	ids      map[string]bool // resources and users referred to by ID or access key
	projects map[string]bool // project names or IDs referred to
	users    map[string]bool // user emails referred to, lower-case
}

// RefKind says what a reference points at.
type RefKind int

// Reference kinds.
const (
	// RefResource names an application or group (Ref.To), declared or live.
	RefResource RefKind = iota + 1
	// RefID names a resource outside the manifests by its ID (Ref.ID): it must exist live.
	RefID
	// RefProject names a project by name or ID (Ref.Name).
	RefProject
	// RefUser names a user by email (Ref.Name).
	RefUser
)

// Ref is one reference from a declared resource.
type Ref struct {
	Kind RefKind
	From Key
	Pos  Pos
	// What is the field that makes the reference: members, application, principal,
	// rule projects, default_project.
	What string
	To   Key
	// ID is set for RefID: the ID, and in To.Kind the kind it must have.
	ID string
	// Name is a project name or ID (RefProject) or an email (RefUser).
	Name string
}

// DependenciesOf computes what desired (as loaded from manifests, references as written)
// depends on.
func DependenciesOf(desired *Org) *Dependencies {
	d := &Dependencies{Stack: desired.Stack, keys: map[Key]bool{}, ids: map[string]bool{},
		projects: map[string]bool{}, users: map[string]bool{}}
	ref := func(r Ref) {
		d.Refs = append(d.Refs, r)
		switch r.Kind {
		case RefResource:
			d.keys[r.To] = true
		case RefID:
			d.ids[r.ID] = true
		case RefProject:
			d.projects[r.Name] = true
		case RefUser:
			d.users[strings.ToLower(r.Name)] = true
		}
	}
	for r := range desired.Resources() {
		d.keys[r.Key()] = true
	}
	for _, u := range desired.Users {
		d.users[strings.ToLower(u.Email)] = true
	}
	for _, k := range desired.SSHKeys {
		if k.Project != "" {
			ref(Ref{Kind: RefProject, From: k.Key(), Pos: k.Pos, What: "project", Name: k.Project})
		}
	}
	for _, g := range desired.Groups {
		for _, a := range g.Members.Applications {
			ref(Ref{Kind: RefResource, From: g.Key(), Pos: g.Pos, What: "members", To: Key{Kind: KindApplication, Name: a}})
		}
		for _, u := range g.Members.Users {
			ref(Ref{Kind: RefUser, From: g.Key(), Pos: g.Pos, What: "members", Name: u})
		}
	}
	for _, k := range desired.APIKeys {
		ref(Ref{Kind: RefResource, From: k.Key(), Pos: k.Pos, What: "application", To: Key{Kind: KindApplication, Name: k.Application}})
		if k.ID != "" {
			// The key a manifest takes over by access key: a change to it changes the plan.
			d.ids[k.ID] = true
		}
		if k.DefaultProject != "" {
			ref(Ref{Kind: RefProject, From: k.Key(), Pos: k.Pos, What: "default_project", Name: k.DefaultProject})
		}
	}
	for _, p := range desired.Policies {
		pr := p.Principal
		switch {
		case pr.Kind == PrincipalNone:
		case pr.ID != "":
			ref(Ref{Kind: RefID, From: p.Key(), Pos: p.Pos, What: "principal", ID: pr.ID, To: Key{Kind: Kind(pr.Kind)}})
		case pr.ManagedGroupRef():
			// Scaleway's managed group, found by its flag, not its name (plan/managed.go):
			// no reference by name to check, but the live group matters to the plan (Wants).
			d.keys[Key{Kind: KindGroup, Name: pr.Name}] = true
		case pr.Kind == PrincipalUser:
			ref(Ref{Kind: RefUser, From: p.Key(), Pos: p.Pos, What: "principal", Name: pr.Name})
		default:
			ref(Ref{Kind: RefResource, From: p.Key(), Pos: p.Pos, What: "principal", To: Key{Kind: Kind(pr.Kind), Name: pr.Name}})
		}
		for _, r := range p.Rules {
			pos := r.Pos
			if pos.IsZero() {
				pos = p.Pos
			}
			for _, name := range r.Projects {
				ref(Ref{Kind: RefProject, From: p.Key(), Pos: pos, What: "rule projects", Name: name})
			}
		}
	}
	return d
}

// Wants reports whether the live resource r can change the plan: the stack owns it, it shares
// a key with a declared resource or one referred to by name, or it is referred to by ID.
func (d *Dependencies) Wants(r Resource) bool {
	m := r.Metadata()
	if u, ok := r.(*User); ok && d.users[strings.ToLower(u.Email)] {
		// Declared or referred to, by an email in any case.
		return true
	}
	if g, ok := r.(*Group); ok && g.ManagedRef() != "" && d.keys[Key{Kind: KindGroup, Name: g.ManagedRef()}] {
		// A policy's {group: all-users}: the plan resolves it to this group's ID.
		return true
	}
	switch r.Key().Kind {
	case KindSecuritySettings, KindSAML, KindSCIM, KindSCIMToken, KindLoginMethods:
		// Security settings bound every key's expiry, declared or not; the federation kinds
		// are judged together (SAML login needs SAML; a live token has no name to match).
		return true
	}
	return d.wants(r.Key(), m.ID, m.Owner)
}

// WantsRules reports whether the rules of the live policy named name, owned by owner, can
// change the plan (the reader fetches only those: one call per policy).
func (d *Dependencies) WantsRules(name, owner string) bool {
	return d.wants(Key{Kind: KindPolicy, Name: name}, "", owner)
}

// WantsGroupRules reports whether the rules of the live policies attached to the group named
// name, owned by owner, matter to a plan: the group is declared or the stack's, so the plan may
// change its members, who then gain or lose what those policies grant (the access review).
// They do not change what the plan does, so they are no part of Wants.
func (d *Dependencies) WantsGroupRules(name, owner string) bool {
	return d.wants(Key{Kind: KindGroup, Name: name}, "", owner)
}

// WantsProjectRules reports whether the live project named name, owned by owner, is one a plan
// may delete: the stack's, and no longer declared. The reader then reads every policy's rules,
// since a rule scoped to the project, whoever owns the policy, keeps it from being deleted.
func (d *Dependencies) WantsProjectRules(name, owner string) bool {
	return owner != "" && owner == d.Stack && !d.keys[Key{Kind: KindProject, Name: name}]
}

func (d *Dependencies) wants(k Key, id, owner string) bool {
	return (owner != "" && owner == d.Stack) || d.keys[k] || (id != "" && d.ids[id])
}

// WantsProject reports whether the manifests refer to p, by name or by ID. A new project
// taking a referred name matters too: it makes the name ambiguous.
func (d *Dependencies) WantsProject(p *Project) bool { return d.projects[p.ID] || d.projects[p.Name] }
