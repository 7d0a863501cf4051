package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Lookups shared by the hand-built tests and the fuzz target.
var (
	testProjects = []*model.Project{
		{Meta: model.Meta{ID: "5e1b2c3d-0000-4000-8000-00000000a001"}, Name: "web"},
		{Meta: model.Meta{ID: "5e1b2c3d-0000-4000-8000-00000000a002"}, Name: "data"},
		{Meta: model.Meta{ID: "5e1b2c3d-0000-4000-8000-00000000a000"}, Name: "default"},
	}
	testUsers = []*model.User{
		{Meta: model.Meta{ID: "7a000000-0000-4000-8000-0000000000a1"}, Email: "alice@example.com"},
		{Meta: model.Meta{ID: "7a000000-0000-4000-8000-0000000000b2"}, Email: "bob@example.com"},
	}
	testCreated = time.Date(2026, 11, 1, 10, 0, 0, 123456000, time.UTC)
)

func mustClone(t testing.TB, o *model.Org) *model.Org {
	t.Helper()
	c, err := cloneOrg(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// liveFrom returns what the live reader would report right after applying desired: every
// resource owned by its stack, with IDs, and in the shapes the API returns rather than the
// manifest's (sets reversed, null tags as [], projects as IDs, e-mails as the organization
// spells them, expiry at another precision, the default project filled in).
func liveFrom(t testing.TB, desired *model.Org) *model.Org {
	t.Helper()
	l := mustClone(t, desired)
	l.Stack = ""
	l.OrganizationID = "0a000000-0000-4000-8000-000000000000"
	// The organization's projects, owned by nobody, then the declared ones, owned by the stack.
	l.Projects = append([]*model.Project{}, testProjects...)
	for i, p := range desired.Projects {
		c := *p
		c.Meta = model.Meta{ID: fmt.Sprintf("5e1b2c3d-0000-4000-8000-%012x", 0xb00+i), Owner: desired.Stack}
		l.Projects = append(l.Projects, &c)
	}
	// Members the manifests declare exist, owned by the stack; the test users are the
	// organization's other members, owned by nobody.
	declaredUsers := l.Users
	l.Users = append([]*model.User{}, testUsers...)
	for i, u := range declaredUsers {
		if slices.ContainsFunc(testUsers, func(t *model.User) bool { return strings.EqualFold(t.Email, u.Email) }) {
			continue
		}
		u.Meta = model.Meta{ID: fmt.Sprintf("7b000000-0000-4000-8000-%012d", i), Owner: desired.Stack}
		u.SendWelcomeEmail, u.Secret = false, ""
		if u.Username == "" {
			u.Username = u.Email
		}
		l.Users = append(l.Users, u)
	}
	projectID := func(ref string) string {
		for _, p := range l.Projects {
			if p.ID == ref || p.Name == ref {
				return p.ID
			}
		}
		return ref
	}
	email := func(s string) string { return strings.ToLower(s) }
	own := func(m *model.Meta, id string) {
		*m = model.Meta{ID: id, Owner: desired.Stack}
	}
	apiSet := func(s []string) []string {
		out := append([]string{}, s...)
		slices.Reverse(out)
		return out
	}
	ids := map[model.Key]string{}
	for i, a := range l.Applications {
		own(&a.Meta, "app-"+strings.Repeat("0", i)+a.Name)
		ids[a.Key()] = a.ID
		a.Tags = apiSet(a.Tags)
	}
	for i, g := range l.Groups {
		own(&g.Meta, "grp-"+strings.Repeat("0", i)+g.Name)
		ids[g.Key()] = g.ID
		g.Tags = apiSet(g.Tags)
		users := make([]string, len(g.Members.Users))
		for j, u := range g.Members.Users {
			users[j] = email(u)
		}
		g.Members = model.Members{Applications: apiSet(g.Members.Applications), Users: apiSet(users)}
	}
	// A principal named by ID is outside the manifests but exists in the organization, owned
	// by nobody.
	for _, p := range desired.Policies {
		pr := p.Principal
		if pr.ID == "" || slices.Contains(slices.Collect(maps.Values(ids)), pr.ID) {
			continue
		}
		switch pr.Kind {
		case model.PrincipalApplication:
			l.Applications = append(l.Applications, &model.Application{Meta: model.Meta{ID: pr.ID}, Name: "external-" + pr.ID, Tags: []string{}})
		case model.PrincipalGroup:
			l.Groups = append(l.Groups, &model.Group{Meta: model.Meta{ID: pr.ID}, Name: "external-" + pr.ID, Tags: []string{}})
		case model.PrincipalUser:
			l.Users = append(l.Users, &model.User{Meta: model.Meta{ID: pr.ID}, Email: pr.ID + "@external.example.com"})
		}
		ids[model.Key{Kind: model.Kind(pr.Kind), Name: "external-" + pr.ID}] = pr.ID
	}
	for i, p := range l.Policies {
		own(&p.Meta, "pol-"+strings.Repeat("0", i)+p.Name)
		p.Tags = apiSet(p.Tags)
		switch p.Principal.Kind {
		case model.PrincipalApplication, model.PrincipalGroup:
			if p.Principal.ID == "" {
				p.Principal.ID = ids[model.Key{Kind: model.Kind(p.Principal.Kind), Name: p.Principal.Name}]
			}
		case model.PrincipalUser:
			p.Principal.Name = email(p.Principal.Name)
			for _, u := range testUsers {
				if u.Email == p.Principal.Name {
					p.Principal.ID = u.ID
				}
			}
		}
		for j := range p.Rules {
			r := &p.Rules[j]
			r.Pos = model.Pos{}
			r.PermissionSets = apiSet(r.PermissionSets)
			projects := make([]string, len(r.Projects))
			for k, ref := range r.Projects {
				projects[k] = projectID(ref)
			}
			r.Projects = apiSet(projects)
		}
		slices.Reverse(p.Rules)
	}
	for i, k := range l.SSHKeys {
		own(&k.Meta, "ssh-"+strings.Repeat("0", i)+k.Name)
		if k.Project == "" {
			k.Project = l.OrganizationID
		}
		k.Project = projectID(k.Project)
	}
	for i, k := range l.APIKeys {
		id := k.ID
		if id == "" {
			id = "SCW" + strings.Repeat("0", i) + "KEY"
		}
		own(&k.Meta, id)
		k.Secret, k.RotateBefore = "", 0
		if k.DefaultProject == "" {
			k.DefaultProject = testProjects[2].ID
		}
		k.DefaultProject = projectID(k.DefaultProject)
		k.CreatedAt = testCreated
		switch {
		case k.ExpiresAt != nil:
			at := k.ExpiresAt.UTC().Add(-300 * time.Millisecond)
			k.ExpiresAt = &at
		case k.ExpiresIn != 0:
			at := testCreated.Add(k.ExpiresIn + 20*time.Second).Truncate(time.Second)
			k.ExpiresAt, k.ExpiresIn = &at, 0
		}
	}
	return l
}

// declaredOnly is o without the outside principals liveFrom adds: what a manifest set would
// declare of a snapshot.
func declaredOnly(t testing.TB, o *model.Org) *model.Org {
	c := mustClone(t, o)
	c.Applications = slices.DeleteFunc(c.Applications, func(a *model.Application) bool { return strings.HasPrefix(a.Name, "external-") })
	c.Groups = slices.DeleteFunc(c.Groups, func(g *model.Group) bool { return strings.HasPrefix(g.Name, "external-") })
	// Users nobody owns are the organization's other members, not declared ones.
	c.Users = slices.DeleteFunc(c.Users, func(u *model.User) bool { return u.Owner == "" })
	// So are the projects nobody owns: the organization's, which manifests only name.
	c.Projects = slices.DeleteFunc(c.Projects, func(p *model.Project) bool { return p.Owner == "" })
	return c
}

// externalsOnly is an organization holding nothing but the lookups and the outside principals
// desired names by ID.
func externalsOnly(t testing.TB, desired *model.Org) *model.Org {
	l := liveFrom(t, desired)
	out := &model.Org{Users: l.Users}
	for _, p := range l.Projects {
		if p.Owner == "" {
			out.Projects = append(out.Projects, p) // the organization's, not the declared ones
		}
	}
	for _, a := range l.Applications {
		if strings.HasPrefix(a.Name, "external-") {
			out.Applications = append(out.Applications, a)
		}
	}
	for _, g := range l.Groups {
		if strings.HasPrefix(g.Name, "external-") {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}
