package export_test

import (
	"strings"
	"testing"

	"github.com/iamsync/iamsync/export"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/schema"
)

// Issue 17: a policy on Scaleway's managed group "All Users" exports as {group: all-users}
// (the group itself, Scaleway's, is not exported), which loads without a group declaration and
// plans back onto the same group: the adoption changes nothing about its principal.
func TestExportManagedGroupPolicy(t *testing.T) {
	live := &model.Org{OrganizationID: "0a000000-0000-4000-8000-000000000000",
		Users:  []*model.User{{Meta: model.Meta{ID: "7a000000-0000-4000-8000-0000000000a1"}, Email: "alice@example.com"}},
		Groups: []*model.Group{{Meta: model.Meta{ID: "9a000000-0000-4000-8000-0000000000a1", Managed: true}, Name: "All Users", Tags: []string{}, AllUsers: true}},
		Policies: []*model.Policy{{Meta: model.Meta{ID: "6c000000-0000-4000-8000-000000000001"}, Name: "everyone-reads", Tags: []string{},
			Principal: model.Principal{Kind: model.PrincipalGroup, ID: "9a000000-0000-4000-8000-0000000000a1", Name: "All Users"},
			Rules:     []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}},
	}
	files, err := export.Export(live, export.Options{Stack: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var in []schema.File
	var text string
	for _, f := range files {
		in = append(in, schema.File{Name: f.Name, Data: f.Data})
		text += string(f.Data)
	}
	if !strings.Contains(text, "group: all-users") || strings.Contains(text, "All Users") {
		t.Fatalf("the export does not name the managed group by its manifest name:\n%s", text)
	}
	var l schema.Loader
	desired, ds := l.LoadFiles(in)
	if ds.HasErrors() {
		t.Fatalf("the export does not load:\n%v\n%s", ds, text)
	}
	p, err := plan.Diff(desired, live, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	adopted := false
	for _, a := range p.Actions {
		if a.Op != plan.Adopt || a.Changed(plan.FieldPrincipal) {
			t.Errorf("want only adoptions (the exported member and policy) that keep the principal, got %s %s %+v", a.Op, a.Key, a.Changes)
		}
		adopted = adopted || a.Key == model.Key{Kind: model.KindPolicy, Name: "everyone-reads"}
	}
	if !adopted {
		t.Errorf("the policy on the managed group is not adopted: %+v", p.Actions)
	}
}
