package emulator

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func tagList(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%d", i)
	}
	return out
}

func TestTagLimit(t *testing.T) {
	s := startServer(t, Options{Seed: 40})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	org := s.OrganizationID()
	app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "ten", Tags: tagList(10)})
	if err != nil {
		t.Fatalf("10 tags refused: %v", err)
	}
	g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g", Tags: tagList(10)})
	if err != nil {
		t.Fatalf("10 tags refused on a group: %v", err)
	}
	eleven := tagList(11)
	tooMany := []struct {
		name string
		call func() error
	}{
		{"create application", func() error {
			_, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "eleven", Tags: eleven})
			return err
		}},
		{"update application", func() error {
			_, err := api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: app.ID, Tags: &eleven})
			return err
		}},
		{"create group", func() error {
			_, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g11", Tags: eleven})
			return err
		}},
		{"update group", func() error {
			_, err := api.UpdateGroup(&iam.UpdateGroupRequest{GroupID: g.ID, Tags: &eleven})
			return err
		}},
		{"create policy", func() error {
			_, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: "p", NoPrincipal: scw.BoolPtr(true), Tags: eleven,
				Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: &org}}})
			return err
		}},
	}
	for _, tc := range tooMany {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ia *scw.InvalidArgumentsError
			if !errors.As(err, &ia) || ia.Details[0].ArgumentName != "tags" || ia.Details[0].Reason != "constraint" {
				t.Fatalf("11 tags: %v, want 400 invalid_arguments on tags", err)
			}
		})
	}
	got, err := api.GetApplication(&iam.GetApplicationRequest{ApplicationID: app.ID})
	if err != nil || len(got.Tags) != 10 {
		t.Fatalf("a refused PATCH changed the tags: %v %v", got, err)
	}
}

func TestGroupNamesAreUnique(t *testing.T) {
	s := startServer(t, Options{Seed: 41})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	a, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "admins"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "Admins"})
	if err != nil {
		t.Fatalf("names differing by case are distinct: %v", err)
	}
	_, err = api.CreateGroup(&iam.CreateGroupRequest{Name: "admins"})
	var re *scw.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 409 || !strings.Contains(string(re.RawBody), `"type":"already_exists"`) ||
		!strings.Contains(string(re.RawBody), a.ID) {
		t.Fatalf("duplicate create: %v, want 409 already_exists naming %s", err, a.ID)
	}
	if _, err := api.UpdateGroup(&iam.UpdateGroupRequest{GroupID: b.ID, Name: scw.StringPtr("admins")}); err == nil {
		t.Fatal("a rename onto another group's name was accepted")
	}
	if _, err := api.UpdateGroup(&iam.UpdateGroupRequest{GroupID: a.ID, Name: scw.StringPtr("admins"), Description: scw.StringPtr("d")}); err != nil {
		t.Fatalf("a PATCH keeping the group's own name was refused: %v", err)
	}
	if err := api.DeleteGroup(&iam.DeleteGroupRequest{GroupID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "admins"}); err != nil {
		t.Fatalf("the name of a deleted group is not free again: %v", err)
	}
}

func TestQuotas(t *testing.T) {
	s := startServer(t, Options{Seed: 42, Quotas: map[string]int64{"groups": 2, "api_keys": 2}})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	for i := 0; i < 2; i++ {
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: fmt.Sprintf("g%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g2"})
	var qe *scw.QuotasExceededError
	if !errors.As(err, &qe) || len(qe.Details) != 1 || qe.Details[0].Resource != "groups" || qe.Details[0].Quota != 2 || qe.Details[0].Current != 2 {
		t.Fatalf("third group: %v (%T), want QuotasExceededError groups 2/2", err, err)
	}
	// The owner key counts: one more key reaches the limit of 2.
	app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "a"})
	if err != nil {
		t.Fatalf("applications are unlimited here: %v", err)
	}
	if _, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID}); !errors.As(err, &qe) {
		t.Fatalf("third key: %v, want quotas_exceeded", err)
	}

	list, err := api.ListQuota(&iam.ListQuotaRequest{}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*iam.Quotum{}
	for _, q := range list.Quota {
		byName[q.Name] = q
	}
	if len(byName) != len(QuotaNames()) {
		t.Fatalf("listed %d quota, want %d: %v", len(byName), len(QuotaNames()), QuotaNames())
	}
	if g := byName["groups"]; g == nil || g.Limit == nil || *g.Limit != 2 || g.Unlimited != nil || g.LocalityType != iam.LocalityTypeGlobal ||
		len(g.Limits) != 1 || g.Limits[0].Global == nil || !*g.Limits[0].Global || *g.Limits[0].Limit != 2 {
		t.Fatalf("groups quotum %+v", g)
	}
	if a := byName["applications"]; a == nil || a.Unlimited == nil || !*a.Unlimited || a.Limit != nil {
		t.Fatalf("applications quotum %+v, want unlimited", a)
	}
	one, err := api.ListQuota(&iam.ListQuotaRequest{QuotumNames: []string{"users"}})
	if err != nil || one.TotalCount != 1 || one.Quota[0].Name != "users" {
		t.Fatalf("quotum_names filter: %+v %v", one, err)
	}
	q, err := api.GetQuotum(&iam.GetQuotumRequest{QuotumName: "api_keys"})
	if err != nil || q.Limit == nil || *q.Limit != 2 {
		t.Fatalf("get api_keys: %+v %v", q, err)
	}
	_, err = api.GetQuotum(&iam.GetQuotumRequest{QuotumName: "rockets"})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "quotum" {
		t.Fatalf("unknown quotum: %v", err)
	}
}

func TestQuotaOptions(t *testing.T) {
	if _, err := New(Options{Quotas: map[string]int64{"rockets": 1}}); err == nil || !strings.Contains(err.Error(), "applications") {
		t.Fatalf("unknown quota name: %v, want an error listing the known names", err)
	}
	if _, err := New(Options{Quotas: map[string]int64{"groups": -1}}); err == nil {
		t.Fatal("a negative quota was accepted")
	}
	s := startServer(t, Options{Seed: 43, Quotas: DefaultQuotas()})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	for name, want := range map[string]uint64{"applications": 100, "groups": 50, "policies": 50, "users": 50, "api_keys": 100} {
		q, err := api.GetQuotum(&iam.GetQuotumRequest{QuotumName: name})
		if err != nil || q.Limit == nil || *q.Limit != want {
			t.Errorf("%s: %+v %v, want %d", name, q, err, want)
		}
	}
	// Helpers ignore quotas: the big organizations of benchmarks stay possible.
	if err := s.SeedBulk(BulkSpec{Applications: 150}); err != nil {
		t.Fatal(err)
	}
	_, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "over"})
	var qe *scw.QuotasExceededError
	if !errors.As(err, &qe) || qe.Details[0].Current != 151 {
		t.Fatalf("create over the default quota: %v", err)
	}
}

func TestExpiryKeepsMicroseconds(t *testing.T) {
	s := startServer(t, Options{Seed: 44})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	app, _ := api.CreateApplication(&iam.CreateApplicationRequest{Name: "k"})
	code, body := do(t, s, "POST", "/iam/v1alpha1/api-keys", s.Owner().SecretKey,
		`{"application_id":"`+app.ID+`","expires_at":"2035-07-06T11:00:00.123456789+02:00"}`)
	if code != 200 || !strings.Contains(body, `"expires_at":"2035-07-06T09:00:00.123456Z"`) {
		t.Fatalf("create: %d %s, want expires_at truncated to microseconds in UTC", code, body)
	}
	exp := time.Date(2036, 1, 2, 3, 4, 5, 987654321, time.UTC)
	key, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if want := exp.Truncate(time.Microsecond); !key.ExpiresAt.Equal(want) {
		t.Fatalf("SDK create: expires_at %v, want %v", key.ExpiresAt, want)
	}
	later := exp.Add(time.Hour + 999*time.Nanosecond)
	upd, err := api.UpdateAPIKey(&iam.UpdateAPIKeyRequest{AccessKey: key.AccessKey, ExpiresAt: &later})
	if err != nil {
		t.Fatal(err)
	}
	got, err := api.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: key.AccessKey})
	if err != nil {
		t.Fatal(err)
	}
	want := later.Truncate(time.Microsecond)
	if !upd.ExpiresAt.Equal(want) || !got.ExpiresAt.Equal(want) {
		t.Fatalf("PATCH: expires_at %v then %v, want %v", upd.ExpiresAt, got.ExpiresAt, want)
	}
}
