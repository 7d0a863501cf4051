package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// do sends a raw request with token and returns status and body.
func do(t testing.TB, s *Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, string(b)
}

func TestAuthentication(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := startServer(t, Options{Seed: 3, Now: clock})
	tests := []struct {
		name, token string
		want        string
	}{
		// The recorded body (BEHAVIOUR.md §1).
		{"unknown key", "00000000-0000-4000-8000-000000000000", `{"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"}`},
		{"missing token", "", `{"message":"authentication is denied","method":"api_key","reason":"invalid_argument","type":"denied_authentication"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s, "GET", "/iam/v1alpha1/applications", tc.token, "")
			if code != 401 || body != tc.want {
				t.Fatalf("got %d %s, want 401 %s", code, body, tc.want)
			}
		})
	}
	t.Run("expired key", func(t *testing.T) {
		owner := s.Owner()
		api := iam.NewAPI(sdkClient(t, s, owner))
		app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "short-lived"})
		if err != nil {
			t.Fatal(err)
		}
		exp := now.Add(time.Hour)
		k, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := do(t, s, "GET", "/iam/v1alpha1/applications", *k.SecretKey, ""); code != 403 {
			t.Fatalf("valid key without policy: %d, want 403", code)
		}
		mu.Lock()
		now = now.Add(2 * time.Hour)
		mu.Unlock()
		code, body := do(t, s, "GET", "/iam/v1alpha1/applications", *k.SecretKey, "")
		if code != 401 || !strings.Contains(body, `"reason":"expired"`) {
			t.Fatalf("expired key: %d %s", code, body)
		}
	})
}

func TestAuthorization(t *testing.T) {
	s := startServer(t, Options{Seed: 4})
	denied := `{"details":[{"action":"%s","resource":"%s"}],"message":"insufficient permissions","type":"permissions_denied"}`
	ro, err := s.NewCredentials("auditor", "IAMReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	projRO, err := s.NewCredentials("project-reader", "IAMReadOnly", "ProjectReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	none, err := s.NewCredentials("nobody")
	if err != nil {
		t.Fatal(err)
	}
	org := s.OrganizationID()
	createApp := `{"name":"x","organization_id":"` + org + `"}`
	tests := []struct {
		name, token, method, path, body string
		code                            int
		want                            string
	}{
		{"read-only reads", ro.SecretKey, "GET", "/iam/v1alpha1/api-keys", "", 200, ""},
		{"read-only writes", ro.SecretKey, "POST", "/iam/v1alpha1/applications", createApp, 403, strings.ReplaceAll(strings.ReplaceAll(denied, "%s", "write"), `"resource":"write"`, `"resource":"application"`)},
		{"IAM read-only does not read projects", ro.SecretKey, "GET", "/account/v3/projects", "", 403, strings.Replace(strings.Replace(denied, "%s", "read", 1), "%s", "project", 1)},
		{"with ProjectReadOnly it does", projRO.SecretKey, "GET", "/account/v3/projects", "", 200, ""},
		{"no policy reads", none.SecretKey, "GET", "/iam/v1alpha1/api-keys", "", 403, strings.Replace(strings.Replace(denied, "%s", "read", 1), "%s", "api_key", 1)},
		{"owner writes", s.Owner().SecretKey, "POST", "/iam/v1alpha1/applications", createApp, 200, ""},
		{"metadata needs no token", "", "GET", "/metadata", "", 200, `{"domain":"scw.eu","partition":"scw","platform":"external"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s, tc.method, tc.path, tc.token, tc.body)
			if code != tc.code || (tc.want != "" && body != tc.want) {
				t.Fatalf("got %d %s, want %d %s", code, body, tc.code, tc.want)
			}
		})
	}

	t.Run("group policy counts", func(t *testing.T) {
		api := iam.NewAPI(sdkClient(t, s, s.Owner()))
		g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "admins"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "admins", GroupID: &g.ID, Rules: []*iam.RuleSpecs{
			{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: &org}}}); err != nil {
			t.Fatal(err)
		}
		apps, err := api.ListApplications(&iam.ListApplicationsRequest{Name: scw.StringPtr("nobody")})
		if err != nil || len(apps.Applications) != 1 {
			t.Fatalf("find nobody: %v %v", apps, err)
		}
		if _, err := api.AddGroupMember(&iam.AddGroupMemberRequest{GroupID: g.ID, ApplicationID: &apps.Applications[0].ID}); err != nil {
			t.Fatal(err)
		}
		if code, body := do(t, s, "POST", "/iam/v1alpha1/applications", none.SecretKey, createApp); code != 200 {
			t.Fatalf("member of an IAMManager group cannot write: %d %s", code, body)
		}
	})

	t.Run("SDK error type", func(t *testing.T) {
		_, err := iam.NewAPI(sdkClient(t, s, ro)).CreateGroup(&iam.CreateGroupRequest{Name: "g"})
		var pd *scw.PermissionsDeniedError
		if !errors.As(err, &pd) {
			t.Fatalf("err = %v (%T), want *scw.PermissionsDeniedError", err, err)
		}
	})
}

func TestMetadataIsCountedApart(t *testing.T) {
	s := startServer(t, Options{Seed: 5})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	for i := 0; i < 2; i++ {
		if _, err := api.ListApplications(&iam.ListApplicationsRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g"}); err != nil {
		t.Fatal(err)
	}
	c := s.Counts()
	// The SDK asks /metadata once per client once it succeeds (§1, trap 1).
	if c.Reads != 2 || c.Writes != 1 || c.Metadata != 1 {
		t.Fatalf("counts = %+v, want 2 reads, 1 write, 1 metadata", c)
	}
	if c.ByRoute["GET /iam/v1alpha1/applications"].Reads != 2 || c.ByRoute["POST /iam/v1alpha1/groups"].Writes != 1 {
		t.Fatalf("by route = %+v", c.ByRoute)
	}
	code, body := do(t, s, "GET", "/_emulator/stats", "", "")
	var got Counts
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Writes != 1 {
		t.Fatalf("stats endpoint: %d %s", code, body)
	}
	if code, _ := do(t, s, "DELETE", "/_emulator/stats", "", ""); code != 204 {
		t.Fatalf("DELETE stats: %d", code)
	}
	if c := s.Counts(); c.Reads != 0 || len(c.ByRoute) != 0 {
		t.Fatalf("after reset: %+v", c)
	}
}
