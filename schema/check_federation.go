package schema

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Checks of identity_provider and login_methods across the set. What depends on the live
// organization (SAML login on while the live SAML is not valid, a rotation that would need a
// third token) is the plan's to refuse (plan/federation.go).

// saml: each certificate is an X.509 certificate in PEM that has not expired, listed once; a
// configuration asked to be deleted says nothing else.
func (c *checker) saml() {
	s := c.org.SAML
	if s == nil {
		return
	}
	sc := c.srcs.federation[s]
	if !s.Enabled {
		if s.EntityID != "" || s.SSOURL != "" || len(s.Certificates) > 0 {
			c.add(sc, "/enabled", "E903", s.Key(), "identity_provider.saml has enabled: false (delete the SAML configuration) beside settings for it",
				"remove enabled: false to manage SAML, or remove the other fields to delete it")
		}
		return
	}
	seen := map[string]int{}
	for i, cert := range s.Certificates {
		sub := fmt.Sprintf("/certificates/%d", i)
		if sc.bad(sub) {
			continue
		}
		if _, _, err := model.CanonicalCertificate(cert.PEM); err != nil {
			c.add(sc, sub, "E901", s.Key(), "not an X.509 certificate in PEM: "+err.Error(),
				"paste the identity provider's signing certificate (its metadata's X509Certificate, wrapped in BEGIN/END CERTIFICATE lines) as a block scalar (|)")
			continue
		}
		if cert.ExpiresAt != nil && !cert.ExpiresAt.After(c.now) {
			c.add(sc, sub, "E902", s.Key(), fmt.Sprintf("the certificate %s expired at %s", model.CertificateLabel(cert.PEM), cert.ExpiresAt.Format(time.RFC3339)),
				"replace it with the identity provider's current signing certificate")
		}
		if j, dup := seen[cert.PEM]; dup {
			c.add(sc, sub, "E205", s.Key(), fmt.Sprintf("the certificate is already listed as certificates[%d]", j), "list each certificate once")
			continue
		}
		seen[cert.PEM] = i
	}
}

// scim: tokens only with SCIM on, at most two.
func (c *checker) scim() {
	s := c.org.SCIM
	if s == nil || s.Enabled || len(c.org.SCIMTokens) == 0 {
		return
	}
	c.add(c.srcs.federation[s], "/enabled", "E903", s.Key(), "identity_provider.scim has enabled: false (delete SCIM and its tokens) beside tokens",
		"remove enabled: false to keep SCIM, or remove the tokens to delete it")
}

// scimTokens: names unique, at most MaxSCIMTokens, each secret entry its own.
func (c *checker) scimTokens() {
	entries := map[string]string{}
	for _, k := range c.org.APIKeys {
		if k.Secret != "" {
			entries[k.Secret] = "API key " + k.Application + "/" + k.Name
		}
	}
	for _, u := range c.org.Users {
		if !u.SendWelcomeEmail {
			entries[model.UserSecretName(u)] = "member " + u.Email
		}
	}
	names := map[string]*model.SCIMToken{}
	ids := map[string]*model.SCIMToken{}
	for i, t := range c.org.SCIMTokens {
		s := c.srcs.federation[t]
		if i == model.MaxSCIMTokens {
			c.add(s, "", "E904", t.Key(), fmt.Sprintf("%d SCIM tokens are declared: Scaleway allows %d active at once", len(c.org.SCIMTokens), model.MaxSCIMTokens),
				"declare at most two (one, to rotate with the new token created before the old is deleted)")
		}
		if t.Name == "" || s.bad("/name") {
			continue
		}
		if first, ok := names[t.Name]; ok {
			c.add(s, "/name", "E302", t.Key(), fmt.Sprintf("SCIM token %q is already declared at %s", t.Name, first.Pos), "give each token its own name")
			continue
		}
		names[t.Name] = t
		if t.ID != "" {
			if first, ok := ids[t.ID]; ok {
				c.add(s, "/id", "E205", t.Key(), fmt.Sprintf("SCIM token %s is already declared as %q", t.ID, first.Name), "a live token is declared once")
			}
			ids[t.ID] = t
		}
		entry, sub := model.SCIMTokenSecretName(t), "/secret"
		if t.Secret == "" {
			sub = "/name"
		}
		if who, ok := entries[entry]; ok {
			c.add(s, sub, "E303", t.Key(), fmt.Sprintf("secret %s already receives the credentials of %s", entry, who),
				"give the token its own secret name (secret:), or one would overwrite the other")
			continue
		}
		entries[entry] = "SCIM token " + t.Name
	}
}

// loginMethods: the set may not turn every method off, nor SAML login on while it deletes SAML.
func (c *checker) loginMethods() {
	m := c.org.LoginMethods
	if m == nil {
		return
	}
	s := c.srcs.federation[m]
	off := func(b *bool) bool { return b != nil && !*b }
	if off(m.Password) && off(m.OAuth2) && off(m.MagicCode) && off(m.SAML) {
		c.add(s, "", "E905", m.Key(), "every login method is off: nobody could log in to the console",
			"leave at least one of password, oauth2, magic_code and saml on")
	}
	if m.SAML != nil && *m.SAML && c.org.SAML != nil && !c.org.SAML.Enabled {
		c.add(s, "/saml", "E906", m.Key(), "SAML login is on, but identity_provider.saml has enabled: false",
			"turn saml off here, or keep the SAML configuration")
	}
}
