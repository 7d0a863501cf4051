package live

import (
	"context"
	"os"
	"testing"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

func testCert(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../schema/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The federation writes against the emulator, each read back as the model says: SAML with its
// certificates matched as a set, SCIM and a token whose bearer only the caller gets, the login
// methods; and a key without IAM read rights leaves the kinds unread, never "none".
func TestFederationWritesAndReads(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	c := emulatorClient(t, emu, emu.Owner())
	o, err := c.Read(ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o.SAML != nil || o.SCIM != nil || len(o.SCIMTokens) != 0 || o.LoginMethods == nil || !*o.LoginMethods.Password || *o.LoginMethods.SAML {
		t.Fatalf("a new organization reads SAML %+v, SCIM %+v, tokens %d, login %+v", o.SAML, o.SCIM, len(o.SCIMTokens), o.LoginMethods)
	}
	samlID, err := c.EnableSAML(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.EnableSAML(ctx); err != nil || again != samlID {
		t.Errorf("enabling twice gave %q, %v; want the same configuration", again, err)
	}
	a, b := testCert(t, "idp-2099.pem"), testCert(t, "idp-2098.pem")
	if err := c.UpdateSAML(ctx, samlID, "https://idp.example.test/metadata", "https://idp.example.test/sso"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetSAMLCertificates(ctx, samlID, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetSAMLCertificates(ctx, samlID, []string{b}); err != nil {
		t.Fatal(err)
	}
	scimID, err := c.EnableSCIM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokenID, expires, bearer, err := c.CreateSCIMToken(ctx, scimID)
	if err != nil || tokenID == "" || expires == nil {
		t.Fatalf("create token: %q %v %v", tokenID, expires, err)
	}
	if !emu.SCIMTokenActive(bearer.Reveal()) {
		t.Error("the bearer returned is not the token's")
	}
	if err := c.UpdateLoginMethods(ctx, &model.LoginMethods{SAML: on(true), Password: on(false)}); err != nil {
		t.Fatal(err)
	}
	o, err = c.Read(ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := o.SAML
	if s == nil || s.ID != samlID || s.Status != "valid" || s.SSOURL != "https://idp.example.test/sso" || len(s.Certificates) != 1 || s.Certificates[0].PEM != b || s.Certificates[0].ExpiresAt == nil {
		t.Errorf("SAML read back as %+v", s)
	}
	if o.SCIM == nil || o.SCIM.ID != scimID || len(o.SCIMTokens) != 1 || o.SCIMTokens[0].ID != tokenID || o.SCIMTokens[0].Name != tokenID || !o.SCIMTokens[0].ExpiresAt.Equal(*expires) {
		t.Errorf("SCIM read back as %+v, tokens %+v", o.SCIM, o.SCIMTokens)
	}
	if m := o.LoginMethods; !*m.SAML || *m.Password || !*m.MagicCode {
		t.Errorf("login methods read back as %+v", m)
	}
	found, err := c.Find(ctx, model.KindSCIMToken, "", scimID)
	if err != nil || len(found) != 1 || found[0].ID != tokenID {
		t.Errorf("Find tokens = %+v, %v", found, err)
	}
	if err := c.DeleteSCIMToken(ctx, tokenID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSCIMToken(ctx, tokenID); err != nil {
		t.Errorf("a second delete is not done: %v", err)
	}
	if emu.SCIMTokenActive(bearer.Reveal()) {
		t.Error("the deleted token still works")
	}
	narrow, err := emu.NewCredentials("narrow", "IAMApplicationReadOnly", "IAMGroupReadOnly", "IAMPolicyReadOnly", "IAMUserReadOnly", "ProjectReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	o, err = emulatorClient(t, emu, narrow).Read(ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []model.Kind{model.KindSAML, model.KindSCIM, model.KindSCIMToken, model.KindLoginMethods} {
		if o.Unread[k] == "" {
			t.Errorf("%s not marked unread with a narrow key: %v", k, o.Unread)
		}
	}
}

func on(b bool) *bool { return &b }
