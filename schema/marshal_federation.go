package schema

import (
	"github.com/iamsync/iamsync/model"
)

// Wire types of identity_provider and login_methods, for Marshal.
type (
	manifestIdentityProvider struct {
		SAML *manifestSAML `yaml:"saml,omitempty"`
		SCIM *manifestSCIM `yaml:"scim,omitempty"`
	}
	manifestSAML struct {
		// Enabled is written only when false: declaring the part is asking for it.
		Enabled      *bool          `yaml:"enabled,omitempty"`
		EntityID     string         `yaml:"entity_id,omitempty"`
		SSOURL       string         `yaml:"sso_url,omitempty"`
		Certificates []string       `yaml:"certificates,omitempty"`
		Audit        *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestSCIM struct {
		Enabled *bool               `yaml:"enabled,omitempty"`
		Tokens  []manifestSCIMToken `yaml:"tokens,omitempty"`
	}
	manifestSCIMToken struct {
		Name         string         `yaml:"name"`
		ID           string         `yaml:"id,omitempty"`
		Secret       string         `yaml:"secret,omitempty"`
		RotateBefore string         `yaml:"rotate_before,omitempty"`
		Audit        *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestLoginMethods struct {
		Password  *bool          `yaml:"password,omitempty"`
		OAuth2    *bool          `yaml:"oauth2,omitempty"`
		MagicCode *bool          `yaml:"magic_code,omitempty"`
		SAML      *bool          `yaml:"saml,omitempty"`
		Audit     *manifestAudit `yaml:"audit,omitempty"`
	}
)

func disabled(enabled bool) *bool {
	if enabled {
		return nil
	}
	f := false
	return &f
}

func (m *manifestFile) identityProvider() *manifestIdentityProvider {
	if m.IdentityProvider == nil {
		m.IdentityProvider = &manifestIdentityProvider{}
	}
	return m.IdentityProvider
}

func marshalSAML(org *model.Org, m *manifestFile, _ map[string]int) {
	s := org.SAML
	if s == nil {
		return
	}
	ms := &manifestSAML{Enabled: disabled(s.Enabled), EntityID: s.EntityID, SSOURL: s.SSOURL, Audit: audit(s.Ignore)}
	for _, c := range s.Certificates {
		ms.Certificates = append(ms.Certificates, c.PEM)
	}
	m.identityProvider().SAML = ms
}

func marshalSCIM(org *model.Org, m *manifestFile, _ map[string]int) {
	if s := org.SCIM; s != nil {
		m.identityProvider().SCIM = &manifestSCIM{Enabled: disabled(s.Enabled)}
	}
}

func marshalSCIMTokens(org *model.Org, m *manifestFile, _ map[string]int) {
	if len(org.SCIMTokens) == 0 {
		return
	}
	ip := m.identityProvider()
	if ip.SCIM == nil {
		ip.SCIM = &manifestSCIM{}
	}
	for _, t := range org.SCIMTokens {
		mt := manifestSCIMToken{Name: t.Name, ID: t.ID, Secret: t.Secret, Audit: audit(t.Ignore)}
		if t.RotateBefore > 0 {
			mt.RotateBefore = FormatDuration(t.RotateBefore)
		}
		ip.SCIM.Tokens = append(ip.SCIM.Tokens, mt)
	}
}

func marshalLoginMethods(org *model.Org, m *manifestFile, _ map[string]int) {
	if l := org.LoginMethods; l != nil {
		m.LoginMethods = &manifestLoginMethods{Password: l.Password, OAuth2: l.OAuth2, MagicCode: l.MagicCode, SAML: l.SAML, Audit: audit(l.Ignore)}
	}
}
