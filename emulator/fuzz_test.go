package emulator

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// FuzzHandler: no method, path, query or body gives a 500 or a panic, every answer is JSON
// with a status the real API uses, and a refused write changes nothing (the journal holds
// only accepted writes and must rebuild the state from them, journal.go).
func FuzzHandler(f *testing.F) {
	s, err := New(Options{Seed: 30, ManagedObjects: true, Users: []string{"fuzz@example.com"}, Now: fixedClock()})
	if err != nil {
		f.Fatal(err)
	}
	org := s.OrganizationID()
	tok := s.Owner().SecretKey
	seeds := []struct{ method, path, body string }{
		{"GET", "/iam/v1alpha1/applications?page=2&page_size=1", ""},
		{"POST", "/iam/v1alpha1/applications", `{"name":"a","organization_id":"` + org + `","tags":null}`},
		{"PATCH", "/iam/v1alpha1/applications/" + org, `{"tags":[""]}`},
		{"POST", "/iam/v1alpha1/policies", `{"name":"p","organization_id":"` + org + `","rules":[{"permission_set_names":["IAMManager"],"project_ids":["` + org + `"]}],"user_id":"x"}`},
		{"PUT", "/iam/v1alpha1/rules", `{"policy_id":"` + org + `","rules":[{}]}`},
		{"PUT", "/iam/v1alpha1/groups/" + org + "/members", `{"user_ids":[null]}`},
		{"POST", "/iam/v1alpha1/api-keys", `{"application_id":"` + org + `","expires_at":"yesterday"}`},
		{"GET", "/iam/v1alpha1/api-keys?bearer_type=robot&expired=maybe", ""},
		{"GET", "/iam/v1alpha1/users?type=guest&mfa=true", ""},
		{"POST", "/iam/v1alpha1/users", `{"organization_id":"` + org + `","member":{"email":"f@example.com","username":"f","locale":""}}`},
		{"PATCH", "/iam/v1alpha1/users/" + org, `{"email":5}`},
		{"POST", "/iam/v1alpha1/users/" + org + "/lock", ""},
		{"POST", "/iam/v1alpha1/ssh-keys", `{"name":"k","project_id":"` + org + `","public_key":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICJEoOOgQBLJPs4g/XcPTKT82NywNPpxeuA20FlOPlpO c"}`},
		{"POST", "/iam/v1alpha1/ssh-keys", `{"name":"k","project_id":"` + org + `","public_key":"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ"}`},
		{"GET", "/iam/v1alpha1/ssh-keys?disabled=true&project_id=x", ""},
		{"POST", "/secret-manager/v1beta1/regions/fr-par/secrets", `{"project_id":"` + org + `","name":"n","type":"opaque"}`},
		{"POST", "/secret-manager/v1beta1/regions/fr-par/secrets/" + org + "/versions", `{"data":"aGVsbG8="}`},
		{"GET", "/secret-manager/v1beta1/regions/fr-par/secrets/" + org + "/versions/latest/access", ""},
		{"GET", "/iam/v1alpha1/logs?action=deleted&created_before=2030-01-01T00:00:00Z&search=x", ""},
		{"PATCH", "/iam/v1alpha1/organizations/" + org + "/security-settings", `{"grace_period_duration":"1.5s","login_attempts_before_locked":3}`},
		{"DELETE", "/account/v3/projects/" + org, ""},
		{"POST", "/iam/v1alpha1/organizations/" + org + "/saml", "{}"},
		{"PATCH", "/iam/v1alpha1/saml/" + org, `{"entity_id":"urn:x","single_sign_on_url":"https://[::1"}`},
		{"POST", "/iam/v1alpha1/saml/" + org + "/certificates", `{"type":"signing","content":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"}`},
		{"PATCH", "/iam/v1alpha1/organizations/" + org + "/login-methods", `{"login_saml_enabled":true,"login_password_enabled":false}`},
		{"POST", "/iam/v1alpha1/organizations/" + org + "/scim", ""},
		{"POST", "/iam/v1alpha1/scim/" + org + "/tokens", ""},
		{"GET", "/iam/v1alpha1/jwts?audience_id=" + org + "&expired=false&order_by=updated_at_desc", ""},
		{"POST", "/iam/v1alpha1/policies/%zz/clone", "[]"},
		{"GET", "//iam//v1alpha1/../applications", ""},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.path, sd.body)
	}
	var mu sync.Mutex // one request at a time keeps failures reproducible
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") {
			return
		}
		u, err := url.Parse(path)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return
		}
		req := httptest.NewRequest("GET", "/", strings.NewReader(body))
		req.Method = method
		req.URL = u
		req.Header.Set("X-Auth-Token", tok)
		rec := httptest.NewRecorder()
		mu.Lock()
		defer mu.Unlock()
		before := stateJSON(t, s)
		s.Handler().ServeHTTP(rec, req)
		if method != http.MethodGet && rec.Code >= 400 {
			if after := stateJSON(t, s); after != before {
				t.Fatalf("%s %s %q was refused (%d %s) but changed the state: %s", method, path, body, rec.Code, rec.Body.String(), firstDiff(before, after))
			}
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s %s: Content-Type %q", method, path, ct)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}
