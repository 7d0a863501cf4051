package live

import (
	"context"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

// Projects read with their owner from the description's marker, the description without it,
// and the default project as provider-managed whatever its description says; Find settles a
// project's creation by its marker, as it does for SSH keys.
func TestReadProjects(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	c := emulatorClient(t, emu, emu.Owner())
	owned, err := c.CreateProject(ctx, "analytics", model.ProjectDescription("Data team", "platform"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateProject(ctx, "by-hand", "made in the console"); err != nil {
		t.Fatal(err)
	}
	// Someone writes a marker into the default project's description: still Scaleway's.
	if err := c.UpdateProject(ctx, c.OrganizationID, model.ProjectDescription("", "platform")); err != nil {
		t.Fatal(err)
	}
	o, err := c.Read(ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range o.Projects {
		got[p.Name] = p.Owner + "|" + p.Description
		if p.ID == c.OrganizationID && !p.Managed {
			t.Errorf("the default project %q is not read as managed", p.Name)
		}
		if p.ID != c.OrganizationID && p.Managed {
			t.Errorf("project %q read as managed", p.Name)
		}
	}
	if got["analytics"] != "platform|Data team" || got["by-hand"] != "|made in the console" {
		t.Errorf("projects read as %v", got)
	}
	found, err := c.Find(ctx, model.KindProject, "analytics", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].ID != owned || len(found[0].Tags) != 1 || found[0].Tags[0] != model.OwnerTag("platform") {
		t.Errorf("Find(analytics) = %+v, want %s with the ownership tag", found, owned)
	}
}

// The rules of every policy are read when the stack may delete a project (a rule anywhere may
// hold it), and only then.
func TestReadProjectRulesOnlyWhenAProjectMayGo(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	c := emulatorClient(t, emu, emu.Owner())
	if _, err := c.CreateProject(ctx, "old", model.ProjectDescription("", "platform")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePolicy(ctx, &model.Policy{Name: "other", Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}, []string{model.OwnerTag("data")}); err != nil {
		t.Fatal(err)
	}
	none := func(name, owner string) bool { return false }
	for _, tc := range []struct {
		name       string
		project    func(name, owner string) bool
		wantUnread bool
	}{
		{"no project may go", none, true},
		{"the stack's project old may go", func(name, owner string) bool { return name == "old" && owner == "platform" }, false},
	} {
		o, err := c.Read(ctx, ReadOptions{RulesFor: none, RulesForProject: tc.project})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, p := range o.Policies {
			if strings.HasPrefix(p.Name, "other") {
				seen++
				if p.RulesUnread != tc.wantUnread {
					t.Errorf("%s: policy %s RulesUnread = %v, want %v", tc.name, p.Name, p.RulesUnread, tc.wantUnread)
				}
			}
		}
		if seen != 1 {
			t.Errorf("%s: %d policies named other read, want 1", tc.name, seen)
		}
	}
}
