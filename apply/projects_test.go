package apply_test

import (
	"context"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
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

// A project the manifests declare is created in its own phase, first, and the rule, key and SSH
// key naming it in the same run reach the API with its new ID; its description carries the
// ownership marker. Dropping the project with what names it deletes them, then the project.
func TestProjectsDeclaredInTheSameRun(t *testing.T) {
	e := setup(t)
	d := desired()
	d.Projects = []*model.Project{{Name: "analytics", Description: "Data team"}}
	d.Policies[0].Rules = append(d.Policies[0].Rules, model.Rule{PermissionSets: []string{"ObjectStorageReadOnly"}, Projects: []string{"analytics"}})
	d.APIKeys[0].DefaultProject = "analytics"
	d.SSHKeys = []*model.SSHKey{{Name: "laptop", Project: "analytics", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM"}}

	res, p := e.run(t, context.Background(), d)
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if p.Actions[0].Key != (model.Key{Kind: model.KindProject, Name: "analytics"}) {
		t.Errorf("first action %s, want the project's creation", p.Actions[0].Key)
	}
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, pr := range l.Projects {
		if pr.Name == "analytics" {
			id = pr.ID
			if pr.Owner != "s" || pr.Description != "Data team" {
				t.Errorf("analytics live: owner %q, description %q; want s, Data team", pr.Owner, pr.Description)
			}
		}
	}
	if id == "" {
		t.Fatal("analytics was not created")
	}
	var scoped []string
	for _, pol := range l.Policies {
		for _, r := range pol.Rules {
			scoped = append(scoped, r.Projects...)
		}
	}
	if len(scoped) != 1 || scoped[0] != id {
		t.Errorf("rule projects live: %v, want [%s]", scoped, id)
	}
	for _, k := range l.APIKeys {
		if k.Application == "app" && k.DefaultProject != id {
			t.Errorf("key's default project live: %q, want %s", k.DefaultProject, id)
		}
	}
	if len(l.SSHKeys) != 1 || l.SSHKeys[0].Project != id {
		t.Errorf("SSH key's project live: %+v, want %s", l.SSHKeys, id)
	}
	e.converged(t, d)

	// Gone from the manifests with everything that names it: deleted after them.
	d.Projects, d.SSHKeys = nil, nil
	d.Policies[0].Rules = d.Policies[0].Rules[:1]
	d.APIKeys[0].DefaultProject = ""
	d.APIKeys = nil
	res, p = e.run(t, context.Background(), d)
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if last := p.Actions[len(p.Actions)-1]; last.Op != plan.Delete || last.Key.Kind != model.KindProject {
		t.Errorf("last action %s %s, want the project's deletion", last.Op, last.Key)
	}
	l, err = e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range l.Projects {
		if pr.Name == "analytics" {
			t.Errorf("project analytics (%s) is still there", pr.ID)
		}
	}
	e.converged(t, d)
}
