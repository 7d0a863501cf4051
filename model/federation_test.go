package model

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testCertificate makes a self-signed certificate expiring at notAfter, as PEM and DER.
func testCertificate(t *testing.T, cn string, notAfter time.Time) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), der
}

func TestCanonicalCertificate(t *testing.T) {
	at := time.Date(2040, 1, 2, 3, 4, 5, 0, time.UTC)
	p, der := testCertificate(t, "idp.example.test", at)
	// Indented, with CRLF and surrounding blank lines, as YAML block scalars may give it.
	messy := "\n  " + strings.ReplaceAll(p, "\n", "\r\n") + "\n\n"
	got, notAfter, err := CanonicalCertificate(messy)
	if err != nil {
		t.Fatal(err)
	}
	if got != p || !notAfter.Equal(at) {
		t.Errorf("canonical form %q expiring %s; want the PEM as encoded, expiring %s", got, notAfter, at)
	}
	fromAPI, exp := CertificateFromAPI(base64.StdEncoding.EncodeToString(der))
	if fromAPI != p || exp == nil || !exp.Equal(at) {
		t.Errorf("bare base64 DER from the API read as %q, %v", fromAPI, exp)
	}
	if l := CertificateLabel(p); !strings.HasPrefix(l, "idp.example.test (sha256:") {
		t.Errorf("label %q does not name the subject", l)
	}
	for _, bad := range []string{"", "not a certificate", p + p,
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, _, err := CanonicalCertificate(bad); err == nil {
			t.Errorf("CanonicalCertificate(%.40q) accepted it", bad)
		}
	}
}

func TestSAMLValid(t *testing.T) {
	cert := []SAMLCertificate{{PEM: "x"}}
	for _, tc := range []struct {
		s    *SAML
		want bool
	}{
		{nil, false},
		{&SAML{Enabled: false, EntityID: "e", SSOURL: "u", Certificates: cert}, false},
		{&SAML{Enabled: true, EntityID: "e", SSOURL: "u", Certificates: cert}, true},
		{&SAML{Enabled: true, EntityID: "e", SSOURL: "u"}, false},
		{&SAML{Enabled: true, Status: "missing_entity_id", SSOURL: "u", Certificates: cert}, false},
		{&SAML{Enabled: true, Status: "valid"}, true},
	} {
		if got := tc.s.Valid(); got != tc.want {
			t.Errorf("%+v.Valid() = %v, want %v", tc.s, got, tc.want)
		}
	}
	if got := SCIMTokenSecretName(&SCIMToken{Name: "okta-prod"}); got != "SCIM_TOKEN_OKTA_PROD" {
		t.Errorf("default secret name %q", got)
	}
}
