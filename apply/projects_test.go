package apply_test

import (
	"context"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
)

// Project references travel through the plan by name and become IDs in apply: a rule's
// projects, a key's default project and an SSH key's project reach the API as the project's ID,
// and the organization then plans no change.
func TestProjectNamesBecomeIDsInApply(t *testing.T) {
	e := setup(t)
	o := e.emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(e.emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	web, err := account.NewProjectAPI(client).CreateProject(&account.ProjectAPICreateProjectRequest{Name: "web", OrganizationID: o.OrganizationID})
	if err != nil {
		t.Fatal(err)
	}
	d := desired()
	d.Policies[0].Rules = append(d.Policies[0].Rules, model.Rule{PermissionSets: []string{"ObjectStorageReadOnly"}, Projects: []string{"web"}})
	d.APIKeys[0].DefaultProject = "web"
	d.SSHKeys = []*model.SSHKey{{Name: "laptop", Project: "web", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM"}}

	res, p := e.run(t, context.Background(), d)
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	for _, a := range p.Actions {
		if k, ok := a.Resource.(*model.APIKey); ok && k.DefaultProject != "web" {
			t.Errorf("the plan carries default project %q, want the name", k.DefaultProject)
		}
	}
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ruleProjects []string
	for _, pol := range l.Policies {
		for _, r := range pol.Rules {
			ruleProjects = append(ruleProjects, r.Projects...)
		}
	}
	if len(ruleProjects) != 1 || ruleProjects[0] != web.ID {
		t.Errorf("rule projects live: %v, want [%s]", ruleProjects, web.ID)
	}
	keys := 0
	for _, k := range l.APIKeys {
		if k.Application == "app" {
			keys++
			if k.DefaultProject != web.ID {
				t.Errorf("key's default project live: %q, want %s", k.DefaultProject, web.ID)
			}
		}
	}
	if keys != 1 {
		t.Errorf("%d keys of app live, want 1", keys)
	}
	if len(l.SSHKeys) != 1 || l.SSHKeys[0].Project != web.ID {
		t.Errorf("SSH key's project live: %+v, want %s", l.SSHKeys, web.ID)
	}
	e.converged(t, d)
}
