package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// Behaviour the recordings show (BEHAVIOUR.md §7 traps), driven through the SDK.

func TestPolicyPaginationAndOrder(t *testing.T) {
	s := startServer(t, Options{Seed: 20, ManagedObjects: true})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	names := []string{"delta", "Alpha", "beta", "Gamma"}
	for i := 0; i < 24; i++ {
		name := fmt.Sprintf("%s-%02d", names[i%len(names)], i)
		if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: name, NoPrincipal: scw.BoolPtr(true), Rules: []*iam.RuleSpecs{
			{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}}); err != nil {
			t.Fatal(err)
		}
	}
	// 24 + the managed VPN policy = 25: pages of 20 and 5 (list-iam-policies-basic #18, #19).
	p1, err := api.ListPolicies(&iam.ListPoliciesRequest{Page: scw.Int32Ptr(1)})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := api.ListPolicies(&iam.ListPoliciesRequest{Page: scw.Int32Ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Policies) != 20 || len(p2.Policies) != 5 || p1.TotalCount != 25 || p2.TotalCount != 25 {
		t.Fatalf("pages %d+%d, totals %d/%d; want 20+5 of 25", len(p1.Policies), len(p2.Policies), p1.TotalCount, p2.TotalCount)
	}
	all := append(p1.Policies, p2.Policies...)
	for i := 1; i < len(all); i++ {
		if strings.ToLower(all[i-1].Name) > strings.ToLower(all[i].Name) {
			t.Fatalf("%q before %q: not case-insensitive name order", all[i-1].Name, all[i].Name)
		}
	}
	if last := all[len(all)-1]; !strings.HasPrefix(last.Name, "VPN Gateway") || !last.Managed || last.Editable {
		t.Fatalf("last policy %+v, want the managed VPN Gateway one", last)
	}
	ed, err := api.ListPolicies(&iam.ListPoliciesRequest{Editable: scw.BoolPtr(true), PageSize: scw.Uint32Ptr(100)})
	if err != nil || ed.TotalCount != 24 {
		t.Fatalf("editable=true: %v %v", ed.TotalCount, err)
	}
	_, err = api.ListPolicies(&iam.ListPoliciesRequest{PageSize: scw.Uint32Ptr(101)})
	var ia *scw.InvalidArgumentsError
	if !errors.As(err, &ia) || ia.Details[0].ArgumentName != "page_size" {
		t.Fatalf("page_size 101: %v", err)
	}
}

func TestRulesScopeTypeAndRenewal(t *testing.T) {
	s := startServer(t, Options{Seed: 21})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	p, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "p", NoPrincipal: scw.BoolPtr(true), Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"AllProductsFullAccess"}, OrganizationID: &org},
	}})
	if err != nil {
		t.Fatal(err)
	}
	before, err := api.ListRules(&iam.ListRulesRequest{PolicyID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	r := before.Rules[0]
	// A project-level set at organization scope reports "projects" plus organization_id (trap 4).
	if r.PermissionSetsScopeType != iam.PermissionSetScopeTypeProjects || r.OrganizationID == nil || *r.OrganizationID != org || r.ProjectIDs != nil {
		t.Fatalf("rule %+v", r)
	}
	set, err := api.SetRules(&iam.SetRulesRequest{PolicyID: p.ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"AllProductsFullAccess"}, OrganizationID: &org},
		{PermissionSetNames: &[]string{"IAMManager"}, ProjectIDs: &[]string{org}},
	}})
	var ia *scw.InvalidArgumentsError
	if !errors.As(err, &ia) || ia.Details[0].ArgumentName != "rules[1].project_ids" {
		t.Fatalf("organization-level set on projects: %v", err)
	}
	_, err = api.SetRules(&iam.SetRulesRequest{PolicyID: p.ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"IAMManager", "AllProductsFullAccess"}, OrganizationID: &org}}})
	if !errors.As(err, &ia) || !strings.Contains(ia.Details[0].HelpMessage, "same scope type") {
		t.Fatalf("mixed scope types: %v", err)
	}
	set, err = api.SetRules(&iam.SetRulesRequest{PolicyID: p.ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"AllProductsFullAccess"}, OrganizationID: &org}}})
	if err != nil {
		t.Fatal(err)
	}
	if set.Rules[0].ID == r.ID {
		t.Fatal("PUT /rules kept the rule ID (trap 3: every set renews it)")
	}
}

func TestGroupMembers(t *testing.T) {
	s := startServer(t, Options{Seed: 22, Users: []string{"a@example.com", "b@example.com", "c@example.com"}})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	users, err := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeMember})
	if err != nil || users.TotalCount != 3 {
		t.Fatalf("member users: %v %v", users, err)
	}
	var ids []string
	for _, u := range users.Users {
		ids = append(ids, u.ID)
	}
	reversed := []string{}
	for i := len(ids) - 1; i >= 0; i-- {
		reversed = append(reversed, ids[i])
	}
	if sorted(reversed)[0] == reversed[0] { // make sure the request order is not sorted
		reversed[0], reversed[1] = reversed[1], reversed[0]
	}
	g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := api.SetGroupMembers(&iam.SetGroupMembersRequest{GroupID: g.ID, UserIDs: reversed, ApplicationIDs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(set.UserIDs, ",") != strings.Join(reversed, ",") {
		t.Fatalf("PUT members answered %v, want the request order %v (trap 5)", set.UserIDs, reversed)
	}
	got, err := api.GetGroup(&iam.GetGroupRequest{GroupID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.UserIDs, ",") != strings.Join(sorted(reversed), ",") {
		t.Fatalf("GET group %v, want sorted", got.UserIDs)
	}
	if !got.UpdatedAt.Equal(*g.UpdatedAt) {
		t.Fatal("membership change moved updated_at (§5.2)")
	}
	if _, err := api.RemoveGroupMember(&iam.RemoveGroupMemberRequest{GroupID: g.ID, UserID: &ids[0]}); err != nil {
		t.Fatal(err)
	}
	_, err = api.RemoveGroupMember(&iam.RemoveGroupMemberRequest{GroupID: g.ID, UserID: &ids[0]})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "" || nf.ResourceID != ids[0] {
		t.Fatalf("remove non-member: %v, want 404 with an empty resource (trap 17)", err)
	}
}

func TestDeleteApplicationCascade(t *testing.T) {
	s := startServer(t, Options{Seed: 23})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	app, _ := api.CreateApplication(&iam.CreateApplicationRequest{Name: "doomed"})
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := api.GetApplication(&iam.GetApplicationRequest{ApplicationID: app.ID})
	if got.NbAPIKeys != 1 {
		t.Fatalf("nb_api_keys %d, want 1", got.NbAPIKeys)
	}
	pol, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "p", ApplicationID: &app.ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: app.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: key.AccessKey})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "access_key" {
		t.Fatalf("key after its application's deletion: %v (trap 16)", err)
	}
	p, err := api.GetPolicy(&iam.GetPolicyRequest{PolicyID: pol.ID})
	if err != nil || p.NoPrincipal == nil || !*p.NoPrincipal || p.ApplicationID != nil {
		t.Fatalf("policy after its application's deletion: %+v %v", p, err)
	}
	// The owner application is protected.
	if err := api.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: ownerApp(s)}); err == nil {
		t.Fatal("the owner application could be deleted")
	}
}

func ownerApp(s *Server) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.OwnerApplicationID
}

func TestAPIKeyShape(t *testing.T) {
	s := startServer(t, Options{Seed: 24})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	app, _ := api.CreateApplication(&iam.CreateApplicationRequest{Name: "k"})
	code, body := do(t, s, "POST", "/iam/v1alpha1/api-keys", s.Owner().SecretKey,
		`{"application_id":"`+app.ID+`","expires_at":"2035-07-06T11:00:00+02:00","description":"d"}`)
	if code != 200 || !strings.Contains(body, `"expires_at":"2035-07-06T09:00:00Z"`) || strings.Contains(body, `"secret_key":null`) {
		t.Fatalf("create: %d %s (expires_at normalised to UTC, secret given once)", code, body)
	}
	keys, err := api.ListAPIKeys(&iam.ListAPIKeysRequest{BearerID: &app.ID, BearerType: iam.BearerTypeApplication})
	if err != nil || len(keys.APIKeys) != 1 || keys.APIKeys[0].SecretKey != nil {
		t.Fatalf("list: %+v %v (secret must be null)", keys, err)
	}
	code, body = do(t, s, "GET", "/iam/v1alpha1/api-keys/"+keys.APIKeys[0].AccessKey, s.Owner().SecretKey, "")
	if code != 200 || !strings.Contains(body, `"secret_key":null`) {
		t.Fatalf("get: %d %s", code, body)
	}
	for _, sec := range s.IssuedSecrets() {
		if strings.Contains(body, sec) {
			t.Fatal("a GET revealed a secret")
		}
	}
}

func TestProjects(t *testing.T) {
	s := startServer(t, Options{Seed: 25})
	api := account.NewProjectAPI(sdkClient(t, s, s.Owner()))
	p, err := api.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	code, body := do(t, s, "GET", "/account/v3/projects/"+p.ID, s.Owner().SecretKey, "")
	if code != 200 || !strings.Contains(body, `"qualification":{"architecture_type":"unknown_architecture_type"}`) {
		t.Fatalf("get project: %d %s (trap 11)", code, body)
	}
	if err := api.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: p.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetProject(&account.ProjectAPIGetProjectRequest{ProjectID: p.ID})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "project_id" {
		t.Fatalf("deleted project: %v", err)
	}
	if err := api.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: s.OrganizationID()}); err == nil {
		t.Fatal("the default project could be deleted")
	}
}

func TestPermissionSets(t *testing.T) {
	s := startServer(t, Options{Seed: 26})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	sets, err := api.ListPermissionSets(&iam.ListPermissionSetsRequest{}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	if int(sets.TotalCount) != len(catalog) || len(sets.PermissionSets) != len(catalog) || len(catalog) < 100 {
		t.Fatalf("%d sets, total %d, catalogue %d", len(sets.PermissionSets), sets.TotalCount, len(catalog))
	}
	for _, ps := range sets.PermissionSets {
		if ps.Name == "IAMManager" && ps.ScopeType != iam.PermissionSetScopeTypeOrganization {
			t.Fatalf("IAMManager scope %s", ps.ScopeType)
		}
	}
}

func TestBadRequests(t *testing.T) {
	s := startServer(t, Options{Seed: 27})
	tok := s.Owner().SecretKey
	org := s.OrganizationID()
	tests := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/iam/v1alpha1/applications/not-a-uuid", "", 400, `"argument_name":"application_id"`},
		{"GET", "/iam/v1alpha1/applications/00000000-0000-4000-8000-000000000000", "", 404, `"resource":"application"`},
		{"POST", "/iam/v1alpha1/applications", `{"name":42}`, 400, `"type":"invalid_arguments"`},
		{"POST", "/iam/v1alpha1/applications", `{`, 400, `"type":"invalid_arguments"`},
		{"POST", "/iam/v1alpha1/applications", `{"organization_id":"` + org + `"}`, 400, `"reason":"required"`},
		{"POST", "/iam/v1alpha1/policies", `{"name":"p","organization_id":"` + org + `","rules":[{"permission_set_names":["Nope"],"organization_id":"` + org + `"}],"no_principal":true}`, 400, `"argument_name":"rules[0].permission_set_names"`},
		{"POST", "/iam/v1alpha1/policies", `{"name":"p","organization_id":"` + org + `","rules":[]}`, 400, `"reason":"required"`},
		{"GET", "/iam/v1alpha1/rules", "", 400, `"argument_name":"policy_id"`},
		{"GET", "/iam/v1alpha1/applications?order_by=sideways", "", 400, `"argument_name":"order_by"`},
		{"DELETE", "/iam/v1alpha1/api-keys/SCWNOPE", "", 404, `"resource":"access_key"`},
		{"GET", "/iam/v1alpha1/nothing", "", 404, `"type":"not_found"`},
		{"PUT", "/iam/v1alpha1/applications", "", 405, `"message"`},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, body := do(t, s, tc.method, tc.path, tok, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d with %s", code, body, tc.code, tc.want)
			}
		})
	}
}

func TestListConventions(t *testing.T) {
	s := startServer(t, Options{Seed: 28, Users: []string{"m@example.com"}})
	tok := s.Owner().SecretKey
	// Empty lists are [] with a total_count, never null (§2, §4).
	// (The managed groups are in every organization: filter them out by name.)
	if code, body := do(t, s, "GET", "/iam/v1alpha1/groups?name=nothing-has-this-name", tok, ""); code != 200 || body != `{"groups":[],"total_count":0}` {
		t.Fatalf("empty groups list: %d %s", code, body)
	}
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	for _, n := range []string{"b", "C", "a"} {
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		order iam.ListGroupsRequestOrderBy
		want  string
	}{
		// The managed groups were created with the organization, before anything else.
		{iam.ListGroupsRequestOrderByCreatedAtAsc, "All Applications,All Users,b,C,a"},
		{iam.ListGroupsRequestOrderByCreatedAtDesc, "a,C,b,All Users,All Applications"},
		{iam.ListGroupsRequestOrderByNameAsc, "a,All Applications,All Users,b,C"},
		{iam.ListGroupsRequestOrderByNameDesc, "C,b,All Users,All Applications,a"},
	} {
		gs, err := api.ListGroups(&iam.ListGroupsRequest{OrderBy: tc.order})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range gs.Groups {
			names = append(names, g.Name)
		}
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("order %s: %s, want %s", tc.order, got, tc.want)
		}
	}
	owners, err := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeOwner})
	if err != nil || owners.TotalCount != 1 || owners.Users[0].Type != iam.UserTypeOwner || owners.Users[0].AccountRootUserID == "" {
		t.Fatalf("owner users: %+v %v", owners, err)
	}
	all, err := api.ListUsers(&iam.ListUsersRequest{})
	if err != nil || all.TotalCount != 2 {
		t.Fatalf("type=unknown_type must not filter: %v %v", all, err)
	}
}

func TestScopedRights(t *testing.T) {
	s := startServer(t, Options{Seed: 29})
	c, err := s.NewCredentials("app-admin", "IAMApplicationManager")
	if err != nil {
		t.Fatal(err)
	}
	org := s.OrganizationID()
	if code, body := do(t, s, "POST", "/iam/v1alpha1/applications", c.SecretKey, `{"name":"x","organization_id":"`+org+`"}`); code != 200 {
		t.Fatalf("IAMApplicationManager creating an application: %d %s", code, body)
	}
	if code, _ := do(t, s, "POST", "/iam/v1alpha1/groups", c.SecretKey, `{"name":"x","organization_id":"`+org+`"}`); code != 403 {
		t.Fatalf("IAMApplicationManager creating a group: %d, want 403", code)
	}
	if _, err := s.NewCredentials("bad", "IAMManager", "AllProductsFullAccess"); err == nil {
		t.Fatal("NewCredentials accepted sets of mixed scope types")
	}
}

// TestPermissionSetsMatchShared: GET /permission-sets serves exactly the project's shared
// catalogue (shared/scaleway-api/permission-sets.tsv), of which the package embeds a copy.
func TestPermissionSetsMatchShared(t *testing.T) {
	dir := sharedDir(t, filepath.Join("shared", "scaleway-api"))
	want, err := os.ReadFile(filepath.Join(dir, "permission-sets.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != permissionSetsTSV {
		t.Fatal("emulator/permission-sets.tsv differs from shared/scaleway-api/permission-sets.tsv: copy the shared file over")
	}
	s := startServer(t, Options{Seed: 27})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	sets, err := api.ListPermissionSets(&iam.ListPermissionSetsRequest{OrderBy: iam.ListPermissionSetsRequestOrderByCreatedAtAsc}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	wantSets, _ := parseCatalog(string(want))
	if len(sets.PermissionSets) != len(wantSets) {
		t.Fatalf("%d sets served, %d in the shared catalogue", len(sets.PermissionSets), len(wantSets))
	}
	for i, ps := range sets.PermissionSets {
		w := wantSets[i]
		if ps.Name != w.Name || string(ps.ScopeType) != w.ScopeType || ps.Categories == nil || len(*ps.Categories) != 1 || (*ps.Categories)[0] != w.Category {
			t.Fatalf("set %d = %+v, shared catalogue has %+v", i, ps, w)
		}
	}
}
