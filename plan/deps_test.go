package plan

import (
	"testing"

	"github.com/iamsync/iamsync/model"
)

// TestSavedPlanDependencies changes, one at a time, each kind of live dependency
// model.Dependencies lists and checks that the live fingerprint (what makes a saved plan
// stale) moves; then changes things the manifests do not depend on and checks it does not.
func TestSavedPlanDependencies(t *testing.T) {
	// desired refers to live resources it does not own: a member application and a group
	// principal by name (owned by nobody), an application principal by ID, a project by name,
	// a user by email, and an API key by access key.
	desired := func() *model.Org {
		return &model.Org{
			Stack: "s",
			Groups: []*model.Group{{Name: "devs", Members: model.Members{
				Applications: []string{"shared-app"}, Users: []string{"Alice@Example.com"}}}},
			Policies: []*model.Policy{
				{Name: "p1", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "shared-group"},
					Rules: []model.Rule{{PermissionSets: []string{"A"}, Projects: []string{"web"}}}},
				{Name: "p2", Principal: model.Principal{Kind: model.PrincipalApplication, ID: "ext-app"}},
			},
			APIKeys: []*model.APIKey{{Application: "shared-app", Name: "k", Meta: model.Meta{ID: "SCWTAKEN", Adopt: true}}},
		}
	}
	base := func() *model.Org {
		return &model.Org{
			OrganizationID: "org",
			Applications: []*model.Application{
				{Meta: model.Meta{ID: "app-shared"}, Name: "shared-app"},
				{Meta: model.Meta{ID: "ext-app"}, Name: "outside"},
				{Meta: model.Meta{ID: "app-other"}, Name: "unrelated"},
				{Meta: model.Meta{ID: "app-owned", Owner: "s"}, Name: "owned-leftover"},
			},
			Groups: []*model.Group{
				{Meta: model.Meta{ID: "grp-shared"}, Name: "shared-group"},
				{Meta: model.Meta{ID: "grp-other"}, Name: "unrelated-group"},
			},
			APIKeys: []*model.APIKey{
				{Meta: model.Meta{ID: "SCWTAKEN"}, Application: "shared-app", Name: "SCWTAKEN"},
				{Meta: model.Meta{ID: "SCWOTHER"}, Application: "unrelated", Name: "SCWOTHER"},
			},
			Policies: []*model.Policy{{Meta: model.Meta{ID: "pol-other"}, Name: "unrelated-policy"}},
			Projects: []*model.Project{{Meta: model.Meta{ID: "prj-web"}, Name: "web"}, {Meta: model.Meta{ID: "prj-other"}, Name: "other"}},
			Users:    []*model.User{{Meta: model.Meta{ID: "u-alice"}, Email: "alice@example.com"}, {Meta: model.Meta{ID: "u-bob"}, Email: "bob@example.com"}},
		}
	}
	fingerprint := func(t *testing.T, l *model.Org) string {
		t.Helper()
		p, err := Diff(desired(), l, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint.Live
	}
	before := fingerprint(t, base())

	app := func(o *model.Org, name string) *model.Application {
		for _, a := range o.Applications {
			if a.Name == name {
				return a
			}
		}
		t.Fatalf("no application %s", name)
		return nil
	}
	stale := []struct {
		name   string
		change func(o *model.Org)
		// refused: the change makes the manifests unplannable (an ambiguous project name),
		// which stops a saved plan as surely as a stale fingerprint.
		refused bool
	}{
		{"a resource the stack owns", func(o *model.Org) { app(o, "owned-leftover").Description = "edited" }, false},
		{"an application named as a member", func(o *model.Org) { app(o, "shared-app").Description = "edited" }, false},
		{"a group named as a principal", func(o *model.Org) { o.Groups[0].Tags = []string{"x"} }, false},
		{"a principal named by ID", func(o *model.Org) { app(o, "outside").Description = "edited" }, false},
		{"an API key named by access key", func(o *model.Org) { o.APIKeys[0].Description = "edited" }, false},
		{"a live namesake of a declared policy", func(o *model.Org) {
			o.Policies = append(o.Policies, &model.Policy{Meta: model.Meta{ID: "pol-p1"}, Name: "p1"})
		}, false},
		{"a project named by name", func(o *model.Org) { o.Projects[0].ID = "prj-web-2" }, false},
		{"a new project taking a referenced name", func(o *model.Org) {
			o.Projects = append(o.Projects, &model.Project{Meta: model.Meta{ID: "prj-web-dup"}, Name: "web"})
		}, true},
		{"a user named by email", func(o *model.Org) { o.Users[0].ID = "u-alice-2" }, false},
	}
	for _, tc := range stale {
		t.Run("stale/"+tc.name, func(t *testing.T) {
			l := base()
			tc.change(l)
			p, err := Diff(desired(), l, Options{})
			if tc.refused {
				if err == nil {
					t.Error("the plan was made anyway")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Fingerprint.Live == before {
				t.Errorf("the live fingerprint did not change")
			}
		})
	}
	unrelated := []struct {
		name   string
		change func(o *model.Org)
	}{
		{"an application nothing refers to", func(o *model.Org) { app(o, "unrelated").Description = "edited" }},
		{"a group nothing refers to", func(o *model.Org) { o.Groups[1].Description = "edited" }},
		{"a policy nothing refers to", func(o *model.Org) { o.Policies[0].Description = "edited" }},
		{"a key nothing refers to", func(o *model.Org) { o.APIKeys[1].Description = "edited" }},
		{"a project nothing refers to", func(o *model.Org) { o.Projects[1].Name = "renamed" }},
		{"a user nothing refers to", func(o *model.Org) { o.Users[1].Email = "robert@example.com" }},
	}
	for _, tc := range unrelated {
		t.Run("unchanged/"+tc.name, func(t *testing.T) {
			l := base()
			tc.change(l)
			if fingerprint(t, l) != before {
				t.Errorf("the live fingerprint changed")
			}
		})
	}
}

// TestRulesUnreadAreNotNoRules: a live policy whose rules the reader skipped must never be
// compared as if it had none (that would plan to add every rule it already has).
func TestRulesUnreadAreNotNoRules(t *testing.T) {
	d := &model.Org{Stack: "s", Policies: []*model.Policy{{Name: "p", Rules: []model.Rule{{PermissionSets: []string{"A"}, Organization: true}}}}}
	l := &model.Org{Policies: []*model.Policy{{Meta: model.Meta{ID: "pol", Owner: "s"}, Name: "p", RulesUnread: true}}}
	if _, err := Diff(d, l, Options{}); err == nil {
		t.Fatal("a policy with unread rules was compared")
	}
	// The reader reads exactly the rules Dependencies asks for: a declared or owned policy's.
	deps := model.DependenciesOf(d)
	if !deps.WantsRules("p", "") || !deps.WantsRules("q", "s") || deps.WantsRules("q", "other") || deps.WantsRules("q", "") {
		t.Error("WantsRules disagrees with what the differ compares")
	}
}
