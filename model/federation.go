package model

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Identity federation (issue 17): the organization's SAML configuration, its SCIM
// configuration and SCIM tokens, and its login methods. Each exists once per organization
// (tokens: at most two active), and the stack whose manifests declare one takes the live
// value for its own (plan/federation.go): there is no tag to mark ownership with, and two
// stacks declaring the same organization-wide setting would undo each other anyway.

// FederationName is the name in the key of the SAML configuration, the SCIM configuration and
// the login methods: there is one of each per organization.
const FederationName = "organization"

// MaxSCIMTokens is how many SCIM tokens may be active at once (Scaleway's SCIM documentation;
// the emulator refuses a third with quotas_exceeded).
const MaxSCIMTokens = 2

// SAML is the organization's SAML identity provider.
type SAML struct {
	Meta
	// Enabled is false on a desired value that asks for the configuration to be deleted
	// (identity_provider.saml.enabled: false); live values are always enabled.
	Enabled  bool   `json:"enabled"`
	EntityID string `json:"entity_id,omitempty"`
	SSOURL   string `json:"sso_url,omitempty"`
	// Certificates are the identity provider's signing certificates, in canonical PEM
	// (CanonicalCertificate), sorted by content.
	Certificates []SAMLCertificate `json:"certificates,omitempty"`
	// Status is the API's verdict on a live configuration (valid, missing_certificate,
	// missing_entity_id, missing_single_sign_on_url): SAML login needs valid.
	Status string `json:"status,omitempty"`
}

// SAMLStatusValid is the status of a SAML configuration members can log in with.
const SAMLStatusValid = "valid"

// Key addresses s: there is one per organization.
func (s *SAML) Key() Key { return Key{Kind: KindSAML, Name: FederationName} }

// SAMLCertificate is one signing certificate of the identity provider.
type SAMLCertificate struct {
	// ID is set on live values.
	ID string `json:"id,omitempty"`
	// PEM is the certificate in canonical PEM (one CERTIFICATE block, standard line length).
	PEM string `json:"pem"`
	// ExpiresAt is the certificate's NotAfter, read from the certificate itself.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Pos       Pos        `json:"pos,omitzero"`
}

// Valid reports whether s, as it will be, lets members log in with SAML: the API's rule
// (SamlStatus) is an entity ID, a single sign-on URL and a signing certificate.
func (s *SAML) Valid() bool {
	if s == nil || !s.Enabled {
		return false
	}
	if s.Status != "" {
		return s.Status == SAMLStatusValid
	}
	return s.EntityID != "" && s.SSOURL != "" && len(s.Certificates) > 0
}

// SCIM is the organization's SCIM configuration, which lets an identity provider create and
// remove members and groups.
type SCIM struct {
	Meta
	// Enabled is false on a desired value that asks for SCIM to be turned off (deleted, with
	// its tokens); live values are always enabled.
	Enabled bool `json:"enabled"`
}

// Key addresses s: there is one per organization.
func (s *SCIM) Key() Key { return Key{Kind: KindSCIM, Name: FederationName} }

// SCIMToken is a bearer token the identity provider authenticates to SCIM with. The API gives
// a token no name nor description, only an ID and a one-year lifetime, so a live token is
// named by its ID, and a declared one is matched to a live one by its ID when the manifest
// gives it (id:), else to the newest unclaimed live token (plan/federation.go).
type SCIMToken struct {
	Meta
	// Name is the manifest's name for the token; on live values, the token's ID.
	Name string `json:"name"`
	// RotateBefore replaces the token when it expires within this window (API keys'
	// rotate_before).
	RotateBefore time.Duration `json:"rotate_before,omitempty"`
	// Secret names the secrets entry the bearer token goes to (desired only; SCIMTokenSecretName).
	Secret string `json:"secret,omitempty"`
	// ExpiresAt and CreatedAt are set on live values.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
}

// Key addresses t.
func (t *SCIMToken) Key() Key { return Key{Kind: KindSCIMToken, Name: t.Name} }

// SCIMTokenSecretName is the secrets entry a token's bearer goes to: the manifest's secret, or
// SCIM_TOKEN_<NAME>.
func SCIMTokenSecretName(t *SCIMToken) string {
	if t.Secret != "" {
		return t.Secret
	}
	return EnvName("SCIM_TOKEN_" + t.Name)
}

// LoginMethods are the ways members may log in to the console. A nil field is one the
// manifests leave as it is (desired); live values have every field.
type LoginMethods struct {
	Meta
	Password  *bool `json:"password,omitempty"`
	OAuth2    *bool `json:"oauth2,omitempty"`
	MagicCode *bool `json:"magic_code,omitempty"`
	SAML      *bool `json:"saml,omitempty"`
}

// Key addresses m: there is one per organization.
func (m *LoginMethods) Key() Key { return Key{Kind: KindLoginMethods, Name: FederationName} }

// CanonicalCertificate reads an X.509 certificate in PEM and returns it re-encoded as one
// canonical PEM block (so that two spellings of one certificate compare equal), with its
// expiry. Anything else in the text (other blocks, a private key) is an error: only the
// certificate is to be sent to Scaleway.
func CanonicalCertificate(s string) (canonical string, notAfter time.Time, err error) {
	rest := []byte(strings.TrimSpace(s))
	block, rest := pem.Decode(rest)
	switch {
	case block == nil:
		return "", time.Time{}, errors.New("no PEM block: paste the certificate from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
	case block.Type != "CERTIFICATE":
		return "", time.Time{}, fmt.Errorf("a %s block, not a CERTIFICATE", block.Type)
	case len(strings.TrimSpace(string(rest))) > 0:
		return "", time.Time{}, errors.New("more than one PEM block: give each certificate as its own list item")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("not an X.509 certificate: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), c.NotAfter.UTC(), nil
}

// CertificateFromAPI is CanonicalCertificate for what the API answers, which may be PEM or
// bare base64 DER (emulator doc.go, SAML); text it cannot read is kept as it is.
func CertificateFromAPI(s string) (string, *time.Time) {
	if c, at, err := CanonicalCertificate(s); err == nil {
		return c, &at
	}
	if der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s)); err == nil {
		if c, err := x509.ParseCertificate(der); err == nil {
			at := c.NotAfter.UTC()
			return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), &at
		}
	}
	return s, nil
}

// CertificateLabel names a certificate for a reader without its PEM: the subject's common
// name (or the whole subject) and the first bytes of its SHA-256 fingerprint.
func CertificateLabel(pemText string) string {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		sum := sha256.Sum256([]byte(pemText))
		return "unreadable certificate sha256:" + hex.EncodeToString(sum[:8])
	}
	sum := sha256.Sum256(block.Bytes)
	name := ""
	if c, err := x509.ParseCertificate(block.Bytes); err == nil {
		name = c.Subject.CommonName
		if name == "" {
			name = c.Subject.String()
		}
	}
	if name == "" {
		return "certificate sha256:" + hex.EncodeToString(sum[:8])
	}
	return fmt.Sprintf("%s (sha256:%s)", name, hex.EncodeToString(sum[:8]))
}

// normalizeFederation sorts the certificates and tokens, as the API keeps them without order.
func (o *Org) normalizeFederation() {
	if s := o.SAML; s != nil {
		slices.SortStableFunc(s.Certificates, func(a, b SAMLCertificate) int { return strings.Compare(a.PEM, b.PEM) })
	}
	slices.SortStableFunc(o.SCIMTokens, func(a, b *SCIMToken) int { return strings.Compare(a.Name, b.Name) })
}
