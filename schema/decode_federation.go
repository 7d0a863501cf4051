package schema

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// Decoding of identity_provider (saml, scim and its tokens) and login_methods.

// enabled reads a part's enabled, which defaults to true: declaring the part is asking for it.
func enabled(n *yaml.Node) bool {
	v := field(n, "enabled")
	return v == nil || boolean(v)
}

// decodeSAML decodes identity_provider.saml. A certificate that is not a PEM certificate is
// kept as written, for the checks to report (E901).
func decodeSAML(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	n := field(field(r, "identity_provider"), "saml")
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	s := &model.SAML{Meta: meta(f, n), Enabled: enabled(n), EntityID: str(field(n, "entity_id")), SSOURL: str(field(n, "sso_url"))}
	for _, cn := range items(field(n, "certificates")) {
		text := str(cn)
		if text == "" {
			continue
		}
		c := model.SAMLCertificate{PEM: text, Pos: nodePos(f.name, cn)}
		if canon, at, err := model.CanonicalCertificate(text); err == nil {
			c.PEM, c.ExpiresAt = canon, &at
		}
		s.Certificates = append(s.Certificates, c)
	}
	d.org.SAML = s
	srcs.federation[s] = src{f, "/identity_provider/saml"}
}

// decodeSCIM decodes identity_provider.scim, without its tokens (decodeSCIMTokens).
func decodeSCIM(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	n := field(field(r, "identity_provider"), "scim")
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	s := &model.SCIM{Meta: meta(f, n), Enabled: enabled(n)}
	d.org.SCIM = s
	srcs.federation[s] = src{f, "/identity_provider/scim"}
}

// decodeSCIMTokens decodes identity_provider.scim.tokens.
func decodeSCIMTokens(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(field(field(r, "identity_provider"), "scim"), "tokens")) {
		ptr := "/identity_provider/scim/tokens/" + strconv.Itoa(i)
		t := &model.SCIMToken{Meta: meta(f, n), Name: str(field(n, "name")), Secret: str(field(n, "secret"))}
		t.ID = str(field(n, "id"))
		if v := str(field(n, "rotate_before")); v != "" && !f.isBad(ptr+"/rotate_before") {
			if dur, err := ParseDuration(v); err == nil {
				t.RotateBefore = dur
			}
		}
		d.org.SCIMTokens = append(d.org.SCIMTokens, t)
		srcs.federation[t] = src{f, ptr}
	}
}

// decodeLoginMethods decodes login_methods; a method not given stays nil (left as it is).
func decodeLoginMethods(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	n := field(r, "login_methods")
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	m := &model.LoginMethods{Meta: meta(f, n)}
	for _, lf := range []struct {
		name string
		to   **bool
	}{{"password", &m.Password}, {"oauth2", &m.OAuth2}, {"magic_code", &m.MagicCode}, {"saml", &m.SAML}} {
		if v := field(n, lf.name); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
			b := boolean(v)
			*lf.to = &b
		}
	}
	d.org.LoginMethods = m
	srcs.federation[m] = src{f, "/login_methods"}
}
