package emulator

import (
	"errors"
	"slices"
	"strings"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func member(email, username string) *iam.CreateUserRequestMember {
	return &iam.CreateUserRequestMember{Email: email, Username: username}
}

func TestCreateMember(t *testing.T) {
	s := startServer(t, Options{Seed: 50})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	const password = "canary-password-50"
	u, err := api.CreateUser(&iam.CreateUserRequest{Tags: []string{"team=a"}, Member: &iam.CreateUserRequestMember{
		Email: "dana@example.com", Username: "dana", Password: password, FirstName: "Dana", LastName: "Doe"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Type != iam.UserTypeMember || u.Username != "dana" || u.FirstName != "Dana" || u.Locale != "en_US" || u.Locked || !u.Deletable ||
		u.Status == nil || *u.Status != iam.UserStatusActivated || len(u.Tags) != 1 || u.LastLoginAt != nil || u.AccountRootUserID != "" {
		t.Fatalf("created member %+v", u)
	}
	if !u.CreatedAt.Equal(*u.UpdatedAt) {
		t.Errorf("created_at %v, updated_at %v: equal on create", u.CreatedAt, u.UpdatedAt)
	}
	if !slices.Contains(s.IssuedSecrets(), password) {
		t.Error("a member's password is not among the issued secrets (the canaries would miss a leak)")
	}
	code, body := do(t, s, "GET", "/iam/v1alpha1/users/"+u.ID, s.Owner().SecretKey, "")
	if code != 200 || strings.Contains(body, password) || strings.Contains(body, "password") {
		t.Fatalf("GET user: %d %s (no password in answers)", code, body)
	}

	org := s.OrganizationID()
	bad := []struct {
		name, body, want string
		code             int
	}{
		{"duplicate email, other case", `{"organization_id":"` + org + `","member":{"email":"DANA@example.com","username":"dana2"}}`, `"type":"already_exists"`, 409},
		{"duplicate username", `{"organization_id":"` + org + `","member":{"email":"dana2@example.com","username":"dana"}}`, `"resource_id":"` + u.ID, 409},
		{"guest invitation", `{"organization_id":"` + org + `","email":"guest@example.com"}`, `"argument_name":"member"`, 400},
		{"both", `{"organization_id":"` + org + `","email":"g@example.com","member":{"email":"g@example.com","username":"g"}}`, `"reason":"constraint"`, 400},
		{"bad email", `{"organization_id":"` + org + `","member":{"email":"not-an-email","username":"x"}}`, `"argument_name":"member.email"`, 400},
		{"no username", `{"organization_id":"` + org + `","member":{"email":"x@example.com"}}`, `"argument_name":"member.username"`, 400},
		{"no organization", `{"member":{"email":"x@example.com","username":"x"}}`, `"argument_name":"organization_id"`, 400},
		{"11 tags", `{"organization_id":"` + org + `","tags":["1","2","3","4","5","6","7","8","9","10","11"],"member":{"email":"x@example.com","username":"x"}}`, `"argument_name":"tags"`, 400},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s, "POST", "/iam/v1alpha1/users", s.Owner().SecretKey, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d with %s", code, body, tc.code, tc.want)
			}
		})
	}
	all, err := api.ListUsers(&iam.ListUsersRequest{}, scw.WithAllPages())
	if err != nil || all.TotalCount != 2 {
		t.Fatalf("users after refused creates: %v %v, want owner + dana", all, err)
	}
}

func TestUpdateMember(t *testing.T) {
	s := startServer(t, Options{Seed: 51, Users: []string{"seeded@example.com"}})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	u, err := api.CreateUser(&iam.CreateUserRequest{Member: member("eve@example.com", "eve")})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := api.UpdateUser(&iam.UpdateUserRequest{UserID: u.ID, LastName: scw.StringPtr("Ever"), Locale: scw.StringPtr("fr_FR"), Tags: &[]string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.LastName != "Ever" || upd.Locale != "fr_FR" || upd.Email != "eve@example.com" || upd.Username != "eve" || len(upd.Tags) != 1 {
		t.Fatalf("PATCH user %+v (partial: email and username kept)", upd)
	}
	if !upd.UpdatedAt.Equal(*u.UpdatedAt) {
		t.Error("PATCH user moved updated_at (user-member #6 shows it does not)")
	}
	if _, err := api.UpdateUser(&iam.UpdateUserRequest{UserID: u.ID, Email: scw.StringPtr("seeded@example.com")}); err == nil {
		t.Fatal("PATCH to another user's e-mail was accepted")
	}
	renamed, err := api.UpdateUserUsername(&iam.UpdateUserUsernameRequest{UserID: u.ID, Username: "eve2"})
	if err != nil || renamed.Username != "eve2" || !renamed.UpdatedAt.After(*u.UpdatedAt) {
		t.Fatalf("update-username: %+v %v (updated_at moves, user-member #7)", renamed, err)
	}
	if _, err := api.UpdateUserUsername(&iam.UpdateUserUsernameRequest{UserID: u.ID, Username: "seeded@example.com"}); err == nil {
		t.Fatal("a username another user holds was accepted")
	}
	if _, err := api.UpdateUserPassword(&iam.UpdateUserPasswordRequest{UserID: u.ID, Password: "second-canary-51"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.IssuedSecrets(), "second-canary-51") {
		t.Error("a changed password is not among the issued secrets")
	}
	var ia *scw.InvalidArgumentsError
	if _, err := api.UpdateUserPassword(&iam.UpdateUserPasswordRequest{UserID: u.ID}); !errors.As(err, &ia) {
		t.Fatalf("empty password: %v, want 400", err)
	}
}

func TestLockMember(t *testing.T) {
	s := startServer(t, Options{Seed: 52})
	owner := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	u, err := owner.CreateUser(&iam.CreateUserRequest{Member: member("lee@example.com", "lee")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreatePolicy(&iam.CreatePolicyRequest{Name: "lee-reads", UserID: &u.ID,
		Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}}); err != nil {
		t.Fatal(err)
	}
	key, err := owner.CreateAPIKey(&iam.CreateAPIKeyRequest{UserID: &u.ID})
	if err != nil {
		t.Fatal(err)
	}
	lee := iam.NewAPI(sdkClient(t, s, Credentials{AccessKey: key.AccessKey, SecretKey: *key.SecretKey, OrganizationID: org}))
	if _, err := lee.ListApplications(&iam.ListApplicationsRequest{}); err != nil {
		t.Fatalf("the member's key cannot read before the lock: %v", err)
	}
	locked, err := owner.LockUser(&iam.LockUserRequest{UserID: u.ID})
	if err != nil || !locked.Locked || locked.Status == nil || *locked.Status != iam.UserStatusActivated {
		t.Fatalf("lock: %+v %v", locked, err)
	}
	var pd *scw.PermissionsDeniedError
	if _, err := lee.ListApplications(&iam.ListApplicationsRequest{}); !errors.As(err, &pd) {
		t.Fatalf("a locked member's key: %v, want 403 (its keys lose their permissions)", err)
	}
	if again, err := owner.LockUser(&iam.LockUserRequest{UserID: u.ID}); err != nil || !again.UpdatedAt.Equal(*locked.UpdatedAt) {
		t.Fatalf("locking a locked member: %+v %v, want 200 and no change", again, err)
	}
	if un, err := owner.UnlockUser(&iam.UnlockUserRequest{UserID: u.ID}); err != nil || un.Locked {
		t.Fatalf("unlock: %+v %v", un, err)
	}
	if _, err := lee.ListApplications(&iam.ListApplicationsRequest{}); err != nil {
		t.Fatalf("the member's key after unlock: %v", err)
	}
	if _, err := owner.LockUser(&iam.LockUserRequest{UserID: ownerUser(t, s)}); !errors.As(err, &pd) {
		t.Fatalf("locking the owner: %v, want 403", err)
	}
}

func TestDeleteMemberCascade(t *testing.T) {
	s := startServer(t, Options{Seed: 53})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	u, err := api.CreateUser(&iam.CreateUserRequest{Member: member("max@example.com", "max")})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := api.CreateGroup(&iam.CreateGroupRequest{Name: "g"})
	if _, err := api.AddGroupMember(&iam.AddGroupMemberRequest{GroupID: g.ID, UserID: &u.ID}); err != nil {
		t.Fatal(err)
	}
	pol, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "p", UserID: &u.ID,
		Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{UserID: &u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.DeleteUser(&iam.DeleteUserRequest{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	var nf *scw.ResourceNotFoundError
	if _, err := api.GetUser(&iam.GetUserRequest{UserID: u.ID}); !errors.As(err, &nf) || nf.Resource != "user" {
		t.Fatalf("deleted user: %v", err)
	}
	if _, err := api.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: key.AccessKey}); !errors.As(err, &nf) {
		t.Fatalf("the deleted user's key: %v, want 404", err)
	}
	if got, _ := api.GetGroup(&iam.GetGroupRequest{GroupID: g.ID}); got == nil || len(got.UserIDs) != 0 {
		t.Fatalf("group after the member's deletion: %+v", got)
	}
	if p, err := api.GetPolicy(&iam.GetPolicyRequest{PolicyID: pol.ID}); err != nil || p.UserID != nil || p.NoPrincipal == nil || !*p.NoPrincipal {
		t.Fatalf("policy after its user's deletion: %+v %v, want no_principal", p, err)
	}
	var pd *scw.PermissionsDeniedError
	if err := api.DeleteUser(&iam.DeleteUserRequest{UserID: ownerUser(t, s)}); !errors.As(err, &pd) {
		t.Fatalf("deleting the owner: %v, want 403", err)
	}
	if err := api.DeleteUser(&iam.DeleteUserRequest{UserID: u.ID}); !errors.As(err, &nf) {
		t.Fatalf("second delete: %v, want 404", err)
	}
}

func TestUserMFAAndRights(t *testing.T) {
	s := startServer(t, Options{Seed: 54, Users: []string{"mfa@example.com", "nomfa@example.com"}, Quotas: map[string]int64{"users": 3}})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	users, err := api.ListUsers(&iam.ListUsersRequest{Type: iam.UserTypeMember})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, u := range users.Users {
		if u.Email == "mfa@example.com" {
			id = u.ID
		}
	}
	if err := s.SetUserMFA(id, true); err != nil {
		t.Fatal(err)
	}
	with, err := api.ListUsers(&iam.ListUsersRequest{Mfa: scw.BoolPtr(true)})
	if err != nil || with.TotalCount != 1 || with.Users[0].ID != id || !with.Users[0].Mfa || with.Users[0].TwoFactorEnabled == nil || !*with.Users[0].TwoFactorEnabled {
		t.Fatalf("mfa=true: %+v %v", with, err)
	}
	if err := s.SetUserMFA("00000000-0000-4000-8000-000000000000", true); err == nil {
		t.Fatal("SetUserMFA accepted an unknown user")
	}
	// owner + 2 seeded = the quota of 3.
	_, err = api.CreateUser(&iam.CreateUserRequest{Member: member("four@example.com", "four")})
	var qe *scw.QuotasExceededError
	if !errors.As(err, &qe) || qe.Details[0].Resource != "users" {
		t.Fatalf("fourth user: %v, want quotas_exceeded", err)
	}
	reader, err := s.NewCredentials("reader", "IAMUserReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	ro := iam.NewAPI(sdkClient(t, s, reader))
	var pd *scw.PermissionsDeniedError
	if _, err := ro.LockUser(&iam.LockUserRequest{UserID: id}); !errors.As(err, &pd) || pd.Details[0].Resource != "user" || pd.Details[0].Action != "write" {
		t.Fatalf("IAMUserReadOnly locking: %v, want 403 write user", err)
	}
}
