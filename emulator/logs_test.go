package emulator

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func steppingClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

func TestLogsRecordWrites(t *testing.T) {
	start := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	s := startServer(t, Options{Seed: 100, Now: steppingClock(start, time.Second)})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "logged"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: app.ID, Description: scw.StringPtr("d")}); err != nil {
		t.Fatal(err)
	}
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := api.CreateGroup(&iam.CreateGroupRequest{Name: "g"})
	if _, err := api.AddGroupMember(&iam.AddGroupMemberRequest{GroupID: g.ID, ApplicationID: &app.ID}); err != nil {
		t.Fatal(err)
	}
	pol, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "p", GroupID: &g.ID, Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: &org}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SetRules(&iam.SetRulesRequest{PolicyID: pol.ID, Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}}); err != nil {
		t.Fatal(err)
	}
	u, err := api.CreateUser(&iam.CreateUserRequest{Member: member("logme@example.com", "logme")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.LockUser(&iam.LockUserRequest{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	// None of these log: reads, refused writes, resources without a log type.
	api.ListApplications(&iam.ListApplicationsRequest{})
	api.CreateGroup(&iam.CreateGroupRequest{Name: "g"}) // duplicate, refused
	if _, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "k", PublicKey: testKeys(t)[0].line(""), ProjectID: org}); err != nil {
		t.Fatal(err)
	}
	// A write by another bearer: the application, a member of the group the policy (back to
	// IAMManager) applies to.
	if _, err := api.SetRules(&iam.SetRulesRequest{PolicyID: pol.ID, Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: &org}}}); err != nil {
		t.Fatal(err)
	}
	other := iam.NewAPI(sdkClient(t, s, Credentials{AccessKey: key.AccessKey, SecretKey: *key.SecretKey, OrganizationID: org}))
	if err := other.DeleteUser(&iam.DeleteUserRequest{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}

	logs, err := api.ListLogs(&iam.ListLogsRequest{}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	owner := ownerApp(s)
	want := []string{
		"created application " + app.ID + " by " + owner,
		"updated application " + app.ID + " by " + owner,
		"created api_key " + key.AccessKey + " by " + owner,
		"created group " + g.ID + " by " + owner,
		"updated group " + g.ID + " by " + owner,
		"created policy " + pol.ID + " by " + owner,
		"updated policy " + pol.ID + " by " + owner,
		"created user " + u.ID + " by " + owner,
		"updated user " + u.ID + " by " + owner,
		"updated policy " + pol.ID + " by " + owner,
		"deleted user " + u.ID + " by " + app.ID,
	}
	var got []string
	for _, l := range logs.Logs {
		got = append(got, fmt.Sprintf("%s %s %s by %s", l.Action, l.ResourceType, l.ResourceID, l.BearerID))
		if l.IP.String() != "127.0.0.1" || !strings.Contains(l.UserAgent, "scaleway-sdk-go") || l.OrganizationID != org || l.CreatedAt == nil {
			t.Errorf("log %+v: want the caller's IP and user agent, the organization and a date", l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	one, err := api.GetLog(&iam.GetLogRequest{LogID: logs.Logs[2].ID})
	if err != nil || one.ResourceID != key.AccessKey || one.Action != iam.LogActionCreated {
		t.Fatalf("get log: %+v %v", one, err)
	}
	var nf *scw.ResourceNotFoundError
	if _, err := api.GetLog(&iam.GetLogRequest{LogID: "00000000-0000-4000-8000-000000000000"}); !errors.As(err, &nf) || nf.Resource != "log" {
		t.Fatalf("unknown log: %v", err)
	}

	count := func(req *iam.ListLogsRequest) int {
		t.Helper()
		r, err := api.ListLogs(req, scw.WithAllPages())
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Logs)
	}
	third := *logs.Logs[2].CreatedAt
	for _, tc := range []struct {
		name string
		req  *iam.ListLogsRequest
		want int
	}{
		{"action", &iam.ListLogsRequest{Action: iam.LogActionUpdated}, 5},
		{"resource type", &iam.ListLogsRequest{ResourceType: iam.LogResourceTypePolicy}, 3},
		{"search resource", &iam.ListLogsRequest{Search: &g.ID}, 2},
		{"search bearer", &iam.ListLogsRequest{Search: &app.ID}, 3}, // its own two logs plus the deletion it made
		{"created after", &iam.ListLogsRequest{CreatedAfter: &third}, 8},
		{"created before", &iam.ListLogsRequest{CreatedBefore: &third}, 2},
	} {
		if got := count(tc.req); got != tc.want {
			t.Errorf("%s: %d logs, want %d", tc.name, got, tc.want)
		}
	}
	desc, err := api.ListLogs(&iam.ListLogsRequest{OrderBy: iam.ListLogsRequestOrderByCreatedAtDesc, PageSize: scw.Uint32Ptr(2)})
	if err != nil || desc.TotalCount != 11 || len(desc.Logs) != 2 || desc.Logs[0].Action != iam.LogActionDeleted {
		t.Fatalf("newest first, page of 2: %+v %v", desc, err)
	}
	if code, body := do(t, s, "GET", "/iam/v1alpha1/logs?created_after=yesterday", s.Owner().SecretKey, ""); code != 400 || !strings.Contains(body, "created_after") {
		t.Fatalf("malformed created_after: %d %s", code, body)
	}
}

func TestLogsRights(t *testing.T) {
	s := startServer(t, Options{Seed: 101})
	appAdmin, err := s.NewCredentials("app-admin", "IAMApplicationManager")
	if err != nil {
		t.Fatal(err)
	}
	var pd *scw.PermissionsDeniedError
	_, err = iam.NewAPI(sdkClient(t, s, appAdmin)).ListLogs(&iam.ListLogsRequest{})
	if !errors.As(err, &pd) || pd.Details[0].Resource != "log" || pd.Details[0].Action != "read" {
		t.Fatalf("IAMApplicationManager reading logs: %v, want 403 read log", err)
	}
	reader, err := s.NewCredentials("reader", "IAMReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewAPI(sdkClient(t, s, reader)).ListLogs(&iam.ListLogsRequest{}); err != nil {
		t.Fatalf("IAMReadOnly reading logs: %v", err)
	}
}
