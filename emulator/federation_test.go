package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// testCertificate returns a self-signed certificate expiring at notAfter, as PEM and as the
// bare base64 DER of SAML metadata.
func testCertificate(t *testing.T, notAfter time.Time) (pemText, bareBase64 string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp.example.com"},
		NotBefore: notAfter.AddDate(-1, 0, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), base64.StdEncoding.EncodeToString(der)
}

// wantStatus fails unless err is an SDK error for the HTTP status want. The SDK turns the
// standard error bodies into typed errors without a status; the type says it (§6).
func wantStatus(t *testing.T, what string, err error, want int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted, want HTTP %d", what, want)
	}
	var (
		re *scw.ResponseError
		nf *scw.ResourceNotFoundError
		ia *scw.InvalidArgumentsError
		pd *scw.PermissionsDeniedError
		qe *scw.QuotasExceededError
	)
	got := 0
	switch {
	case errors.As(err, &nf):
		got = http.StatusNotFound
	case errors.As(err, &ia):
		got = http.StatusBadRequest
	case errors.As(err, &pd), errors.As(err, &qe):
		got = http.StatusForbidden
	case errors.As(err, &re):
		got = re.StatusCode
	}
	if got != want {
		t.Fatalf("%s: %v (HTTP %d), want HTTP %d", what, err, got, want)
	}
}

// TestSAMLThroughSDK drives every SAML route and the login methods through the SDK.
func TestSAMLThroughSDK(t *testing.T) {
	s := startServer(t, Options{Seed: 170})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	_, err := api.GetOrganizationSaml(&iam.GetOrganizationSamlRequest{})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "saml" {
		t.Fatalf("SAML before enabling: %v, want 404 saml", err)
	}
	_, err = api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginSamlEnabled: scw.BoolPtr(true)})
	wantStatus(t, "SAML login without SAML", err, http.StatusBadRequest)

	cfg, err := api.EnableOrganizationSaml(&iam.EnableOrganizationSamlRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ID == "" || cfg.Status != iam.SamlStatusMissingCertificate || cfg.ServiceProvider == nil || cfg.ServiceProvider.AssertionConsumerServiceURL == "" {
		t.Fatalf("enabled SAML = %+v", cfg)
	}
	_, err = api.EnableOrganizationSaml(&iam.EnableOrganizationSamlRequest{})
	wantStatus(t, "enabling SAML twice", err, http.StatusConflict)

	_, err = api.UpdateSaml(&iam.UpdateSamlRequest{SamlID: cfg.ID, SingleSignOnURL: scw.StringPtr("http://idp.example.com/sso")})
	wantStatus(t, "plain-http SSO URL", err, http.StatusBadRequest)
	up, err := api.UpdateSaml(&iam.UpdateSamlRequest{SamlID: cfg.ID, EntityID: scw.StringPtr("urn:idp:example"), SingleSignOnURL: scw.StringPtr("https://idp.example.com/sso")})
	if err != nil {
		t.Fatal(err)
	}
	if up.EntityID != "urn:idp:example" || up.SingleSignOnURL != "https://idp.example.com/sso" || up.Status != iam.SamlStatusMissingCertificate {
		t.Fatalf("updated SAML = %+v", up)
	}
	// Partial: a PATCH of the entity ID alone keeps the SSO URL.
	up, err = api.UpdateSaml(&iam.UpdateSamlRequest{SamlID: cfg.ID, EntityID: scw.StringPtr("urn:idp:example:2")})
	if err != nil || up.SingleSignOnURL != "https://idp.example.com/sso" {
		t.Fatalf("partial update = %+v, %v", up, err)
	}

	expiry := time.Date(2031, 5, 4, 3, 2, 1, 0, time.UTC)
	pemCert, bare := testCertificate(t, expiry)
	for _, bad := range []*iam.AddSamlCertificateRequest{
		{SamlID: cfg.ID, Type: iam.SamlCertificateTypeSigning, Content: "not a certificate"},
		{SamlID: cfg.ID, Type: iam.SamlCertificateTypeUnknownCertificateType, Content: pemCert},
		{SamlID: cfg.ID, Type: iam.SamlCertificateTypeSigning, Content: strings.Replace(pemCert, "CERTIFICATE", "PUBLIC KEY", 2)},
	} {
		_, err := api.AddSamlCertificate(bad)
		wantStatus(t, "bad certificate "+string(bad.Type), err, http.StatusBadRequest)
	}
	cert, err := api.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: cfg.ID, Type: iam.SamlCertificateTypeSigning, Content: pemCert})
	if err != nil {
		t.Fatal(err)
	}
	if cert.ExpiresAt == nil || !cert.ExpiresAt.Equal(expiry) || cert.Origin != iam.SamlCertificateOriginIdentityProvider || cert.Content != pemCert || cert.Type != iam.SamlCertificateTypeSigning {
		t.Fatalf("added certificate = %+v", cert)
	}
	enc, err := api.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: cfg.ID, Type: iam.SamlCertificateTypeEncryption, Content: bare})
	if err != nil || !enc.ExpiresAt.Equal(expiry) {
		t.Fatalf("bare base64 certificate: %+v, %v", enc, err)
	}
	got, err := api.GetOrganizationSaml(&iam.GetOrganizationSamlRequest{})
	if err != nil || got.Status != iam.SamlStatusValid {
		t.Fatalf("SAML with entity ID, SSO URL and signing certificate: %+v, %v", got, err)
	}
	list, err := api.ListSamlCertificates(&iam.ListSamlCertificatesRequest{SamlID: cfg.ID})
	if err != nil || len(list.Certificates) != 2 || list.Certificates[0].ID != cert.ID || list.Certificates[1].ID != enc.ID {
		t.Fatalf("certificates = %+v, %v", list, err)
	}
	if one, err := api.GetSamlCertificate(&iam.GetSamlCertificateRequest{CertificateID: enc.ID}); err != nil || one.Type != iam.SamlCertificateTypeEncryption {
		t.Fatalf("get certificate: %+v, %v", one, err)
	}

	// Login methods: SAML on (now valid), password off; all off is refused.
	org, err := api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginSamlEnabled: scw.BoolPtr(true), LoginPasswordEnabled: scw.BoolPtr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if !org.LoginSamlEnabled || org.LoginPasswordEnabled || !org.LoginMagicCodeEnabled || !org.LoginOauth2Enabled || org.ID != s.OrganizationID() {
		t.Fatalf("login methods = %+v", org)
	}
	_, err = api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginMagicCodeEnabled: scw.BoolPtr(false), LoginOauth2Enabled: scw.BoolPtr(false), LoginSamlEnabled: scw.BoolPtr(false)})
	wantStatus(t, "every login method off", err, http.StatusBadRequest)
	if org, err := api.GetOrganization(&iam.GetOrganizationRequest{}); err != nil || !org.LoginSamlEnabled || org.LoginPasswordEnabled || !org.LoginMagicCodeEnabled {
		t.Fatalf("a refused update changed the login methods: %+v, %v", org, err)
	}
	_, err = api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginMagicCodeEnabled: scw.BoolPtr(false), LoginOauth2Enabled: scw.BoolPtr(false)})
	if err != nil {
		t.Fatal(err)
	}
	err = api.DeleteSaml(&iam.DeleteSamlRequest{SamlID: cfg.ID})
	wantStatus(t, "deleting SAML, the only login method", err, http.StatusBadRequest)

	if err := api.DeleteSamlCertificate(&iam.DeleteSamlCertificateRequest{CertificateID: cert.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetSamlCertificate(&iam.GetSamlCertificateRequest{CertificateID: cert.ID})
	if !errors.As(err, &nf) || nf.Resource != "saml_certificate" {
		t.Fatalf("deleted certificate: %v, want 404 saml_certificate", err)
	}
	if got, _ := api.GetOrganizationSaml(&iam.GetOrganizationSamlRequest{}); got == nil || got.Status != iam.SamlStatusMissingCertificate {
		t.Fatalf("status after deleting the signing certificate = %+v", got)
	}

	if _, err := api.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{LoginPasswordEnabled: scw.BoolPtr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := api.DeleteSaml(&iam.DeleteSamlRequest{SamlID: cfg.ID}); err != nil {
		t.Fatal(err)
	}
	if org, err := api.GetOrganization(&iam.GetOrganizationRequest{}); err != nil || org.LoginSamlEnabled || !org.LoginPasswordEnabled {
		t.Fatalf("after deleting SAML: %+v, %v (SAML login must be off)", org, err)
	}
	_, err = api.ListSamlCertificates(&iam.ListSamlCertificatesRequest{SamlID: cfg.ID})
	wantStatus(t, "certificates of deleted SAML", err, http.StatusNotFound)
	_, err = api.GetSamlCertificate(&iam.GetSamlCertificateRequest{CertificateID: enc.ID})
	wantStatus(t, "certificate of deleted SAML", err, http.StatusNotFound)
}

// mutableClock is an Options.Now a test can move.
type mutableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mutableClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mutableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestSCIMThroughSDK drives every SCIM route: tokens answered once, joined to the issued
// secrets, one year of life, at most two active.
func TestSCIMThroughSDK(t *testing.T) {
	clock := &mutableClock{t: time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)}
	s := startServer(t, Options{Seed: 171, Now: clock.now})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	_, err := api.GetOrganizationScim(&iam.GetOrganizationScimRequest{})
	wantStatus(t, "SCIM before enabling", err, http.StatusNotFound)
	if _, err := s.ProvisionUser("idp@example.com"); err == nil {
		t.Fatal("ProvisionUser worked with SCIM disabled")
	}
	cfg, err := api.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{})
	if err != nil || cfg.ID == "" || cfg.CreatedAt == nil || !cfg.CreatedAt.Equal(clock.now()) {
		t.Fatalf("enable SCIM: %+v, %v", cfg, err)
	}
	_, err = api.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{})
	wantStatus(t, "enabling SCIM twice", err, http.StatusConflict)

	var bearers []string
	var ids []string
	for i := 0; i < 2; i++ {
		tok, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID})
		if err != nil {
			t.Fatal(err)
		}
		if tok.BearerToken == "" || tok.Token == nil || tok.Token.ScimID != cfg.ID || !tok.Token.ExpiresAt.Equal(tok.Token.CreatedAt.AddDate(1, 0, 0)) {
			t.Fatalf("token %d = %+v", i, tok)
		}
		bearers = append(bearers, tok.BearerToken)
		ids = append(ids, tok.Token.ID)
		clock.add(time.Hour)
	}
	if bearers[0] == bearers[1] {
		t.Fatal("two tokens share a bearer")
	}
	issued := strings.Join(s.IssuedSecrets(), "\n")
	for _, b := range bearers {
		if !strings.Contains(issued, b) || !s.SCIMTokenActive(b) {
			t.Fatalf("bearer token not among the issued secrets or not active")
		}
	}
	if s.SCIMTokenActive("scim_" + strings.Repeat("0", 64)) {
		t.Fatal("an unknown bearer is active")
	}
	_, err = api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID})
	var qe *scw.QuotasExceededError
	if !errors.As(err, &qe) || len(qe.Details) != 1 || qe.Details[0].Quota != 2 || qe.Details[0].Resource != "scim_token" {
		t.Fatalf("third active token: %v, want 403 quotas_exceeded scim_token quota 2", err)
	}

	// Reads never carry the bearer: not in the list, not in a get, at the HTTP level.
	tok := s.Owner().SecretKey
	for _, path := range []string{"/iam/v1alpha1/scim/" + cfg.ID + "/tokens", "/iam/v1alpha1/scim-tokens/" + ids[0]} {
		code, body := do(t, s, "GET", path, tok, "")
		if code != 200 || strings.Contains(body, bearers[0]) || strings.Contains(body, bearers[1]) || strings.Contains(body, "bearer") {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
	}
	list, err := api.ListScimTokens(&iam.ListScimTokensRequest{ScimID: cfg.ID, OrderBy: iam.ListScimTokensRequestOrderByCreatedAtDesc})
	if err != nil || list.TotalCount != 2 || list.ScimTokens[0].ID != ids[1] || list.ScimTokens[1].ID != ids[0] {
		t.Fatalf("tokens newest first: %+v, %v", list, err)
	}
	page, err := api.ListScimTokens(&iam.ListScimTokensRequest{ScimID: cfg.ID, PageSize: scw.Uint32Ptr(1), Page: scw.Int32Ptr(2)})
	if err != nil || page.TotalCount != 2 || len(page.ScimTokens) != 1 || page.ScimTokens[0].ID != ids[1] {
		t.Fatalf("page 2 of 1: %+v, %v", page, err)
	}

	// Rotation: delete the older token, create a new one.
	if err := api.DeleteScimToken(&iam.DeleteScimTokenRequest{TokenID: ids[0]}); err != nil {
		t.Fatal(err)
	}
	if s.SCIMTokenActive(bearers[0]) {
		t.Fatal("a deleted token is still active")
	}
	_, err = api.GetScimToken(&iam.GetScimTokenRequest{ScimTokenID: ids[0]})
	wantStatus(t, "deleted token", err, http.StatusNotFound)
	if _, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID}); err != nil {
		t.Fatalf("a token after a deletion: %v", err)
	}
	// A year on, both tokens have expired: they are listed, inactive, and do not count.
	clock.add(366 * 24 * time.Hour)
	if s.SCIMTokenActive(bearers[1]) {
		t.Fatal("an expired token is active")
	}
	if _, err := api.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: cfg.ID}); err != nil {
		t.Fatalf("a token after the others expired: %v", err)
	}
	if list, _ := api.ListScimTokens(&iam.ListScimTokensRequest{ScimID: cfg.ID}); list == nil || list.TotalCount != 3 {
		t.Fatalf("tokens with the expired ones: %+v", list)
	}

	// The identity provider's side: provisioned members look like any other member.
	uid, err := s.ProvisionUser("idp@example.com")
	if err != nil {
		t.Fatal(err)
	}
	gid, err := s.ProvisionGroup("engineering")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetProvisionedGroupMembers(gid, []string{uid}); err != nil {
		t.Fatal(err)
	}
	g, err := api.GetGroup(&iam.GetGroupRequest{GroupID: gid})
	if err != nil || len(g.UserIDs) != 1 || g.UserIDs[0] != uid || g.Managed || !g.Editable {
		t.Fatalf("provisioned group = %+v, %v", g, err)
	}
	if err := s.SetProvisionedGroupMembers(gid, []string{"00000000-0000-4000-8000-000000000000"}); err == nil {
		t.Fatal("an unknown user was set as a member")
	}
	if err := s.DeprovisionUser(uid); err != nil {
		t.Fatal(err)
	}
	if g, _ := api.GetGroup(&iam.GetGroupRequest{GroupID: gid}); g == nil || len(g.UserIDs) != 0 {
		t.Fatalf("deprovisioned user still in its group: %+v", g)
	}
	_, err = api.GetUser(&iam.GetUserRequest{UserID: uid})
	wantStatus(t, "deprovisioned user", err, http.StatusNotFound)

	if err := api.DeleteScim(&iam.DeleteScimRequest{ScimID: cfg.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = api.ListScimTokens(&iam.ListScimTokensRequest{ScimID: cfg.ID})
	wantStatus(t, "tokens of deleted SCIM", err, http.StatusNotFound)
	_, err = api.GetOrganizationScim(&iam.GetOrganizationScimRequest{})
	wantStatus(t, "SCIM after deleting it", err, http.StatusNotFound)
	if _, err := s.ProvisionGroup("after"); err == nil {
		t.Fatal("ProvisionGroup worked after SCIM was disabled")
	}
}
