package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// withProjects is sample() declaring two projects, analytics named by a policy's rule and
// scratch by an API key, as the manifests of the projects script do.
func withProjects() *model.Org {
	o := sample()
	o.Projects = []*model.Project{{Name: "analytics", Description: "Data team"}, {Name: "scratch"}}
	o.Policies[0].Rules[0].Projects = []string{"analytics"}
	o.APIKeys[0].DefaultProject = "scratch"
	return o
}

func actionKeys(p *Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.Op.String()+" "+a.Key.String())
	}
	return out
}

// opOf is the op of the action on key, "none" when the plan has none.
func opOf(t *testing.T, p *Plan, key model.Key) string {
	t.Helper()
	for _, a := range p.Actions {
		if a.Key == key {
			return a.Op.String()
		}
	}
	return "none"
}

// A project the manifests declare is created before the rules, keys and SSH keys that name it,
// which carry its name (the label apply resolves once the project exists).
func TestDiffCreatesProjectsBeforeWhatNamesThem(t *testing.T) {
	d := withProjects()
	d.SSHKeys = []*model.SSHKey{{Name: "laptop", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM", Project: "analytics"}}
	l := externalsOnly(t, d)
	p := mustDiff(t, d, l, Options{})
	if len(p.Conflicts) > 0 {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
	keys := actionKeys(p)
	if len(keys) < 2 || keys[0] != "create project/analytics" || keys[1] != "create project/scratch" {
		t.Fatalf("actions = %v, want the projects created first", keys)
	}
	for _, a := range p.Actions {
		switch r := a.Resource.(type) {
		case *model.Policy:
			if r.Name == "deploy" && !cmp.Equal(r.Rules[0].Projects, []string{"analytics"}) && !cmp.Equal(r.Rules[1].Projects, []string{"analytics"}) {
				t.Errorf("policy deploy's rules = %+v, want one scoped to analytics by name", r.Rules)
			}
		case *model.SSHKey:
			if r.Project != "analytics" {
				t.Errorf("SSH key's project = %q, want analytics", r.Project)
			}
		case *model.APIKey:
			if r.Name == "gh" && r.DefaultProject != "scratch" {
				t.Errorf("key gh's default project = %q, want scratch", r.DefaultProject)
			}
		case *model.Project:
			if r.Name == "analytics" {
				if c, ok := a.Change(FieldDescription); !ok || c.New == nil || c.New.Text != "Data team" {
					t.Errorf("analytics' creation changes = %+v, want its description", a.Changes)
				}
			}
		}
	}
}

// The marker is iamsync's own: a declared project whose live description differs only in it
// is no change; one whose user description differs is an update.
func TestDiffComparesProjectDescriptions(t *testing.T) {
	d := withProjects()
	l := liveFrom(t, d)
	if p := mustDiff(t, d, l, Options{}); !p.Empty() {
		t.Fatalf("fresh apply plans:\n%s", render(t, p))
	}
	for _, lp := range l.Projects {
		if lp.Name == "analytics" {
			lp.Description = "edited in the console"
		}
	}
	p := mustDiff(t, d, l, Options{})
	if got := actionKeys(p); !cmp.Equal(got, []string{"update project/analytics"}) {
		t.Errorf("actions = %v, want one update of analytics", got)
	}
}

// A project nobody owns is adopted with adopt: true (its description takes the marker), and is
// a conflict without; the default project is Scaleway's: a conflict either way.
func TestDiffAdoptsProjectsButNeverTheDefault(t *testing.T) {
	d := &model.Org{Stack: "prod", Projects: []*model.Project{{Name: "web", Meta: model.Meta{Adopt: true}, Description: "Web"}}}
	l := externalsOnly(t, d)
	p := mustDiff(t, d, l, Options{})
	if got := opOf(t, p, model.Key{Kind: model.KindProject, Name: "web"}); got != Adopt.String() {
		t.Errorf("web: op %q, want adopt\n%s", got, render(t, p))
	}
	d.Projects[0].Adopt = false
	p = mustDiff(t, d, l, Options{})
	if len(p.Conflicts) != 1 || !strings.Contains(p.Conflicts[0].Reason, "no stack owns it") {
		t.Errorf("conflicts = %+v, want web's, nobody's", p.Conflicts)
	}
	for _, lp := range l.Projects {
		if lp.Name == "default" {
			lp.Managed = true // as live reads the project whose ID is the organization's
		}
	}
	d.Projects = []*model.Project{{Name: "default", Meta: model.Meta{Adopt: true}}}
	p = mustDiff(t, d, l, Options{Adopt: true})
	if len(p.Actions) != 0 || len(p.Conflicts) != 1 || !strings.Contains(p.Conflicts[0].Reason, "managed by Scaleway") {
		t.Errorf("declaring the default project: actions %v, conflicts %+v; want only a conflict", actionKeys(p), p.Conflicts)
	}
}

// A project the stack owns and no longer declares is deleted, last, when nothing the plan
// keeps refers to it; with the policy, key and SSH key naming it going in the same plan, it
// is deleted after them.
func TestDiffDeletesAnEmptyProjectLast(t *testing.T) {
	d := withProjects()
	d.SSHKeys = []*model.SSHKey{{Name: "laptop", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM", Project: "analytics"}}
	l := liveFrom(t, d)
	d.Projects = d.Projects[1:] // analytics goes...
	d.Policies = d.Policies[1:] // ...with the policy scoped to it
	d.SSHKeys = nil             // and the SSH key in it
	p := mustDiff(t, d, l, Options{})
	if len(p.Conflicts) > 0 {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
	keys := actionKeys(p)
	if len(keys) == 0 || keys[len(keys)-1] != "delete project/analytics" {
		t.Errorf("actions = %v, want analytics deleted last", keys)
	}
}

// A project that would still hold something once the plan is applied is not deleted: the
// plan says what it holds, as a conflict.
func TestDiffRefusesToDeleteAProjectThatHoldsResources(t *testing.T) {
	const analyticsID = "5e1b2c3d-0000-4000-8000-000000000b00" // liveFrom's ID for the first declared project
	tests := []struct {
		name string
		edit func(d, l *model.Org)
		want string
	}{
		{"another stack's policy", func(d, l *model.Org) {
			l.Policies = append(l.Policies, &model.Policy{Meta: model.Meta{ID: "pol-other", Owner: "data"}, Name: "etl",
				Rules: []model.Rule{{PermissionSets: []string{"ObjectStorageFullAccess"}, Projects: []string{analyticsID}}}})
		}, `a rule of policy "etl" (owned by stack "data")`},
		{"a key nobody owns defaulting to it", func(d, l *model.Org) {
			l.APIKeys = append(l.APIKeys, &model.APIKey{Meta: model.Meta{ID: "SCWHANDMADE"}, Application: "ci", Name: "SCWHANDMADE", DefaultProject: analyticsID})
		}, `API key "SCWHANDMADE" as its default project (owned by no stack)`},
		{"a declared key without default_project keeps the live one", func(d, l *model.Org) {
			for _, k := range l.APIKeys {
				if k.Name == "tf" {
					k.DefaultProject = analyticsID
				}
			}
		}, `API key "SCW0KEY" as its default project (owned by stack "prod")`},
		{"an SSH key nobody owns", func(d, l *model.Org) {
			l.SSHKeys = append(l.SSHKeys, &model.SSHKey{Meta: model.Meta{ID: "ssh-1"}, Name: "laptop", PublicKey: "ssh-ed25519 AAAA", Project: analyticsID})
		}, `SSH key "laptop" (owned by no stack)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := withProjects()
			l := liveFrom(t, d)
			d.Projects = d.Projects[1:]
			d.Policies = d.Policies[1:]
			tt.edit(d, l)
			p := mustDiff(t, d, l, Options{})
			for _, a := range p.Actions {
				if a.Key.Kind == model.KindProject {
					t.Errorf("the plan still has %s %s", a.Op, a.Key)
				}
			}
			if len(p.Conflicts) != 1 {
				t.Fatalf("conflicts = %+v, want one", p.Conflicts)
			}
			c := p.Conflicts[0]
			if c.Key != (model.Key{Kind: model.KindProject, Name: "analytics"}) || c.ID != analyticsID ||
				!strings.Contains(c.Reason, "it still holds "+tt.want) || !strings.Contains(c.Hint, "remove or move") {
				t.Errorf("conflict = %+v, want analytics holding %s", c, tt.want)
			}
		})
	}
}

// A manifest still naming a project the stack no longer declares is an error at its position,
// whatever names it: a rule, a key's default project, an SSH key.
func TestDiffRefusesReferencesToADeletedProject(t *testing.T) {
	d := withProjects()
	l := liveFrom(t, d)
	d.Projects = d.Projects[1:]
	d.Policies[0].Rules[0].Pos = model.Pos{File: "policies.yaml", Line: 7, Col: 9}
	_, err := Diff(d, l, Options{})
	want := `policies.yaml:7:9: policy/deploy: rule projects: project "analytics" is owned by this stack but no longer declared, so this plan deletes it: declare it under projects:, or stop referring to it`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant it to contain %s", err, want)
	}
}

// A rule the reader did not read may be scoped to the project: the plan cannot tell, and says so.
func TestDiffWarnsWhenRulesWereNotReadBeforeAProjectDeletion(t *testing.T) {
	d := withProjects()
	l := liveFrom(t, d)
	d.Projects = d.Projects[1:]
	d.Policies = d.Policies[1:]
	l.Policies = append(l.Policies, &model.Policy{Meta: model.Meta{ID: "pol-other", Owner: "data"}, Name: "etl", RulesUnread: true})
	p := mustDiff(t, d, l, Options{})
	if got := opOf(t, p, model.Key{Kind: model.KindProject, Name: "analytics"}); got != Delete.String() {
		t.Errorf("analytics: op %q, want delete", got)
	}
	found := false
	for _, w := range p.Warnings {
		found = found || strings.Contains(w.Message, `the rules of 1 policies were not read ("etl")`)
	}
	if !found {
		t.Errorf("warnings = %+v, want one naming the unread policy", p.Warnings)
	}
}

// Dependencies ask the reader for every policy's rules exactly when the stack owns a project it
// no longer declares.
func TestWantsProjectRules(t *testing.T) {
	deps := model.DependenciesOf(withProjects())
	for _, tc := range []struct {
		name, owner string
		want        bool
	}{
		{"analytics", "prod", false}, // declared: kept
		{"old", "prod", true},        // the stack's, no longer declared: may be deleted
		{"old", "", false},           // nobody's: never deleted
		{"old", "data", false},       // another stack's
	} {
		if got := deps.WantsProjectRules(tc.name, tc.owner); got != tc.want {
			t.Errorf("WantsProjectRules(%q, %q) = %v, want %v", tc.name, tc.owner, got, tc.want)
		}
	}
}
