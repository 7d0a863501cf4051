package emulator

import (
	"errors"
	"net/http"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func startServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sdkClient(t testing.TB, s *Server, c Credentials) *scw.Client {
	t.Helper()
	cl, err := scw.NewClient(scw.WithAPIURL(s.URL()), scw.WithAuth(c.AccessKey, c.SecretKey), scw.WithDefaultOrganizationID(c.OrganizationID),
		scw.WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestSDKRoundTrip(t *testing.T) {
	s := startServer(t, Options{Seed: 1, ManagedObjects: true, Users: []string{"alice@example.com"}})
	cl := sdkClient(t, s, s.Owner())
	api := iam.NewAPI(cl)
	app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "ci", Tags: []string{"b", "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "ci" || len(app.Tags) != 2 || app.Tags[0] != "b" || !app.Editable {
		t.Fatalf("created application = %+v", app)
	}
	org := s.OrganizationID()
	pol, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "ci", ApplicationID: &app.ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: &org},
		{PermissionSetNames: &[]string{"AllProductsFullAccess"}, OrganizationID: &org},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if pol.NbRules != 0 {
		t.Errorf("create answer nb_rules = %d, want 0 (trap 2)", pol.NbRules)
	}
	got, err := api.GetPolicy(&iam.GetPolicyRequest{PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.NbRules != 2 || got.NbScopes != 1 || got.NbPermissionSets != 2 {
		t.Errorf("counters = %d/%d/%d, want 2/1/2", got.NbRules, got.NbScopes, got.NbPermissionSets)
	}
	rules, err := api.ListRules(&iam.ListRulesRequest{PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 2 || rules.Rules[0].PermissionSetsScopeType != iam.PermissionSetScopeTypeOrganization ||
		rules.Rules[1].PermissionSetsScopeType != iam.PermissionSetScopeTypeProjects {
		t.Fatalf("rules = %+v", rules.Rules)
	}
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, Description: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if key.SecretKey == nil || key.DefaultProjectID != org {
		t.Fatalf("key = %+v", key)
	}
	apps, err := api.ListApplications(&iam.ListApplicationsRequest{}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	// owner application, VPN Gateway, ci
	if apps.TotalCount != 3 || len(apps.Applications) != 3 {
		t.Fatalf("applications total %d, len %d", apps.TotalCount, len(apps.Applications))
	}
	projects, err := account.NewProjectAPI(cl).ListProjects(&account.ProjectAPIListProjectsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if projects.TotalCount != 1 || projects.Projects[0].ID != org {
		t.Fatalf("projects = %+v", projects.Projects)
	}
	// The new key has IAMManager through its application's policy.
	cl2 := sdkClient(t, s, Credentials{AccessKey: key.AccessKey, SecretKey: *key.SecretKey, OrganizationID: org})
	if _, err := iam.NewAPI(cl2).CreateGroup(&iam.CreateGroupRequest{Name: "g"}); err != nil {
		t.Fatalf("IAMManager key cannot create a group: %v", err)
	}
	err = api.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: "00000000-0000-4000-8000-000000000000"})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "application" {
		t.Fatalf("delete unknown application: %v", err)
	}
}
