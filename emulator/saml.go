package emulator

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SAML identity federation, as SDK v1.39 builds the calls (iam_sdk.go:5352-5590; no
// recording exists, BEHAVIOUR.md §10):
//
//	GET/POST /organizations/{id}/saml            GetOrganizationSaml, EnableOrganizationSaml
//	PATCH/DELETE /saml/{id}                      UpdateSaml, DeleteSaml
//	GET/POST /saml/{id}/certificates             ListSamlCertificates, AddSamlCertificate
//	GET/DELETE /saml-certificates/{id}           GetSamlCertificate, DeleteSamlCertificate

type samlConfig struct {
	ID           string      `json:"id"`
	EntityID     string      `json:"entity_id"`
	SSOURL       string      `json:"single_sign_on_url"`
	CreatedAt    time.Time   `json:"created_at"`
	Certificates []*samlCert `json:"certificates"` // in the order added
}

type samlCert struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Content   string    `json:"content"`
	ExpiresAt time.Time `json:"expires_at"`
}

type samlServiceProviderJSON struct {
	EntityID                    string `json:"entity_id"`
	AssertionConsumerServiceURL string `json:"assertion_consumer_service_url"`
}

// samlJSON is the SDK's Saml (iam_sdk.go:3117) without srn, which the SDK fills in.
type samlJSON struct {
	ID              string                  `json:"id"`
	Status          string                  `json:"status"`
	ServiceProvider samlServiceProviderJSON `json:"service_provider"`
	EntityID        string                  `json:"entity_id"`
	SingleSignOnURL string                  `json:"single_sign_on_url"`
}

// samlStatus follows SamlStatus (iam_sdk.go:950-957): valid, or the first thing missing in
// the enum's order (certificate, entity ID, single sign-on URL). Only a signing certificate
// counts: it is what checks the IdP's assertions.
func (s *Server) samlStatus(cfg *samlConfig) string {
	signing := false
	for _, c := range cfg.Certificates {
		signing = signing || c.Type == "signing"
	}
	switch {
	case !signing:
		return "missing_certificate"
	case cfg.EntityID == "":
		return "missing_entity_id"
	case cfg.SSOURL == "":
		return "missing_single_sign_on_url"
	}
	return "valid"
}

// samlOut: the service provider (Scaleway's side) URLs are the emulator's guesses, built
// from the configuration ID; the SDK only says they are strings (SamlServiceProvider,
// iam_sdk.go:1854).
func (s *Server) samlOut(cfg *samlConfig) samlJSON {
	base := "https://api.scaleway.com/iam/v1alpha1/saml/" + cfg.ID
	return samlJSON{cfg.ID, s.samlStatus(cfg), samlServiceProviderJSON{base + "/metadata", base + "/acs"}, cfg.EntityID, cfg.SSOURL}
}

// samlCertJSON is the SDK's SamlCertificate (iam_sdk.go:1719) without srn. origin is always
// identity_provider: the emulator lists only the certificates added through the API, not
// Scaleway's own (SamlCertificateOrigin "scaleway", 872), whose content nothing public shows.
type samlCertJSON struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Origin    string `json:"origin"`
	Content   string `json:"content"`
	ExpiresAt string `json:"expires_at"`
}

func samlCertOut(c *samlCert) samlCertJSON {
	return samlCertJSON{c.ID, c.Type, "identity_provider", c.Content, c.ExpiresAt.UTC().Format(time.RFC3339Nano)}
}

// orgSaml checks the organization in the path and returns its SAML configuration (nil when
// disabled).
func (s *Server) orgSaml(c *call) (*samlConfig, *apiError) {
	if e := s.checkOrgPath(c, "saml"); e != nil {
		return nil, e
	}
	return s.st.Saml, nil
}

// getOrganizationSaml: SAML not enabled is 404 resource "saml" naming the organization
// (emulator's choice; the SDK has no "disabled" status).
func getOrganizationSaml(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.orgSaml(c)
	if e != nil {
		return 0, nil, e
	}
	if cfg == nil {
		return 0, nil, errNotFound("saml", s.st.OrganizationID)
	}
	return http.StatusOK, s.samlOut(cfg), nil
}

// enableOrganizationSaml creates an empty configuration (status missing_certificate). An
// organization has one SAML configuration (the paths are per organization): enabling it
// again is 409 already_exists naming it (emulator's choice).
func enableOrganizationSaml(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.orgSaml(c)
	if e != nil {
		return 0, nil, e
	}
	if cfg != nil {
		return 0, nil, errAlreadyExists("saml", cfg.ID, "SAML is already enabled for this organization; update it with PATCH /saml/"+cfg.ID)
	}
	cfg = &samlConfig{ID: s.st.newID(), CreatedAt: c.now, Certificates: []*samlCert{}}
	s.st.Saml = cfg
	return http.StatusOK, s.samlOut(cfg), nil
}

func (s *Server) lookupSaml(c *call) (*samlConfig, *apiError) {
	id, e := pathID(c, "saml_id")
	if e != nil {
		return nil, e
	}
	if s.st.Saml == nil || s.st.Saml.ID != id {
		return nil, errNotFound("saml", id)
	}
	return s.st.Saml, nil
}

type updateSamlReq struct {
	EntityID        *string `json:"entity_id"`
	SingleSignOnURL *string `json:"single_sign_on_url"`
}

// maxSamlField bounds entity_id and single_sign_on_url (emulator's limit; none is public).
const maxSamlField = 2048

// updateSaml is partial (UpdateSamlRequest fields are optional, iam_sdk.go:3361-3364). ""
// clears a field. The single sign-on URL must be an absolute https URL (the IdP endpoint a
// browser is sent to); the entity ID is any string (SAML entity IDs are URIs or URNs).
func updateSaml(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.lookupSaml(c)
	if e != nil {
		return 0, nil, e
	}
	var req updateSamlReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.EntityID != nil && len(*req.EntityID) > maxSamlField {
		return 0, nil, errInvalid("entity_id", "constraint", "value must be at most 2048 characters")
	}
	if req.SingleSignOnURL != nil && *req.SingleSignOnURL != "" {
		u, err := url.Parse(*req.SingleSignOnURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(*req.SingleSignOnURL) > maxSamlField {
			return 0, nil, errInvalid("single_sign_on_url", "format", "value must be an absolute https URL")
		}
	}
	if req.EntityID != nil {
		cfg.EntityID = *req.EntityID
	}
	if req.SingleSignOnURL != nil {
		cfg.SSOURL = *req.SingleSignOnURL
	}
	return http.StatusOK, s.samlOut(cfg), nil
}

// deleteSaml disables SAML ("Disable SAML Identity Provider", iam_sdk.go:5449) with its
// certificates, and turns SAML login off. When SAML login is the only method left on, the
// deletion is 400 (emulator's choice): nobody could log in afterwards.
func deleteSaml(s *Server, c *call) (int, any, *apiError) {
	if _, e := s.lookupSaml(c); e != nil {
		return 0, nil, e
	}
	o := s.st.Organization
	if o.LoginSAML && !o.LoginPassword && !o.LoginOAuth2 && !o.LoginMagicCode {
		return 0, nil, errInvalid("saml_id", "constraint", "SAML is the organization's only login method: enable another one (PATCH login-methods) first")
	}
	s.st.Saml = nil
	o.LoginSAML = false
	return http.StatusNoContent, nil, nil
}

// listSamlCertificates answers {"certificates":[…]} with no total_count and no paging:
// ListSamlCertificatesRequest has neither (iam_sdk.go:2870-2879). Order: as added.
func listSamlCertificates(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.lookupSaml(c)
	if e != nil {
		return 0, nil, e
	}
	out := []samlCertJSON{}
	for _, cert := range cfg.Certificates {
		out = append(out, samlCertOut(cert))
	}
	return http.StatusOK, struct {
		Certificates []samlCertJSON `json:"certificates"`
	}{out}, nil
}

type addSamlCertReq struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// addSamlCertificate: type is signing or encryption (SamlCertificateType, iam_sdk.go:908-916;
// the zero value unknown_certificate_type is 400 required). content is an X.509 certificate,
// PEM or the bare base64 DER that SAML metadata carries; expires_at is its NotAfter
// (SamlCertificate.ExpiresAt, 1735). Anything else is 400 format on content. An expired
// certificate is accepted (a console warning is likelier than a refusal; nothing says).
// The content is answered as sent.
func addSamlCertificate(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.lookupSaml(c)
	if e != nil {
		return 0, nil, e
	}
	var req addSamlCertReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	switch req.Type {
	case "signing", "encryption":
	case "", "unknown_certificate_type":
		return 0, nil, errInvalid("type", "required", "type must be signing or encryption")
	default:
		return 0, nil, errInvalid("type", "format", "type must be signing or encryption")
	}
	cert, ok := parseCertificate(req.Content)
	if !ok {
		return 0, nil, errInvalid("content", "format", "content must be an X.509 certificate, PEM or base64 DER")
	}
	sc := &samlCert{ID: s.st.newID(), Type: req.Type, Content: req.Content, ExpiresAt: cert.NotAfter.UTC().Truncate(time.Microsecond)}
	cfg.Certificates = append(cfg.Certificates, sc)
	return http.StatusOK, samlCertOut(sc), nil
}

// parseCertificate reads a PEM CERTIFICATE block or bare base64 DER.
func parseCertificate(content string) (*x509.Certificate, bool) {
	var der []byte
	if block, _ := pem.Decode([]byte(content)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, false
		}
		der = block.Bytes
	} else {
		raw := strings.Join(strings.Fields(content), "")
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, false
		}
		der = b
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, false
	}
	return cert, true
}

func (s *Server) lookupSamlCert(c *call) (int, *samlCert, *apiError) {
	id, e := pathID(c, "certificate_id")
	if e != nil {
		return 0, nil, e
	}
	if s.st.Saml != nil {
		for i, cert := range s.st.Saml.Certificates {
			if cert.ID == id {
				return i, cert, nil
			}
		}
	}
	return 0, nil, errNotFound("saml_certificate", id)
}

func getSamlCertificate(s *Server, c *call) (int, any, *apiError) {
	_, cert, e := s.lookupSamlCert(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, samlCertOut(cert), nil
}

// deleteSamlCertificate removes one certificate; removing the last signing one turns the
// status back to missing_certificate but leaves SAML login as it is (emulator's choice).
func deleteSamlCertificate(s *Server, c *call) (int, any, *apiError) {
	i, _, e := s.lookupSamlCert(c)
	if e != nil {
		return 0, nil, e
	}
	certs := s.st.Saml.Certificates
	s.st.Saml.Certificates = append(certs[:i:i], certs[i+1:]...)
	return http.StatusNoContent, nil, nil
}
