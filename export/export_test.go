package export_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/export"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/schema"
	"github.com/iamsync/iamsync/secrets"
)

// handBuilt makes an organization of about 30 resources of every kind through the SDK, the way
// a team that never used iamsync would have: 6 applications, 9 API keys, 3 groups with members,
// 6 policies with rules on the organization and on projects, some with conditions.
func handBuilt(t *testing.T, emu *emulator.Server) {
	t.Helper()
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	api := iam.NewAPI(client)
	projects := account.NewProjectAPI(client)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	prod, err := projects.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "production", OrganizationID: o.OrganizationID})
	must(err)
	staging, err := projects.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "staging", OrganizationID: o.OrganizationID})
	must(err)
	users, err := api.ListUsers(&iam.ListUsersRequest{OrganizationID: &o.OrganizationID}, scw.WithAllPages())
	must(err)
	var apps []string
	for i := 0; i < 6; i++ {
		a, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: fmt.Sprintf("app-%d", i), OrganizationID: o.OrganizationID,
			Description: fmt.Sprintf("Application %d", i), Tags: []string{"team=t" + fmt.Sprint(i%2)}})
		must(err)
		apps = append(apps, a.ID)
	}
	for i := 0; i < 9; i++ {
		req := &iam.CreateAPIKeyRequest{ApplicationID: &apps[i%6], Description: fmt.Sprintf("key %d", i)}
		if i%3 == 0 {
			exp := time.Now().Add(time.Duration(30+i) * 24 * time.Hour).UTC().Truncate(time.Second)
			req.ExpiresAt = &exp
		}
		if i%2 == 0 {
			req.DefaultProjectID = &prod.ID
		}
		_, err := api.CreateAPIKey(req)
		must(err)
	}
	var groups []string
	for i := 0; i < 3; i++ {
		g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: fmt.Sprintf("group-%d", i), OrganizationID: o.OrganizationID, Description: "a group"})
		must(err)
		userIDs := []string{}
		if i < len(users.Users) {
			userIDs = append(userIDs, users.Users[i].ID)
		}
		_, err = api.SetGroupMembers(&iam.SetGroupMembersRequest{GroupID: g.ID, ApplicationIDs: []string{apps[i], apps[i+3]}, UserIDs: userIDs})
		must(err)
		groups = append(groups, g.ID)
	}
	org := o.OrganizationID
	// An SSH key by hand, in a named project, and tags on a member.
	_, err = api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "laptop", ProjectID: prod.ID,
		PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM someone@laptop"})
	must(err)
	_, err = api.UpdateUser(&iam.UpdateUserRequest{UserID: users.Users[1].ID, Tags: &[]string{"team=data"}})
	must(err)
	for i := 0; i < 6; i++ {
		sets := []string{"InstancesFullAccess", "ContainerRegistryReadOnly"}
		rules := []*iam.RuleSpecs{
			{PermissionSetNames: &sets, ProjectIDs: &[]string{prod.ID, staging.ID}},
			{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org, Condition: "request.user_agent == 'ci'"},
		}
		req := &iam.CreatePolicyRequest{Name: fmt.Sprintf("policy-%d", i), OrganizationID: org, Rules: rules}
		switch i % 3 {
		case 0:
			req.ApplicationID = &apps[i]
		case 1:
			req.GroupID = &groups[i%3]
		default:
			t := true
			req.NoPrincipal = &t
		}
		_, err := api.CreatePolicy(req)
		must(err)
	}
}

type store struct{ *secrets.File }

// TestExportRoundTrip exports a hand-built organization, plans the export (only adoptions),
// applies it (IDs unchanged, nothing created or deleted), and plans again (nothing to do).
func TestExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com", "bob@example.com"}, ManagedObjects: true})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	handBuilt(t, emu)
	o := emu.Owner()
	url := emu.URL()
	client, err := live.New(live.Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &o.AccessKey, SecretKey: &o.SecretKey, DefaultOrganizationID: &o.OrganizationID}})
	if err != nil {
		t.Fatal(err)
	}
	// SAML with a certificate and SCIM with a token, set up by hand (federation.go).
	cert, err := os.ReadFile("../schema/testdata/idp-2099.pem")
	if err != nil {
		t.Fatal(err)
	}
	samlID, err := client.EnableSAML(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.UpdateSAML(ctx, samlID, "https://idp.example.test/metadata", "https://idp.example.test/sso"); err != nil {
		t.Fatal(err)
	}
	if err := client.SetSAMLCertificates(ctx, samlID, []string{string(cert)}); err != nil {
		t.Fatal(err)
	}
	scimID, err := client.EnableSCIM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokenID, _, bearer, err := client.CreateSCIMToken(ctx, scimID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := client.Read(ctx, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}

	files, err := export.Export(before, export.Options{Stack: "adopted"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(f.Data), "VPN Gateway") {
			t.Errorf("%s exports a provider-managed object", f.Name)
		}
		if strings.Contains(string(f.Data), bearer.Reveal()) {
			t.Errorf("%s holds the SCIM token's bearer", f.Name)
		}
		if f.Name == "identity_provider.yaml" && (!strings.Contains(string(f.Data), "id: "+tokenID) || !strings.Contains(string(f.Data), "BEGIN CERTIFICATE") || !strings.Contains(string(f.Data), "login_methods:")) {
			t.Errorf("identity_provider.yaml lacks the token, the certificate or the login methods:\n%s", f.Data)
		}
	}
	if strings.Join(names, ",") != "projects.yaml,applications.yaml,groups.yaml,policies.yaml,users.yaml,ssh_keys.yaml,security_settings.yaml,identity_provider.yaml" {
		t.Errorf("files = %v", names)
	}
	desired, ds := schema.Load([]string{dir})
	if ds.HasErrors() {
		t.Fatalf("the export does not load:\n%v", ds)
	}
	p, err := plan.Diff(desired, before, plan.Options{Now: time.Now(), Self: o.AccessKey})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Conflicts) != 0 {
		t.Fatalf("conflicts: %+v", p.Conflicts)
	}
	counts := map[plan.Op]int{}
	for _, a := range p.Actions {
		counts[a.Op]++
		if a.Op != plan.Adopt {
			t.Errorf("the plan of an export should only adopt, got %s %s %+v", a.Op, a.Key, a.Changes)
		}
	}
	// 7 applications (6 + the emulator's owner), 10 keys (9 + the owner's), 3 groups, 6 policies,
	// 2 members (the owner is read-only), 1 SSH key, 2 projects (prod and staging; never the
	// default one); the security settings match as they are.
	if counts[plan.Adopt] != 31 {
		t.Errorf("adoptions = %d, want 31", counts[plan.Adopt])
	}

	res := apply.Apply(ctx, client, p, apply.Options{Stack: "adopted", Live: before, Secrets: secrets.Open(filepath.Join(dir, "s.env"))})
	if !res.OK() {
		t.Fatalf("apply: %+v", res.Failed)
	}
	after, err := client.Read(ctx, live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(o *model.Org) map[string]string {
		m := map[string]string{}
		for _, a := range o.Applications {
			m[a.Key().String()] = a.ID
		}
		for _, g := range o.Groups {
			m[g.Key().String()] = g.ID
		}
		for _, x := range o.Policies {
			m[x.Key().String()] = x.ID
		}
		for _, k := range o.APIKeys {
			m[k.ID] = k.Application
		}
		for _, u := range o.Users {
			m[u.Key().String()] = u.ID
		}
		for _, p := range o.Projects {
			m[p.Key().String()] = p.ID
		}
		for _, k := range o.SSHKeys {
			m[k.Key().String()] = k.ID
		}
		return m
	}
	b, a := ids(before), ids(after)
	if len(a) != len(b) {
		t.Errorf("%d resources before adoption, %d after", len(b), len(a))
	}
	for k, id := range b {
		if a[k] != id {
			t.Errorf("%s: ID %s before adoption, %s after: it was re-created", k, id, a[k])
		}
	}
	again, err := plan.Diff(desired, after, plan.Options{Now: time.Now(), Self: o.AccessKey})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		var buf strings.Builder
		plan.RenderText(&buf, again, plan.TextOptions{})
		t.Errorf("after adoption the plan is not empty:\n%s", buf.String())
	}

	// Exported again, now that the stack owns everything, the manifests say the same with
	// nothing left to adopt, and plan to nothing.
	files2, err := export.Export(after, export.Options{Stack: "adopted"})
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	for _, f := range files2 {
		if strings.Contains(stripComments(string(f.Data)), "adopt: true") || strings.Contains(stripComments(string(f.Data)), "access_key:") {
			t.Errorf("%s still adopts after adoption:\n%s", f.Name, f.Data)
		}
		if err := os.WriteFile(filepath.Join(dir2, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	desired2, ds := schema.Load([]string{dir2})
	if ds.HasErrors() {
		t.Fatalf("the second export does not load:\n%v", ds)
	}
	if p2, err := plan.Diff(desired2, after, plan.Options{Now: time.Now(), Self: o.AccessKey}); err != nil || !p2.Empty() {
		t.Errorf("the second export does not plan empty: %v %+v %+v", err, p2.Actions, p2.Conflicts)
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
