package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// TestSessionsAndLastLogin: AddSession opens a console session and sets last_login_at;
// ListJWTs filters by user and expiry; lock keeps sessions, DeleteJWT and DeleteUser end them.
func TestSessionsAndLastLogin(t *testing.T) {
	clock := &mutableClock{t: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	s := startServer(t, Options{Seed: 172, Now: clock.now, Users: []string{"alice@example.com", "bob@example.com"}})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	users, err := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeMember, OrderBy: iam.ListUsersRequestOrderByEmailAsc})
	if err != nil || len(users.Users) != 2 {
		t.Fatalf("members: %+v, %v", users, err)
	}
	alice, bob := users.Users[0], users.Users[1]
	if alice.LastLoginAt != nil {
		t.Fatalf("a seeded member has logged in: %v", alice.LastLoginAt)
	}
	a1, err := s.AddSession(alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	loginAt := clock.now()
	clock.add(time.Hour)
	a2, _ := s.AddSession(alice.ID)
	b1, _ := s.AddSession(bob.ID)
	if _, err := s.AddSession("00000000-0000-4000-8000-000000000000"); err == nil {
		t.Fatal("a session for nobody")
	}

	got, err := api.GetUser(&iam.GetUserRequest{UserID: bob.ID})
	if err != nil || got.LastLoginAt == nil || !got.LastLoginAt.Equal(clock.now()) {
		t.Fatalf("bob's last_login_at = %v, %v; want %v", got.LastLoginAt, err, clock.now())
	}
	old := loginAt.Add(-200 * 24 * time.Hour)
	if err := s.SetLastLogin(alice.ID, &old); err != nil {
		t.Fatal(err)
	}
	byLogin, err := api.ListUsers(&iam.ListUsersRequest{OrderBy: iam.ListUsersRequestOrderByLastLoginDesc})
	if err != nil || len(byLogin.Users) != 3 || byLogin.Users[0].ID != bob.ID || byLogin.Users[1].ID != alice.ID || byLogin.Users[2].LastLoginAt != nil {
		t.Fatalf("users by last login, newest first: %+v, %v", byLogin, err)
	}
	if u, _ := api.GetUser(&iam.GetUserRequest{UserID: alice.ID}); u == nil || !u.LastLoginAt.Equal(old) {
		t.Fatalf("SetLastLogin: %+v", u)
	}

	all, err := api.ListJWTs(&iam.ListJWTsRequest{})
	if err != nil || all.TotalCount != 3 {
		t.Fatalf("all sessions: %+v, %v", all, err)
	}
	mine, err := api.ListJWTs(&iam.ListJWTsRequest{AudienceID: alice.ID, OrderBy: iam.ListJWTsRequestOrderByCreatedAtDesc})
	if err != nil || mine.TotalCount != 2 || mine.Jwts[0].Jti != a2 || mine.Jwts[1].Jti != a1 {
		t.Fatalf("alice's sessions, newest first: %+v, %v", mine, err)
	}
	j := mine.Jwts[1]
	if j.IssuerID != alice.ID || j.AudienceID != alice.ID || j.IP.String() != "127.0.0.1" || !j.CreatedAt.Equal(loginAt) ||
		!j.ExpiresAt.Equal(loginAt.Add(30*24*time.Hour)) || j.UserAgent == "" {
		t.Fatalf("session = %+v", j)
	}

	// Locking keeps the sessions (iamsync revokes them itself); a locked member cannot log in.
	if _, err := api.LockUser(&iam.LockUserRequest{UserID: alice.ID}); err != nil {
		t.Fatal(err)
	}
	if mine, _ := api.ListJWTs(&iam.ListJWTsRequest{AudienceID: alice.ID}); mine == nil || mine.TotalCount != 2 {
		t.Fatalf("sessions after lock: %+v", mine)
	}
	if _, err := s.AddSession(alice.ID); err == nil {
		t.Fatal("a locked member logged in")
	}
	if err := api.DeleteJWT(&iam.DeleteJWTRequest{Jti: a1}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetJWT(&iam.GetJWTRequest{Jti: a1})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "jwt" {
		t.Fatalf("deleted session: %v, want 404 jwt", err)
	}
	err = api.DeleteJWT(&iam.DeleteJWTRequest{Jti: a1})
	wantStatus(t, "second delete", err, http.StatusNotFound)
	if one, err := api.GetJWT(&iam.GetJWTRequest{Jti: a2}); err != nil || one.AudienceID != alice.ID {
		t.Fatalf("get session: %+v, %v", one, err)
	}

	// Expiry: 31 days on, the sessions have expired.
	clock.add(31 * 24 * time.Hour)
	b2, _ := s.AddSession(bob.ID)
	live, err := api.ListJWTs(&iam.ListJWTsRequest{Expired: scw.BoolPtr(false)})
	if err != nil || live.TotalCount != 1 || live.Jwts[0].Jti != b2 {
		t.Fatalf("live sessions: %+v, %v", live, err)
	}
	expired, err := api.ListJWTs(&iam.ListJWTsRequest{Expired: scw.BoolPtr(true)})
	if err != nil || expired.TotalCount != 2 {
		t.Fatalf("expired sessions: %+v, %v", expired, err)
	}
	if err := api.DeleteUser(&iam.DeleteUserRequest{UserID: bob.ID}); err != nil {
		t.Fatal(err)
	}
	for _, jti := range []string{b1, b2} {
		_, err := api.GetJWT(&iam.GetJWTRequest{Jti: jti})
		wantStatus(t, "session of a deleted member", err, http.StatusNotFound)
	}
	code, body := do(t, s, "GET", "/iam/v1alpha1/jwts?audience_id=nope", s.Owner().SecretKey, "")
	if code != 400 || !strings.Contains(body, "audience_id") {
		t.Fatalf("malformed audience_id: %d %s", code, body)
	}
}

// TestManagedGroups: "All Users" and "All Applications" are in every organization, flagged,
// refuse writes, and reach every user / every non-managed application through policies.
func TestManagedGroups(t *testing.T) {
	s := startServer(t, Options{Seed: 173, ManagedObjects: true, Users: []string{"m@example.com"}, Quotas: map[string]int64{"groups": 1}})
	cl := sdkClient(t, s, s.Owner())
	api := iam.NewAPI(cl)
	allUsers, allApps := s.ManagedGroupIDs()
	if allUsers == "" || allApps == "" || allUsers == allApps {
		t.Fatalf("managed group IDs %q %q", allUsers, allApps)
	}
	list, err := api.ListGroups(&iam.ListGroupsRequest{})
	if err != nil || list.TotalCount != 2 {
		t.Fatalf("groups of a new organization: %+v, %v", list, err)
	}
	for _, g := range list.Groups {
		wantUsers := g.ID == allUsers
		if g.AllUsers != wantUsers || g.AllApplications == wantUsers || !g.Managed || g.Editable || g.Deletable ||
			len(g.UserIDs)+len(g.ApplicationIDs) != 0 {
			t.Fatalf("managed group = %+v", g)
		}
	}
	if g, _ := api.GetGroup(&iam.GetGroupRequest{GroupID: allUsers}); g == nil || g.Name != "All Users" || !g.AllUsers {
		t.Fatalf("All Users = %+v", g)
	}
	// Not counted in the groups quota: one group of quota 1 can still be created.
	mine, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "mine"})
	if err != nil {
		t.Fatalf("first own group with two managed ones and quota 1: %v", err)
	}
	if g, _ := api.GetGroup(&iam.GetGroupRequest{GroupID: mine.ID}); g == nil || g.AllUsers || g.AllApplications || g.Managed || !g.Editable {
		t.Fatalf("ordinary group = %+v", g)
	}
	_, err = api.CreateGroup(&iam.CreateGroupRequest{Name: "All Users"})
	wantStatus(t, "a second All Users", err, http.StatusConflict)

	users, _ := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeMember})
	member := users.Users[0].ID
	tok := s.Owner().SecretKey
	for _, w := range []struct{ method, path, body string }{
		{"PATCH", "/iam/v1alpha1/groups/" + allUsers, `{"name":"x"}`},
		{"DELETE", "/iam/v1alpha1/groups/" + allApps, ""},
		{"PUT", "/iam/v1alpha1/groups/" + allUsers + "/members", `{"user_ids":[],"application_ids":[]}`},
		{"POST", "/iam/v1alpha1/groups/" + allUsers + "/add-member", `{"user_id":"` + member + `"}`},
		{"POST", "/iam/v1alpha1/groups/" + allUsers + "/add-members", `{"user_ids":["` + member + `"]}`},
		{"POST", "/iam/v1alpha1/groups/" + allUsers + "/remove-member", `{"user_id":"` + member + `"}`},
	} {
		if code, body := do(t, s, w.method, w.path, tok, w.body); code != 403 || !strings.Contains(body, `"resource":"group"`) {
			t.Errorf("%s %s on a managed group: %d %s, want 403", w.method, w.path, code, body)
		}
	}

	// A member's key and an application's key, neither with a policy of its own.
	memberKey, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{UserID: &member})
	if err != nil {
		t.Fatal(err)
	}
	appCreds, err := s.NewCredentials("plain-app")
	if err != nil {
		t.Fatal(err)
	}
	memberAPI := iam.NewAPI(sdkClient(t, s, Credentials{AccessKey: memberKey.AccessKey, SecretKey: *memberKey.SecretKey, OrganizationID: s.OrganizationID()}))
	appAPI := iam.NewAPI(sdkClient(t, s, appCreds))
	canList := func(a *iam.API) bool { _, err := a.ListApplications(&iam.ListApplicationsRequest{}); return err == nil }
	if canList(memberAPI) || canList(appAPI) {
		t.Fatal("keys without a policy can read")
	}
	org := s.OrganizationID()
	rules := []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}
	pu, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "all users read", GroupID: &allUsers, Rules: rules})
	if err != nil {
		t.Fatalf("policy on All Users: %v", err)
	}
	if !canList(memberAPI) || canList(appAPI) {
		t.Fatal("a policy on All Users must reach every user's key and no application's")
	}
	if err := api.DeletePolicy(&iam.DeletePolicyRequest{PolicyID: pu.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "all apps read", GroupID: &allApps, Rules: rules}); err != nil {
		t.Fatal(err)
	}
	if canList(memberAPI) || !canList(appAPI) {
		t.Fatal("a policy on All Applications must reach application keys and no user's")
	}
	// The provider-managed VPN application is not reached ("all non-managed applications").
	s.mu.RLock()
	var vpnKey *apiKey
	for _, a := range s.st.Applications {
		if a.Managed {
			vpnKey = &apiKey{ApplicationID: a.ID}
		}
	}
	reached := s.managedGroupReaches(s.st.Groups[allApps], vpnKey)
	s.mu.RUnlock()
	if vpnKey == nil || reached {
		t.Fatal("All Applications reaches a managed application")
	}
}

// TestManagedGroupsAddedToOldState: a state file written before the managed groups gains
// them on load, with the IDs a new organization of that ID gets, and no other ID moves.
func TestManagedGroupsAddedToOldState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{Seed: 174, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	wantUsers, wantApps := s1.ManagedGroupIDs()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	counter := raw["counter"]
	raw["groups"] = map[string]any{}
	delete(raw, "organization")
	delete(raw, "jwts")
	data, _ = json.Marshal(raw)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	gotUsers, gotApps := s2.ManagedGroupIDs()
	if gotUsers != wantUsers || gotApps != wantApps {
		t.Fatalf("managed groups after load: %s %s, want %s %s", gotUsers, gotApps, wantUsers, wantApps)
	}
	s2.mu.RLock()
	defer s2.mu.RUnlock()
	if float64(s2.st.Counter) != counter.(float64) || s2.st.Organization == nil || !s2.st.Organization.LoginPassword {
		t.Fatalf("counter %d (was %v), organization %+v", s2.st.Counter, counter, s2.st.Organization)
	}
}

// TestFederationRights: IAMReadOnly reads SAML, SCIM, sessions and the organization but
// writes none of them; a per-resource set (IAMApplicationManager) reads none; IAMManager and
// OrganizationManager write them.
func TestFederationRights(t *testing.T) {
	s := startServer(t, Options{Seed: 175, Users: []string{"m@example.com"}})
	owner := s.Owner().SecretKey
	org := s.OrganizationID()
	if code, body := do(t, s, "POST", "/iam/v1alpha1/organizations/"+org+"/saml", owner, "{}"); code != 200 {
		t.Fatalf("enable SAML: %d %s", code, body)
	}
	if code, body := do(t, s, "POST", "/iam/v1alpha1/organizations/"+org+"/scim", owner, "{}"); code != 200 {
		t.Fatalf("enable SCIM: %d %s", code, body)
	}
	reads := []string{"/iam/v1alpha1/organizations/" + org, "/iam/v1alpha1/organizations/" + org + "/saml",
		"/iam/v1alpha1/organizations/" + org + "/scim", "/iam/v1alpha1/jwts"}
	type write struct{ method, path, body, resource string }
	writes := []write{
		{"PATCH", "/iam/v1alpha1/organizations/" + org + "/login-methods", `{"login_magic_code_enabled":false}`, "organization"},
		{"POST", "/iam/v1alpha1/organizations/" + org + "/saml", "{}", "saml"},
		{"POST", "/iam/v1alpha1/organizations/" + org + "/scim", "{}", "scim"},
	}
	for _, tc := range []struct {
		set         string
		read, write bool
	}{
		{"IAMReadOnly", true, false},
		{"OrganizationReadOnly", true, false},
		{"IAMApplicationManager", false, false},
		{"IAMManager", true, true},
		{"OrganizationManager", true, true},
	} {
		c, err := s.NewCredentials("rights-"+tc.set, tc.set)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range reads {
			code, body := do(t, s, "GET", p, c.SecretKey, "")
			if (code == 200) != tc.read || !tc.read && (code != 403 || !strings.Contains(body, `"action":"read"`)) {
				t.Errorf("%s GET %s: %d %s", tc.set, p, code, body)
			}
		}
		for _, w := range writes {
			code, body := do(t, s, w.method, w.path, c.SecretKey, w.body)
			denied := code == 403 && strings.Contains(body, `"resource":"`+w.resource+`"`)
			if denied == tc.write {
				t.Errorf("%s %s %s: %d %s", tc.set, w.method, w.path, code, body)
			}
		}
	}
	// Another organization in the path is out of reach; a malformed one is 400.
	other := "00000000-0000-4000-8000-000000000000"
	if code, _ := do(t, s, "GET", "/iam/v1alpha1/organizations/"+other+"/saml", owner, ""); code != 403 {
		t.Errorf("another organization's SAML: %d, want 403", code)
	}
	if code, _ := do(t, s, "GET", "/iam/v1alpha1/organizations/nope/scim", owner, ""); code != 400 {
		t.Errorf("malformed organization: %d, want 400", code)
	}
}

// TestFederationFaultsAndCounts: the new routes are counted per route template and take
// injected faults like the others.
func TestFederationFaultsAndCounts(t *testing.T) {
	s := startServer(t, Options{Seed: 176})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	cfg, err := api.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.ResetCounts()
	s.FailNext("POST /iam/v1alpha1/scim/{id}/tokens", Fault503, 1)
	_, err = api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID})
	wantStatus(t, "injected 503", err, http.StatusServiceUnavailable)
	if _, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ListJWTs(&iam.ListJWTsRequest{}); err != nil {
		t.Fatal(err)
	}
	c := s.Counts()
	if c.Faults != 1 || c.ByRoute["POST /iam/v1alpha1/scim/{id}/tokens"].Writes != 1 || c.ByRoute["GET /iam/v1alpha1/jwts"].Reads != 1 {
		t.Fatalf("counts = %+v", c)
	}
	if list, _ := api.ListScimTokens(&iam.ListScimTokensRequest{ScimID: cfg.ID}); list == nil || list.TotalCount != 1 {
		t.Fatalf("a faulted create left a token: %+v", list)
	}
}

// TestJournalReplaysFederationWrites: the new writes come back from the journal alone (no
// Close, as after a SIGKILL), failures included.
func TestJournalReplaysFederationWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start(Options{Seed: 177, StatePath: path, Users: []string{"u@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	api := iam.NewAPI(sdkClient(t, s1, s1.Owner()))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// AddSession checkpoints (as every test helper does): open the session first, so that
	// every API write below is left to the journal.
	users, err := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeMember})
	must(err)
	jti, err := s1.AddSession(users.Users[0].ID)
	must(err)
	saml, err := api.EnableOrganizationSaml(&iam.EnableOrganizationSamlRequest{})
	must(err)
	_, err = api.UpdateSaml(&iam.UpdateSamlRequest{SamlID: saml.ID, EntityID: scw.StringPtr("urn:x"), SingleSignOnURL: scw.StringPtr("https://idp.example.com/sso")})
	must(err)
	pemCert, bare := testCertificate(t, time.Now().Add(24*time.Hour))
	c1, err := api.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: saml.ID, Type: iam.SamlCertificateTypeSigning, Content: pemCert})
	must(err)
	_, err = api.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: saml.ID, Type: iam.SamlCertificateTypeSigning, Content: bare})
	must(err)
	must(api.DeleteSamlCertificate(&iam.DeleteSamlCertificateRequest{CertificateID: c1.ID}))
	_, err = api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginSamlEnabled: scw.BoolPtr(true), LoginOauth2Enabled: scw.BoolPtr(false)})
	must(err)
	scim, err := api.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{})
	must(err)
	t1, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: scim.ID})
	must(err)
	_, err = api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: scim.ID})
	must(err)
	if _, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: scim.ID}); err == nil {
		t.Fatal("third token accepted")
	}
	must(api.DeleteScimToken(&iam.DeleteScimTokenRequest{TokenID: t1.Token.ID}))
	must(api.DeleteJWT(&iam.DeleteJWTRequest{Jti: jti}))
	_, err = api.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: saml.ID, Type: iam.SamlCertificateTypeSigning, Content: "junk"})
	if err == nil {
		t.Fatal("junk certificate accepted")
	}
	want := stateJSON(t, s1)
	pending, _, err := readJournal(journalPath(path))
	if err != nil || len(pending) != 11 {
		t.Fatalf("%d writes left to replay (%v), want the 11 successful writes above", len(pending), err)
	}
	s2, err := New(Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got := stateJSON(t, s2); got != want {
		t.Fatalf("replayed state differs from the live one:\n%s", firstDiff(want, got))
	}
	if !strings.Contains(strings.Join(s2.IssuedSecrets(), "\n"), t1.BearerToken) {
		t.Fatal("the replayed state lost an issued SCIM bearer token")
	}
}
