package emulator

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// wire encodes SSH wire-format strings (RFC 4253 §6.6), independently of the emulator's reader.
func wire(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

func mpint(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) > 0 && b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

type testKey struct {
	typ  string
	blob []byte
	bits int
}

func (k testKey) line(comment string) string {
	return k.typ + " " + base64.StdEncoding.EncodeToString(k.blob) + " " + comment
}

func (k testKey) fingerprint() string {
	sum := md5.Sum(k.blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02x", b)
	}
	return fmt.Sprintf("%d MD5:%s (%s)", k.bits, strings.Join(hexes, ":"), k.typ)
}

func testKeys(t *testing.T) []testKey {
	t.Helper()
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys := []testKey{
		{"ssh-ed25519", wire([]byte("ssh-ed25519"), edPub), 256},
		{"ssh-rsa", wire([]byte("ssh-rsa"), mpint(big.NewInt(int64(rsaKey.E))), mpint(rsaKey.N)), 2048},
	}
	for _, c := range []struct {
		curve elliptic.Curve
		name  string
		bits  int
	}{{elliptic.P256(), "nistp256", 256}, {elliptic.P384(), "nistp384", 384}, {elliptic.P521(), "nistp521", 521}} {
		k, err := ecdsa.GenerateKey(c.curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		point, err := k.PublicKey.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		typ := "ecdsa-sha2-" + c.name
		keys = append(keys, testKey{typ, wire([]byte(typ), []byte(c.name), point), c.bits})
	}
	// A DSA key's parameters are only read for p's size; random numbers of the right sizes do.
	p := new(big.Int).SetBit(big.NewInt(12345), 1023, 1)
	keys = append(keys, testKey{"ssh-dss", wire([]byte("ssh-dss"), mpint(p), mpint(big.NewInt(7)), mpint(big.NewInt(5)), mpint(big.NewInt(3))), 1024})
	return keys
}

func TestSSHKeyTypesAndFingerprints(t *testing.T) {
	s := startServer(t, Options{Seed: 60})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	for _, k := range testKeys(t) {
		t.Run(k.typ, func(t *testing.T) {
			got, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: k.typ, PublicKey: k.line("me@example.com") + "\n", ProjectID: s.OrganizationID()})
			if err != nil {
				t.Fatal(err)
			}
			wantPub := k.typ + " " + base64.StdEncoding.EncodeToString(k.blob)
			if got.PublicKey != wantPub || got.Fingerprint != k.fingerprint() || got.Disabled || got.ProjectID != s.OrganizationID() ||
				got.OrganizationID != s.OrganizationID() {
				t.Fatalf("created %+v\nwant public key %s (no comment, no newline), fingerprint %s", got, wantPub, k.fingerprint())
			}
		})
	}
}

func TestSSHKeyRefusesGarbage(t *testing.T) {
	s := startServer(t, Options{Seed: 61})
	ed := testKeys(t)[0]
	b64 := base64.StdEncoding.EncodeToString(ed.blob)
	for name, pub := range map[string]string{
		"empty":          "",
		"one word":       "ssh-ed25519",
		"not base64":     "ssh-ed25519 !!!notbase64!!!",
		"type mismatch":  "ssh-rsa " + b64,
		"truncated":      "ssh-ed25519 " + base64.StdEncoding.EncodeToString(ed.blob[:len(ed.blob)-3]),
		"trailing bytes": "ssh-ed25519 " + base64.StdEncoding.EncodeToString(append(append([]byte{}, ed.blob...), 0, 0)),
		"unsupported":    "sk-ssh-ed25519@openssh.com " + base64.StdEncoding.EncodeToString(wire([]byte("sk-ssh-ed25519@openssh.com"), ed.blob[19:])),
		"private key":    "-----BEGIN OPENSSH PRIVATE KEY-----",
		"wrong curve":    "ecdsa-sha2-nistp256 " + base64.StdEncoding.EncodeToString(wire([]byte("ecdsa-sha2-nistp256"), []byte("nistp384"), []byte{4, 1, 2})),
	} {
		t.Run(name, func(t *testing.T) {
			body := fmt.Sprintf(`{"name":"k","public_key":%q,"project_id":"%s"}`, pub, s.OrganizationID())
			code, out := do(t, s, "POST", "/iam/v1alpha1/ssh-keys", s.Owner().SecretKey, body)
			if code != 400 || !strings.Contains(out, `"argument_name":"public_key"`) {
				t.Fatalf("got %d %s, want 400 on public_key", code, out)
			}
		})
	}
	for name, tc := range map[string]struct{ body, arg string }{
		"no name":         {`{"public_key":"` + ed.line("") + `","project_id":"` + s.OrganizationID() + `"}`, "name"},
		"no project":      {`{"name":"k","public_key":"` + ed.line("") + `"}`, "project_id"},
		"bad project":     {`{"name":"k","public_key":"` + ed.line("") + `","project_id":"nope"}`, "project_id"},
		"name over limit": {`{"name":"` + strings.Repeat("n", 1001) + `","public_key":"` + ed.line("") + `","project_id":"` + s.OrganizationID() + `"}`, "name"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out := do(t, s, "POST", "/iam/v1alpha1/ssh-keys", s.Owner().SecretKey, tc.body)
			if code != 400 || !strings.Contains(out, `"argument_name":"`+tc.arg+`"`) {
				t.Fatalf("got %d %s, want 400 on %s", code, out, tc.arg)
			}
		})
	}
	if code, out := do(t, s, "GET", "/iam/v1alpha1/ssh-keys", s.Owner().SecretKey, ""); code != 200 || out != `{"ssh_keys":[],"total_count":0}` {
		t.Fatalf("refused creates left keys behind: %d %s", code, out)
	}
}

func TestSSHKeyLifecycleAndFilters(t *testing.T) {
	s := startServer(t, Options{Seed: 62, Quotas: map[string]int64{"ssh_keys": 3}})
	cl := sdkClient(t, s, s.Owner())
	api := iam.NewAPI(cl)
	org := s.OrganizationID()
	other, err := account.NewProjectAPI(cl).CreateProject(&account.ProjectAPICreateProjectRequest{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	ed := testKeys(t)[0]
	a, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "alpha", PublicKey: ed.line("x"), ProjectID: org})
	if err != nil {
		t.Fatal(err)
	}
	// The same public key twice is accepted (list-iamssh-keys-basic #0, #4).
	b, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "beta", PublicKey: ed.line("y"), ProjectID: other.ID})
	if err != nil {
		t.Fatalf("the same public key in a second key: %v", err)
	}
	dis, err := api.UpdateSSHKey(&iam.UpdateSSHKeyRequest{SSHKeyID: b.ID, Disabled: scw.BoolPtr(true)})
	if err != nil || !dis.Disabled || dis.Name != "beta" || !dis.UpdatedAt.After(*b.UpdatedAt) {
		t.Fatalf("disable: %+v %v (partial, updated_at moves)", dis, err)
	}
	names := func(req *iam.ListSSHKeysRequest) string {
		t.Helper()
		r, err := api.ListSSHKeys(req, scw.WithAllPages())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range r.SSHKeys {
			out = append(out, k.Name)
		}
		if int(r.TotalCount) != len(out) {
			t.Fatalf("total_count %d for %d keys", r.TotalCount, len(out))
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		req  *iam.ListSSHKeysRequest
		want string
	}{
		{&iam.ListSSHKeysRequest{}, "alpha,beta"},
		{&iam.ListSSHKeysRequest{OrderBy: iam.ListSSHKeysRequestOrderByNameDesc}, "beta,alpha"},
		{&iam.ListSSHKeysRequest{Disabled: scw.BoolPtr(true)}, "beta"},
		{&iam.ListSSHKeysRequest{Disabled: scw.BoolPtr(false)}, "alpha"},
		{&iam.ListSSHKeysRequest{ProjectID: &other.ID}, "beta"},
		{&iam.ListSSHKeysRequest{Name: scw.StringPtr("alp")}, "alpha"},
	} {
		if got := names(tc.req); got != tc.want {
			t.Errorf("list %+v: %s, want %s", tc.req, got, tc.want)
		}
	}
	if _, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "gamma", PublicKey: ed.line(""), ProjectID: org}); err != nil {
		t.Fatal(err)
	}
	var qe *scw.QuotasExceededError
	if _, err := api.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "delta", PublicKey: ed.line(""), ProjectID: org}); !errors.As(err, &qe) {
		t.Fatalf("fourth key over a quota of 3: %v", err)
	}
	if err := account.NewProjectAPI(cl).DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: other.ID}); err == nil {
		t.Fatal("a project holding an SSH key was deleted")
	}
	if err := api.DeleteSSHKey(&iam.DeleteSSHKeyRequest{SSHKeyID: a.ID}); err != nil {
		t.Fatal(err)
	}
	var nf *scw.ResourceNotFoundError
	if _, err := api.GetSSHKey(&iam.GetSSHKeyRequest{SSHKeyID: a.ID}); !errors.As(err, &nf) || nf.Resource != "ssh_key" {
		t.Fatalf("deleted key: %v", err)
	}
}

func TestSSHKeyRights(t *testing.T) {
	s := startServer(t, Options{Seed: 63})
	cl := sdkClient(t, s, s.Owner())
	owner := iam.NewAPI(cl)
	org := s.OrganizationID()
	proj, err := account.NewProjectAPI(cl).CreateProject(&account.ProjectAPICreateProjectRequest{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ed := testKeys(t)[0]
	inDefault, err := owner.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "default", PublicKey: ed.line(""), ProjectID: org})
	if err != nil {
		t.Fatal(err)
	}
	// An application with SSHKeysFullAccess on one project only.
	app, _ := owner.CreateApplication(&iam.CreateApplicationRequest{Name: "ssh"})
	if _, err := owner.CreatePolicy(&iam.CreatePolicyRequest{Name: "ssh", ApplicationID: &app.ID,
		Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"SSHKeysFullAccess"}, ProjectIDs: &[]string{proj.ID}}}}); err != nil {
		t.Fatal(err)
	}
	key, _ := owner.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID})
	scoped := iam.NewAPI(sdkClient(t, s, Credentials{AccessKey: key.AccessKey, SecretKey: *key.SecretKey, OrganizationID: org}))
	mine, err := scoped.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "mine", PublicKey: ed.line(""), ProjectID: proj.ID})
	if err != nil {
		t.Fatalf("SSHKeysFullAccess on the project: %v", err)
	}
	var pd *scw.PermissionsDeniedError
	if _, err := scoped.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "theirs", PublicKey: ed.line(""), ProjectID: org}); !errors.As(err, &pd) {
		t.Fatalf("creating in a project without the right: %v, want 403", err)
	}
	if _, err := scoped.GetSSHKey(&iam.GetSSHKeyRequest{SSHKeyID: inDefault.ID}); !errors.As(err, &pd) {
		t.Fatalf("reading a key of another project: %v, want 403", err)
	}
	list, err := scoped.ListSSHKeys(&iam.ListSSHKeysRequest{})
	if err != nil || list.TotalCount != 1 || list.SSHKeys[0].ID != mine.ID {
		t.Fatalf("list with a one-project right: %+v %v, want only its project's key", list, err)
	}
	// IAM rights do not cover SSH keys.
	iamAdmin, err := s.NewCredentials("iam-admin", "IAMManager")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewAPI(sdkClient(t, s, iamAdmin)).ListSSHKeys(&iam.ListSSHKeysRequest{}); !errors.As(err, &pd) || pd.Details[0].Resource != "ssh_key" {
		t.Fatalf("IAMManager listing SSH keys: %v, want 403 read ssh_key", err)
	}
}
