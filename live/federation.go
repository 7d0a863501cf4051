package live

import (
	"context"
	"fmt"
	"sync"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// Identity federation: reads and writes of the SAML configuration and its certificates, SCIM
// and its tokens, and the organization's login methods (SDK v1.39, iam_sdk.go 5293-5766; no
// recording, emulator doc.go).

// federation is what the reads of the federation kinds hold, before conversion.
type federation struct {
	saml         *iam.Saml
	certificates []*iam.SamlCertificate
	scim         *iam.Scim
	tokens       []*iam.ScimToken
	organization *iam.Organization
	// scimOnce reads the SCIM configuration once for the two kinds that need it (scimOf).
	scimOnce sync.Once
	scimErr  error
}

// federationUnreadable is why a key may not read the federation kinds.
const federationUnreadable = "the API key may not read them (IAMReadOnly gives that right)"

func lock(sem chan struct{}) func() {
	sem <- struct{}{}
	return func() { <-sem }
}

// readSAML reads the SAML configuration and its certificates; a 404 is "not set up".
func readSAML(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) error {
	defer lock(sem)()
	saml, err := c.iam.GetOrganizationSaml(&iam.GetOrganizationSamlRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	if IsNotFound(err) || (err == nil && saml.ID == "") {
		// An answer without an ID names nothing to act on: as if not set up (a create then
		// finds the one there, EnableSAML).
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the organization's SAML configuration: %w", err)
	}
	certs, err := c.iam.ListSamlCertificates(&iam.ListSamlCertificatesRequest{SamlID: saml.ID}, scw.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("read the SAML certificates: %w", err)
	}
	s.fed.saml, s.fed.certificates = saml, certs.Certificates
	return nil
}

// readSCIM reads the SCIM configuration; a 404 is "not enabled".
func readSCIM(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) error {
	_, err := c.scimOf(ctx, sem, s)
	return err
}

// scimOf reads the SCIM configuration into s once, for SCIM itself and for its tokens, each
// read (or recorded unread) as its own kind.
func (c *Client) scimOf(ctx context.Context, sem chan struct{}, s *snapshot) (*iam.Scim, error) {
	s.fed.scimOnce.Do(func() { s.fed.scim, s.fed.scimErr = c.getSCIM(ctx, sem) })
	return s.fed.scim, s.fed.scimErr
}

func (c *Client) getSCIM(ctx context.Context, sem chan struct{}) (*iam.Scim, error) {
	defer lock(sem)()
	scim, err := c.iam.GetOrganizationScim(&iam.GetOrganizationScimRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	if IsNotFound(err) || (err == nil && scim.ID == "") {
		return nil, nil // as readSAML
	}
	if err != nil {
		return nil, fmt.Errorf("read the organization's SCIM configuration: %w", err)
	}
	return scim, nil
}

// readSCIMTokens reads the tokens of the SCIM configuration.
func readSCIMTokens(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) error {
	scim, err := c.scimOf(ctx, sem, s)
	if err != nil || scim == nil {
		return err
	}
	s.fed.tokens, err = listAll(ctx, sem, c.maxObjects, "SCIM tokens", listSCIMTokens(c, ctx, scim.ID), func(t *iam.ScimToken) string { return t.ID })
	return err
}

func listSCIMTokens(c *Client, ctx context.Context, scimID string) sdkPages[*iam.ScimToken] {
	size := uint32(maxPageSize)
	return func(page int32) ([]*iam.ScimToken, uint32, error) {
		out, err := c.iam.ListScimTokens(&iam.ListScimTokensRequest{ScimID: scimID, OrderBy: iam.ListScimTokensRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.ScimTokens, uint32(out.TotalCount), nil
	}
}

// scimTokenPages lists the tokens of SCIM configuration q.parent as Found (named by ID).
func scimTokenPages(c *Client, ctx context.Context, q listQuery) pager {
	return asFound(listSCIMTokens(c, ctx, q.parent), func(t *iam.ScimToken) model.Found {
		return model.Found{ID: t.ID, Name: t.ID, Parent: t.ScimID, CreatedAt: deref(t.CreatedAt)}
	})
}

func readLoginMethods(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
	defer lock(sem)()
	s.fed.organization, err = c.iam.GetOrganization(&iam.GetOrganizationRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("read the organization's login methods: %w", err)
	}
	return nil
}

func convertSAML(s *snapshot, o *model.Org, _ *names) {
	sm := s.fed.saml
	if sm == nil {
		return
	}
	out := &model.SAML{Meta: model.Meta{ID: sm.ID}, Enabled: true, EntityID: sm.EntityID, SSOURL: sm.SingleSignOnURL, Status: string(sm.Status)}
	for _, c := range s.fed.certificates {
		// The manifests manage the identity provider's signing certificates; Scaleway's own
		// and encryption certificates are neither compared nor removed.
		if c.Type != iam.SamlCertificateTypeSigning || c.Origin == iam.SamlCertificateOriginScaleway {
			continue
		}
		pem, exp := model.CertificateFromAPI(c.Content)
		if c.ExpiresAt != nil {
			exp = utc(c.ExpiresAt)
		}
		out.Certificates = append(out.Certificates, model.SAMLCertificate{ID: c.ID, PEM: pem, ExpiresAt: exp})
	}
	o.SAML = out
}

func convertSCIM(s *snapshot, o *model.Org, _ *names) {
	if s.fed.scim != nil {
		o.SCIM = &model.SCIM{Meta: model.Meta{ID: s.fed.scim.ID}, Enabled: true}
	}
}

func convertSCIMTokens(s *snapshot, o *model.Org, _ *names) {
	for _, t := range s.fed.tokens {
		o.SCIMTokens = append(o.SCIMTokens, &model.SCIMToken{Meta: model.Meta{ID: t.ID}, Name: t.ID, ExpiresAt: utc(t.ExpiresAt), CreatedAt: deref(t.CreatedAt)})
	}
}

func convertLoginMethods(s *snapshot, o *model.Org, _ *names) {
	org := s.fed.organization
	if org == nil {
		return
	}
	b := func(v bool) *bool { return &v }
	o.LoginMethods = &model.LoginMethods{Meta: model.Meta{ID: org.ID}, Password: b(org.LoginPasswordEnabled),
		OAuth2: b(org.LoginOauth2Enabled), MagicCode: b(org.LoginMagicCodeEnabled), SAML: b(org.LoginSamlEnabled)}
}

// EnableSAML sets up the organization's SAML configuration and returns its ID. One set up
// meanwhile (409: once per organization) is the organization's, and so the declaring stack's.
func (c *Client) EnableSAML(ctx context.Context) (string, error) {
	s, err := c.iam.EnableOrganizationSaml(&iam.EnableOrganizationSamlRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	if IsAlreadyExists(err) || IsAmbiguous(err) {
		s, err = c.iam.GetOrganizationSaml(&iam.GetOrganizationSamlRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	}
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// UpdateSAML sets the identity provider's entity ID and single sign-on URL.
func (c *Client) UpdateSAML(ctx context.Context, id, entityID, ssoURL string) error {
	_, err := c.iam.UpdateSaml(&iam.UpdateSamlRequest{SamlID: id, EntityID: &entityID, SingleSignOnURL: &ssoURL}, scw.WithContext(ctx))
	return err
}

// SetSAMLCertificates makes the configuration's signing certificates those of pems
// (canonical PEM): the missing ones are added before the others are removed, so that the
// configuration never goes without a certificate it had.
func (c *Client) SetSAMLCertificates(ctx context.Context, id string, pems []string) error {
	list, err := c.iam.ListSamlCertificates(&iam.ListSamlCertificatesRequest{SamlID: id}, scw.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("list the SAML certificates: %w", err)
	}
	want := map[string]bool{}
	for _, p := range pems {
		want[p] = true
	}
	have := map[string]bool{}
	var extra []string
	for _, cert := range list.Certificates {
		if cert.Type != iam.SamlCertificateTypeSigning || cert.Origin == iam.SamlCertificateOriginScaleway {
			continue
		}
		pem, _ := model.CertificateFromAPI(cert.Content)
		if want[pem] && !have[pem] {
			have[pem] = true
			continue
		}
		extra = append(extra, cert.ID)
	}
	for _, p := range pems {
		if have[p] {
			continue
		}
		if _, err := c.iam.AddSamlCertificate(&iam.AddSamlCertificateRequest{SamlID: id, Type: iam.SamlCertificateTypeSigning, Content: p}, scw.WithContext(ctx)); err != nil {
			return fmt.Errorf("add SAML certificate %s: %w", model.CertificateLabel(p), err)
		}
		have[p] = true
	}
	for _, certID := range extra {
		if err := ignoreNotFound(c.iam.DeleteSamlCertificate(&iam.DeleteSamlCertificateRequest{CertificateID: certID}, scw.WithContext(ctx))); err != nil {
			return fmt.Errorf("remove SAML certificate %s: %w", certID, err)
		}
	}
	return nil
}

// DeleteSAML deletes the SAML configuration (its certificates go with it).
func (c *Client) DeleteSAML(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteSaml(&iam.DeleteSamlRequest{SamlID: id}, scw.WithContext(ctx)))
}

// EnableSCIM turns SCIM on and returns its ID (one enabled meanwhile is taken, as for SAML).
func (c *Client) EnableSCIM(ctx context.Context) (string, error) {
	s, err := c.iam.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	if IsAlreadyExists(err) || IsAmbiguous(err) {
		s, err = c.iam.GetOrganizationScim(&iam.GetOrganizationScimRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
	}
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// DeleteSCIM turns SCIM off (its tokens go with it; provisioned members stay).
func (c *Client) DeleteSCIM(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteScim(&iam.DeleteScimRequest{ScimID: id}, scw.WithContext(ctx)))
}

// CreateSCIMToken creates a token of SCIM configuration scimID and returns its ID and bearer,
// which the API answers once and never again.
func (c *Client) CreateSCIMToken(ctx context.Context, scimID string) (string, *time.Time, secrets.Value, error) {
	out, err := c.iam.CreateScimToken(&iam.CreateScimTokenRequest{ScimID: scimID}, scw.WithContext(ctx))
	if err != nil {
		return "", nil, secrets.Value{}, err
	}
	if out.Token == nil || out.BearerToken == "" {
		return "", nil, secrets.Value{}, fmt.Errorf("create SCIM token: the answer holds no token")
	}
	return out.Token.ID, utc(out.Token.ExpiresAt), secrets.New(out.BearerToken), nil
}

// DeleteSCIMToken deletes a SCIM token.
func (c *Client) DeleteSCIMToken(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteScimToken(&iam.DeleteScimTokenRequest{TokenID: id}, scw.WithContext(ctx)))
}

// UpdateLoginMethods sets, in one call, the methods m gives (nil ones are left alone).
func (c *Client) UpdateLoginMethods(ctx context.Context, m *model.LoginMethods) error {
	_, err := c.iam.UpdateOrganizationLoginMethods(&iam.UpdateOrganizationLoginMethodsRequest{OrganizationID: c.OrganizationID,
		LoginPasswordEnabled: m.Password, LoginOauth2Enabled: m.OAuth2, LoginMagicCodeEnabled: m.MagicCode, LoginSamlEnabled: m.SAML}, scw.WithContext(ctx))
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
