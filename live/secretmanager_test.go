package live

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	secret "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/secrets"
)

func smFixture(t *testing.T) (*Client, *emulator.Server, *secret.API, *account.ProjectAPI) {
	t.Helper()
	cl, emu := newTestClient(t)
	o := emu.Owner()
	sdk, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	return cl, emu, secret.NewAPI(sdk), account.NewProjectAPI(sdk)
}

// latest reads the latest version of the secret name in project: its credentials, and how
// many versions are enabled.
func latest(t *testing.T, api *secret.API, project, name string) (map[string]string, int) {
	t.Helper()
	r, err := api.ListSecrets(&secret.ListSecretsRequest{Region: scw.RegionFrPar, ProjectID: &project, Name: &name}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Secrets) != 1 {
		t.Fatalf("%d secrets named %s in %s", len(r.Secrets), name, project)
	}
	if r.Secrets[0].Type != secret.SecretTypeKeyValue {
		t.Errorf("secret type %s, want key_value", r.Secrets[0].Type)
	}
	v, err := api.AccessSecretVersion(&secret.AccessSecretVersionRequest{Region: scw.RegionFrPar, SecretID: r.Secrets[0].ID, Revision: "latest"})
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]string
	if err := json.Unmarshal(v.Data, &data); err != nil {
		t.Fatal(err)
	}
	vs, err := api.ListSecretVersions(&secret.ListSecretVersionsRequest{Region: scw.RegionFrPar, SecretID: r.Secrets[0].ID,
		Status: []secret.SecretVersionStatus{secret.SecretVersionStatusEnabled}}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	return data, len(vs.Versions)
}

func TestSecretManagerVersionsAndForget(t *testing.T) {
	cl, emu, api, _ := smFixture(t)
	sm, err := cl.SecretManager(context.Background(), "", "s")
	if err != nil {
		t.Fatal(err)
	}
	if sm.ProjectID != emu.OrganizationID() {
		t.Errorf("default project %s, want the organization's default project %s", sm.ProjectID, emu.OrganizationID())
	}
	for i := 1; i <= 3; i++ {
		c := secrets.Credentials{AccessKey: fmt.Sprintf("SCW%017d", i), SecretKey: secrets.New(fmt.Sprintf("secret-%d", i))}
		if err := sm.PutAll(map[string]secrets.Credentials{"CI": c}); err != nil {
			t.Fatal(err)
		}
		data, n := latest(t, api, sm.ProjectID, "CI")
		if data["access_key"] != c.AccessKey || data["secret_key"] != c.SecretKey.Reveal() || n != i {
			t.Fatalf("after put %d: latest holds %s, %d versions", i, data["access_key"], n)
		}
	}
	// Forget takes the last version back: latest is the previous key again.
	if err := sm.Forget("CI", fmt.Sprintf("SCW%017d", 3)); err != nil {
		t.Fatal(err)
	}
	if data, n := latest(t, api, sm.ProjectID, "CI"); data["access_key"] != fmt.Sprintf("SCW%017d", 2) || n != 2 {
		t.Fatalf("after Forget: latest holds %s, %d versions", data["access_key"], n)
	}
	// A new store finds the stack's secret instead of making a second one.
	sm2, err := cl.SecretManager(context.Background(), "", "s")
	if err != nil {
		t.Fatal(err)
	}
	if err := sm2.PutAll(map[string]secrets.Credentials{"CI": {AccessKey: "SCW00000000000000009", SecretKey: secrets.New("nine")}}); err != nil {
		t.Fatal(err)
	}
	if data, n := latest(t, api, sm.ProjectID, "CI"); data["access_key"] != "SCW00000000000000009" || n != 3 {
		t.Fatalf("second store: latest holds %s, %d versions", data["access_key"], n)
	}
}

// Many keys stored at once under the same name make one secret, with one version each.
func TestSecretManagerConcurrentPuts(t *testing.T) {
	cl, _, api, _ := smFixture(t)
	sm, err := cl.SecretManager(context.Background(), "", "s")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := []string{"A", "B"}[i%2]
			if err := sm.PutAll(map[string]secrets.Credentials{name: {AccessKey: fmt.Sprintf("SCW%017d", i), SecretKey: secrets.New("s")}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, name := range []string{"A", "B"} {
		if _, n := latest(t, api, sm.ProjectID, name); n != 4 {
			t.Errorf("secret %s has %d versions, want 4", name, n)
		}
	}
}

func TestSecretManagerProjectAndOwnership(t *testing.T) {
	cl, emu, api, projects := smFixture(t)
	org := emu.OrganizationID()
	vault, err := projects.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "vault", OrganizationID: org})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"twice", "twice"} {
		if _, err := projects.CreateProject(&account.ProjectAPICreateProjectRequest{Name: p, OrganizationID: org}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{"vault", vault.ID} {
		sm, err := cl.SecretManager(context.Background(), ref, "s")
		if err != nil || sm.ProjectID != vault.ID {
			t.Fatalf("project %q: %v, %+v", ref, err, sm)
		}
	}
	for ref, want := range map[string]string{"twice": "2 projects are named", "nowhere": "no project is named"} {
		if _, err := cl.SecretManager(context.Background(), ref, "s"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("project %q: %v, want %q", ref, err, want)
		}
	}
	// Someone else's secret of the name is never written to.
	if _, err := api.CreateSecret(&secret.CreateSecretRequest{Region: scw.RegionFrPar, ProjectID: vault.ID, Name: "CI"}); err != nil {
		t.Fatal(err)
	}
	sm, err := cl.SecretManager(context.Background(), "vault", "s")
	if err != nil {
		t.Fatal(err)
	}
	err = sm.PutAll(map[string]secrets.Credentials{"CI": {AccessKey: "SCW00000000000000001", SecretKey: secrets.New("x")}})
	if err == nil || !strings.Contains(err.Error(), "is not this stack's") {
		t.Fatalf("put into a foreign secret: %v", err)
	}
	// And a 500 on the first version leaves no secret behind.
	emu.FailNext("POST /secret-manager/v1beta1/regions/{id}/secrets/{id}/versions", emulator.Fault500, 1)
	if err := sm.PutAll(map[string]secrets.Credentials{"NEW": {AccessKey: "SCW00000000000000002", SecretKey: secrets.New("y")}}); err == nil {
		t.Fatal("put with a failing version create succeeded")
	}
	name := "NEW"
	r, err := api.ListSecrets(&secret.ListSecretsRequest{Region: scw.RegionFrPar, ProjectID: &vault.ID, Name: &name}, scw.WithAllPages())
	if err != nil || len(r.Secrets) != 0 {
		t.Fatalf("secrets named NEW after the failure: %d (%v), want none", len(r.Secrets), err)
	}
}

// StoredTokens tells which SCIM token each token secret's latest version holds, from the
// versions' descriptions (no bearer read), to a store opened later too; key secrets are not in it.
func TestSecretManagerStoredTokens(t *testing.T) {
	cl, emu, _, _ := smFixture(t)
	ctx := context.Background()
	sm, err := cl.SecretManager(ctx, "", "s")
	if err != nil {
		t.Fatal(err)
	}
	puts := []map[string]secrets.Credentials{
		{"CI": {AccessKey: "SCW00000000000000001", SecretKey: secrets.New("one")}},
		{"SCIM_TOKEN_OKTA": {TokenID: "token-1", BearerToken: secrets.New("bearer-1")}},
		{"SCIM_TOKEN_OKTA": {TokenID: "token-2", BearerToken: secrets.New("bearer-2")}}, // a rotation
		{"SCIM_TOKEN_BACKUP": {TokenID: "token-3", BearerToken: secrets.New("bearer-3")}},
	}
	for _, p := range puts {
		if err := sm.PutAll(p); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"SCIM_TOKEN_OKTA": "token-2", "SCIM_TOKEN_BACKUP": "token-3"}
	for _, store := range []string{"the writing store", "a store opened later"} {
		if store == "a store opened later" {
			if sm, err = cl.SecretManager(ctx, "", "s"); err != nil {
				t.Fatal(err)
			}
		}
		emu.ResetCounts()
		got, err := sm.StoredTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: stored tokens %v, want %v", store, got, want)
		}
		if n := emu.Counts().Reads; n != len(want) {
			t.Errorf("%s: %d reads, want one per token secret", store, n)
		}
	}
}
