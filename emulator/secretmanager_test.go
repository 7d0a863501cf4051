package emulator

import (
	"errors"
	"slices"
	"strings"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	secretapi "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

const par = scw.RegionFrPar

// TestSecretManagerStoresCredentials is the flow a client storing credentials follows: find
// the named secret or create it, add a version, read the latest back.
func TestSecretManagerStoresCredentials(t *testing.T) {
	s := startServer(t, Options{Seed: 110})
	sm := secretapi.NewAPI(sdkClient(t, s, s.Owner()))
	project := s.OrganizationID()
	name := "ci-deployer"
	found, err := sm.ListSecrets(&secretapi.ListSecretsRequest{Region: par, Name: &name, ProjectID: &project})
	if err != nil || found.TotalCount != 0 {
		t.Fatalf("list before create: %+v %v", found, err)
	}
	sc, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: project, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Type != secretapi.SecretTypeOpaque || sc.Path != "/" || sc.Status != secretapi.SecretStatusReady || sc.VersionCount != 0 || sc.Region != par ||
		sc.Description == nil || *sc.Description != "" || sc.DeletionRequestedAt != nil {
		t.Fatalf("created secret %+v", sc)
	}
	const first = `{"access_key":"SCWAAAAAAAAAAAAAAAAA","secret_key":"canary-secret-data-1"}`
	v1, err := sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte(first), Description: scw.StringPtr("v1")})
	if err != nil || v1.Revision != 1 || !v1.Latest || v1.Status != secretapi.SecretVersionStatusEnabled {
		t.Fatalf("first version %+v %v", v1, err)
	}
	const second = "second-canary-secret-data"
	if _, err := sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte(second)}); err != nil {
		t.Fatal(err)
	}
	latest, err := sm.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "latest"})
	if err != nil || string(latest.Data) != second || latest.Revision != 2 || latest.Type != secretapi.SecretTypeOpaque {
		t.Fatalf("access latest: %+v %v", latest, err)
	}
	old, err := sm.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "1"})
	if err != nil || string(old.Data) != first {
		t.Fatalf("access 1: %+v %v", old, err)
	}
	if g, err := sm.GetSecretVersion(&secretapi.GetSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "1"}); err != nil || g.Latest {
		t.Fatalf("version 1 after version 2: %+v %v, want latest false", g, err)
	}
	vs, err := sm.ListSecretVersions(&secretapi.ListSecretVersionsRequest{Region: par, SecretID: sc.ID})
	if err != nil || vs.TotalCount != 2 || vs.Versions[0].Revision != 2 || vs.Versions[1].Revision != 1 {
		t.Fatalf("versions: %+v %v, want newest first", vs, err)
	}
	got, err := sm.GetSecret(&secretapi.GetSecretRequest{Region: par, SecretID: sc.ID})
	if err != nil || got.VersionCount != 2 || !got.UpdatedAt.Equal(*sc.UpdatedAt) {
		t.Fatalf("secret after two versions: %+v %v (updated_at does not move)", got, err)
	}
	found, err = sm.ListSecrets(&secretapi.ListSecretsRequest{Region: par, Name: &name, ProjectID: &project})
	if err != nil || found.TotalCount != 1 || found.Secrets[0].ID != sc.ID {
		t.Fatalf("list by name after create: %+v %v", found, err)
	}
	prefix := "ci-"
	if byPrefix, err := sm.ListSecrets(&secretapi.ListSecretsRequest{Region: par, Name: &prefix}); err != nil || byPrefix.TotalCount != 0 {
		t.Fatalf("name is an exact match: %+v %v", byPrefix, err)
	}
	if other, err := sm.ListSecrets(&secretapi.ListSecretsRequest{Region: scw.RegionNlAms}); err != nil || other.TotalCount != 0 {
		t.Fatalf("another region: %+v %v", other, err)
	}
	issued := s.IssuedSecrets()
	if !slices.Contains(issued, second) || !slices.Contains(issued, first) {
		t.Error("stored secret data is not among the issued secrets (a leak would pass the canaries)")
	}

	var re *scw.ResponseError
	if _, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: project, Name: name}); !errors.As(err, &re) || re.StatusCode != 409 {
		t.Fatalf("same name, same path: %v, want 409", err)
	}
	if _, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: project, Name: name, Path: scw.StringPtr("/other")}); err != nil {
		t.Fatalf("same name at another path: %v", err)
	}
	if code, body := do(t, s, "GET", "/secret-manager/v1beta1/regions/mars-1/secrets", s.Owner().SecretKey, ""); code != 400 || !strings.Contains(body, `"argument_name":"region"`) {
		t.Fatalf("unknown region: %d %s", code, body)
	}
	if code, body := do(t, s, "POST", "/secret-manager/v1beta1/regions/fr-par/secrets/"+sc.ID+"/versions", s.Owner().SecretKey, `{"data":"not base64!"}`); code != 400 {
		t.Fatalf("data not base64: %d %s", code, body)
	}
}

func TestSecretManagerDeletion(t *testing.T) {
	s := startServer(t, Options{Seed: 111})
	sm := secretapi.NewAPI(sdkClient(t, s, s.Owner()))
	sc, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: s.OrganizationID(), Name: "doomed"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"data-number-one", "data-number-two"} {
		if _, err := sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte(d)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte("data-number-three"), DisablePrevious: scw.BoolPtr(true)}); err != nil {
		t.Fatal(err)
	}
	var pf *scw.PreconditionFailedError
	if _, err := sm.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "2"}); !errors.As(err, &pf) {
		t.Fatalf("access a version disabled by disable_previous: %v, want 412", err)
	}
	if err := sm.DeleteSecretVersion(&secretapi.DeleteSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "1"}); !errors.As(err, &pf) || pf.Precondition != "resource_not_usable" {
		t.Fatalf("access a deleted version: %v, want 412 resource_not_usable", err)
	}
	if v, err := sm.GetSecretVersion(&secretapi.GetSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "1"}); err != nil || v.Status != secretapi.SecretVersionStatusDeleted || v.DeletedAt == nil {
		t.Fatalf("deleted version: %+v %v", v, err)
	}
	if err := sm.DeleteSecret(&secretapi.DeleteSecretRequest{Region: par, SecretID: sc.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := sm.GetSecret(&secretapi.GetSecretRequest{Region: par, SecretID: sc.ID})
	if err != nil || got.DeletionRequestedAt == nil || got.VersionCount != 3 {
		t.Fatalf("secret after its deletion: %+v %v (still readable, deletion_requested_at set, versions counted)", got, err)
	}
	if l, _ := sm.ListSecrets(&secretapi.ListSecretsRequest{Region: par}); l.TotalCount != 0 {
		t.Fatalf("a deleted secret is listed: %+v", l)
	}
	if l, _ := sm.ListSecrets(&secretapi.ListSecretsRequest{Region: par, ScheduledForDeletion: true}); l.TotalCount != 1 {
		t.Fatalf("scheduled_for_deletion=true: %+v", l)
	}
	if _, err := sm.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte("too-late-data")}); !errors.As(err, &pf) {
		t.Fatalf("a version on a deleted secret: %v, want 412", err)
	}
	prot, err := sm.CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: s.OrganizationID(), Name: "kept", Protected: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sm.DeleteSecret(&secretapi.DeleteSecretRequest{Region: par, SecretID: prot.ID}); !errors.As(err, &pf) {
		t.Fatalf("deleting a protected secret: %v, want 412", err)
	}
}

func TestSecretManagerRights(t *testing.T) {
	s := startServer(t, Options{Seed: 112})
	owner := sdkClient(t, s, s.Owner())
	sc, err := secretapi.NewAPI(owner).CreateSecret(&secretapi.CreateSecretRequest{Region: par, ProjectID: s.OrganizationID(), Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secretapi.NewAPI(owner).CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte("rights-test-data")}); err != nil {
		t.Fatal(err)
	}
	api := iam.NewAPI(owner)
	keyWith := func(name string, sets ...string) *secretapi.API {
		t.Helper()
		app, _ := api.CreateApplication(&iam.CreateApplicationRequest{Name: name})
		if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: name, ApplicationID: &app.ID,
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, ProjectIDs: &[]string{s.OrganizationID()}}}}); err != nil {
			t.Fatal(err)
		}
		k, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID})
		if err != nil {
			t.Fatal(err)
		}
		return secretapi.NewAPI(sdkClient(t, s, Credentials{AccessKey: k.AccessKey, SecretKey: *k.SecretKey, OrganizationID: s.OrganizationID()}))
	}
	ro := keyWith("ro", "SecretManagerReadOnly")
	if _, err := ro.GetSecret(&secretapi.GetSecretRequest{Region: par, SecretID: sc.ID}); err != nil {
		t.Fatalf("SecretManagerReadOnly reading metadata: %v", err)
	}
	var pd *scw.PermissionsDeniedError
	if _, err := ro.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "latest"}); !errors.As(err, &pd) || pd.Details[0].Resource != "secret_access" {
		t.Fatalf("SecretManagerReadOnly reading data: %v, want 403 secret_access", err)
	}
	if _, err := ro.CreateSecretVersion(&secretapi.CreateSecretVersionRequest{Region: par, SecretID: sc.ID, Data: []byte("nope-nope")}); !errors.As(err, &pd) {
		t.Fatalf("SecretManagerReadOnly writing: %v, want 403", err)
	}
	acc := keyWith("acc", "SecretManagerSecretAccess")
	if v, err := acc.AccessSecretVersion(&secretapi.AccessSecretVersionRequest{Region: par, SecretID: sc.ID, Revision: "latest"}); err != nil || string(v.Data) != "rights-test-data" {
		t.Fatalf("SecretManagerSecretAccess reading data: %+v %v", v, err)
	}
	iamAdmin, err := s.NewCredentials("iam-admin", "IAMManager")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secretapi.NewAPI(sdkClient(t, s, iamAdmin)).ListSecrets(&secretapi.ListSecretsRequest{Region: par}); !errors.As(err, &pd) {
		t.Fatalf("IAMManager listing secrets: %v, want 403", err)
	}
}
