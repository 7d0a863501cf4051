package emulator

import (
	"errors"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func TestSecuritySettingsDefaultsAndUpdate(t *testing.T) {
	s := startServer(t, Options{Seed: 70})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	got, err := api.GetOrganizationSecuritySettings(&iam.GetOrganizationSecuritySettingsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got.EnforcePasswordRenewal || got.LoginAttemptsBeforeLocked != 5 || *got.GracePeriodDuration.ToTimeDuration() != 72*time.Hour ||
		*got.MaxLoginSessionDuration.ToTimeDuration() != 30*24*time.Hour || *got.MaxAPIKeyExpirationDuration.ToTimeDuration() != 0 {
		t.Fatalf("defaults %+v", got)
	}
	path := "/iam/v1alpha1/organizations/" + s.OrganizationID() + "/security-settings"
	code, body := do(t, s, "GET", path, s.Owner().SecretKey, "")
	want := `{"enforce_password_renewal":false,"grace_period_duration":"259200s","login_attempts_before_locked":5,"max_login_session_duration":"2592000s","max_api_key_expiration_duration":"0s"}`
	if code != 200 || body != want {
		t.Fatalf("GET: %d %s\nwant %s", code, body, want)
	}
	upd, err := api.UpdateOrganizationSecuritySettings(&iam.UpdateOrganizationSecuritySettingsRequest{
		MaxAPIKeyExpirationDuration: scw.NewDurationFromTimeDuration(24 * time.Hour),
		EnforcePasswordRenewal:      scw.BoolPtr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !upd.EnforcePasswordRenewal || *upd.MaxAPIKeyExpirationDuration.ToTimeDuration() != 24*time.Hour ||
		*upd.GracePeriodDuration.ToTimeDuration() != 72*time.Hour || upd.LoginAttemptsBeforeLocked != 5 {
		t.Fatalf("PATCH answer %+v (partial: the others kept)", upd)
	}
	if code, body := do(t, s, "PATCH", path, s.Owner().SecretKey, `{}`); code != 200 || !strings.Contains(body, `"max_api_key_expiration_duration":"86400s"`) {
		t.Fatalf("empty PATCH: %d %s, want no change", code, body)
	}
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		want                     string
	}{
		{"negative", "PATCH", path, `{"grace_period_duration":"-5s"}`, 400, `"argument_name":"grace_period_duration"`},
		{"no unit", "PATCH", path, `{"max_login_session_duration":"3600"}`, 400, `"argument_name":"max_login_session_duration"`},
		{"wrong type", "PATCH", path, `{"login_attempts_before_locked":"five"}`, 400, `"type":"invalid_arguments"`},
		{"other organization", "GET", "/iam/v1alpha1/organizations/00000000-0000-4000-8000-000000000000/security-settings", "", 403, `"permissions_denied"`},
		{"malformed organization", "GET", "/iam/v1alpha1/organizations/acme/security-settings", "", 400, `"argument_name":"organization_id"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, s, tc.method, tc.path, s.Owner().SecretKey, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d with %s", code, body, tc.code, tc.want)
			}
		})
	}
	if _, body := do(t, s, "GET", path, s.Owner().SecretKey, ""); !strings.Contains(body, `"grace_period_duration":"259200s"`) {
		t.Fatalf("a refused PATCH changed the settings: %s", body)
	}
	reader, err := s.NewCredentials("reader", "IAMReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	ro := iam.NewAPI(sdkClient(t, s, reader))
	if _, err := ro.GetOrganizationSecuritySettings(&iam.GetOrganizationSecuritySettingsRequest{}); err != nil {
		t.Fatalf("IAMReadOnly reading the settings: %v", err)
	}
	var pd *scw.PermissionsDeniedError
	if _, err := ro.UpdateOrganizationSecuritySettings(&iam.UpdateOrganizationSecuritySettingsRequest{EnforcePasswordRenewal: scw.BoolPtr(false)}); !errors.As(err, &pd) {
		t.Fatalf("IAMReadOnly updating the settings: %v, want 403", err)
	}
}

func TestMaxAPIKeyLifetime(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := startServer(t, Options{Seed: 71, Now: func() time.Time { return start }})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	app, _ := api.CreateApplication(&iam.CreateApplicationRequest{Name: "a"})
	forever, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateOrganizationSecuritySettings(&iam.UpdateOrganizationSecuritySettingsRequest{
		MaxAPIKeyExpirationDuration: scw.NewDurationFromTimeDuration(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var ia *scw.InvalidArgumentsError
	if _, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID}); !errors.As(err, &ia) ||
		ia.Details[0].ArgumentName != "expires_at" || ia.Details[0].Reason != "required" {
		t.Fatalf("key without expiry under a maximum: %v, want 400 required on expires_at", err)
	}
	tooLate := start.Add(48 * time.Hour)
	if _, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, ExpiresAt: &tooLate}); !errors.As(err, &ia) || ia.Details[0].Reason != "constraint" {
		t.Fatalf("key beyond the maximum: %v, want 400 constraint on expires_at", err)
	}
	ok := start.Add(24 * time.Hour)
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, ExpiresAt: &ok})
	if err != nil {
		t.Fatalf("key at the maximum: %v", err)
	}
	if _, err := api.UpdateAPIKey(&iam.UpdateAPIKeyRequest{AccessKey: key.AccessKey, ExpiresAt: &tooLate}); !errors.As(err, &ia) {
		t.Fatalf("PATCH beyond the maximum: %v, want 400", err)
	}
	if _, err := api.UpdateAPIKey(&iam.UpdateAPIKeyRequest{AccessKey: forever.AccessKey, Description: scw.StringPtr("still here")}); err != nil {
		t.Fatalf("a key that predates the maximum cannot be edited: %v", err)
	}
	if _, err := api.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: forever.AccessKey}); err != nil {
		t.Fatalf("existing keys are not affected: %v", err)
	}
}

func TestDurationEncoding(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0s"}, {72 * time.Hour, "259200s"}, {1500 * time.Millisecond, "1.500s"}, {time.Second + time.Microsecond, "1.000001s"}, {time.Nanosecond, "0.000000001s"}} {
		if got := formatDuration(tc.d); got != tc.want {
			t.Errorf("format %v: %s, want %s", tc.d, got, tc.want)
		}
		back, e := parseDuration("d", tc.want)
		if e != nil || back != tc.d {
			t.Errorf("parse %s: %v %v, want %v", tc.want, back, e, tc.d)
		}
	}
	if d, e := parseDuration("d", "86400.000000000s"); e != nil || d != 24*time.Hour {
		t.Errorf("the SDK's encoding: %v %v", d, e)
	}
	for _, bad := range []string{"", "s", "5", "-5s", "+5s", "1.0000000001s", "1.5.5s", "abcs", "99999999999999999999s"} {
		if _, e := parseDuration("d", bad); e == nil {
			t.Errorf("parse %q accepted", bad)
		}
	}
}
