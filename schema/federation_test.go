package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// testCertPEM reads a committed test certificate: self-signed, subject "iamsync ... test IdP
// (not a real identity)", made once with crypto/x509 (idp-2099.pem and idp-2098.pem expire in
// 2099 and 2098, idp-expired-2001.pem in 2001).
func testCertPEM(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// A federation manifest loads into the model with its certificates canonical and their
// expiry read from them, its parts enabled unless told otherwise, and its login methods
// given only where written; Marshal writes it back to an equal set.
func TestLoadFederation(t *testing.T) {
	cert := testCertPEM(t, "idp-2099.pem")
	src := "version: 1\nstack: s\nidentity_provider:\n  saml:\n    entity_id: https://idp.example.test/metadata\n" +
		"    sso_url: https://idp.example.test/sso\n    certificates:\n      - |\n" + indent(cert, "        ") +
		"  scim:\n    tokens:\n      - {name: okta, rotate_before: 30d}\n      - {name: spare, id: 11111111-2222-3333-4444-555555555555, secret: SPARE}\n" +
		"login_methods: {password: false, saml: true}\n"
	org, ds := LoadBytes("fed.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	s := org.SAML
	if s == nil || !s.Enabled || s.EntityID != "https://idp.example.test/metadata" || len(s.Certificates) != 1 {
		t.Fatalf("SAML = %+v", s)
	}
	if c := s.Certificates[0]; c.PEM != cert || c.ExpiresAt == nil || !c.ExpiresAt.Equal(time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)) || c.Pos.Line != 8 {
		t.Errorf("certificate = %+v", c)
	}
	if org.SCIM == nil || !org.SCIM.Enabled || len(org.SCIMTokens) != 2 {
		t.Fatalf("SCIM = %+v, tokens %d", org.SCIM, len(org.SCIMTokens))
	}
	okta, spare := org.SCIMTokens[0], org.SCIMTokens[1]
	if okta.Name != "okta" || okta.RotateBefore != 30*24*time.Hour || model.SCIMTokenSecretName(okta) != "SCIM_TOKEN_OKTA" {
		t.Errorf("okta = %+v", okta)
	}
	if spare.ID != "11111111-2222-3333-4444-555555555555" || model.SCIMTokenSecretName(spare) != "SPARE" {
		t.Errorf("spare = %+v", spare)
	}
	m := org.LoginMethods
	if m == nil || m.Password == nil || *m.Password || m.SAML == nil || !*m.SAML || m.OAuth2 != nil || m.MagicCode != nil {
		t.Errorf("login methods = %+v", m)
	}
	out, err := Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	back, ds := LoadBytes("back.yaml", out)
	if ds.HasErrors() {
		t.Fatalf("reload: %v\n%s", ds, out)
	}
	if back.SAML.Certificates[0].PEM != cert || back.SCIMTokens[1].ID != spare.ID || back.SCIMTokens[0].RotateBefore != okta.RotateBefore {
		t.Errorf("round trip lost something:\n%s", out)
	}
	// enabled: false asks for deletion and is written back.
	org, ds = LoadBytes("off.yaml", []byte("version: 1\nstack: s\nidentity_provider: {saml: {enabled: false}, scim: {enabled: false}}\n"))
	if ds.HasErrors() || org.SAML == nil || org.SAML.Enabled || org.SCIM == nil || org.SCIM.Enabled {
		t.Fatalf("enabled: false loaded as %+v %+v (%v)", org.SAML, org.SCIM, ds)
	}
	if out, _ := Marshal(org); !strings.Contains(string(out), "enabled: false") {
		t.Errorf("enabled: false not written back:\n%s", out)
	}
}
