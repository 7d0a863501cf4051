package resilience

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	secret "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/secrets"
)

// TestCrashSecretManager is TestCrash with Secret Manager as the secrets store (apply
// --secrets-to scaleway-secret-manager): SIGKILL after the Nth answer, for N across a whole
// run, then a second apply. Every live key of the stack must then be the latest enabled
// version of its secret (or an older enabled one, never missing), the latest must
// authenticate, no secrets file may exist, and the plan must be empty.
func TestCrashSecretManager(t *testing.T) {
	t.Parallel()
	m := newManifests(4, 3, 2, 3) // 18 resources, 6 keys
	if *long {
		m = realistic()
	}
	base := newOrg(t, 900)
	m.write(t, base.dir)
	start := base.n.Load()
	if r := base.smApply(); r.code != 0 {
		t.Fatalf("clean apply:\n%s", r)
	}
	if v := base.checkSecretManager(m); v != "" {
		t.Fatalf("after a clean apply: %s", v)
	}
	total := int(base.n.Load() - start)
	stride := 1
	if !*long {
		stride = max(1, total/8)
	}
	t.Logf("a clean apply to Secret Manager takes %d answers; killing after every %d", total, stride)
	for n := 1; n <= total; n += stride {
		t.Run(fmt.Sprint("kill-after=", n), func(t *testing.T) {
			t.Parallel()
			o := newOrg(t, 900)
			m.write(t, o.dir)
			o.killedAfter(int64(n), smApplyArgs...)
			second := o.smApply()
			checkReport(t, second)
			if second.code != 0 {
				t.Fatalf("apply after the kill:\n%s", second)
			}
			if ok, r := o.converged(); !ok {
				t.Fatalf("not converged:\n%s", r)
			}
			if v := o.checkSecretManager(m); v != "" {
				t.Fatal(v)
			}
		})
	}
}

var smApplyArgs = []string{"apply", "--auto-approve", "--secrets-to", "scaleway-secret-manager", "--secrets-file", secretsFile, "manifests"}

func (o *org) smApply() result { return o.run(smApplyArgs...) }

// checkSecretManager returns what breaks the promises, or "".
func (o *org) checkSecretManager(m *manifestSet) string {
	for _, f := range []string{secretsFile, secretsFile + ".journal", secretsFile + ".pending"} {
		if _, err := os.Stat(filepath.Join(o.dir, f)); err == nil {
			return f + " exists after a finished run with Secret Manager as the store"
		}
	}
	l := o.read()
	api := secret.NewAPI(o.client())
	project := o.emu.Owner().ProjectID
	for _, k := range m.keys {
		var live []string
		for _, lk := range l.APIKeys {
			if lk.Owner == stack && lk.RetiredUntil == nil && lk.Application == k.app && lk.Name == k.name {
				live = append(live, lk.ID)
			}
		}
		if len(live) != 1 {
			return fmt.Sprintf("%s/%s: %d live keys, want 1", k.app, k.name, len(live))
		}
		name := k.secret
		r, err := api.ListSecrets(&secret.ListSecretsRequest{Region: scw.RegionFrPar, ProjectID: &project, Name: &name}, scw.WithAllPages())
		if err != nil || len(r.Secrets) != 1 {
			return fmt.Sprintf("secret %s: %v, %d secrets", name, err, len(r.Secrets))
		}
		vs, err := api.ListSecretVersions(&secret.ListSecretVersionsRequest{Region: scw.RegionFrPar, SecretID: r.Secrets[0].ID,
			Status: []secret.SecretVersionStatus{secret.SecretVersionStatusEnabled}}, scw.WithAllPages())
		if err != nil {
			return err.Error()
		}
		held := false
		for _, v := range vs.Versions {
			held = held || (v.Description != nil && *v.Description == live[0])
		}
		if !held {
			return fmt.Sprintf("lost secret: live key %s (%s/%s) is in no version of secret %s", live[0], k.app, k.name, name)
		}
		latest, err := api.AccessSecretVersion(&secret.AccessSecretVersionRequest{Region: scw.RegionFrPar, SecretID: r.Secrets[0].ID, Revision: "latest"})
		if err != nil {
			return err.Error()
		}
		var c struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		if err := json.Unmarshal(latest.Data, &c); err != nil {
			return err.Error()
		}
		if c.AccessKey != live[0] {
			return fmt.Sprintf("secret %s's latest version holds %s, the live key is %s", name, c.AccessKey, live[0])
		}
		if !o.authenticates(credentialsOf(c.AccessKey, c.SecretKey)) {
			return fmt.Sprintf("secret %s's latest version does not authenticate", name)
		}
	}
	return ""
}

func credentialsOf(accessKey, secretKey string) secrets.Credentials {
	return secrets.Credentials{AccessKey: accessKey, SecretKey: secrets.New(secretKey)}
}
