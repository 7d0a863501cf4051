package export

import (
	"fmt"
	"slices"

	"github.com/iamsync/iamsync/model"
)

// The identity federation, written back as declared: the organization's, like the security
// settings, so exported whoever set it up.

func exportSAML(_ *exporter, o, into *model.Org) {
	s := o.SAML
	if s == nil {
		return // not set up: saying enabled: false would make the stack delete any set up later
	}
	out := &model.SAML{Enabled: true, EntityID: s.EntityID, SSOURL: s.SSOURL}
	for _, c := range s.Certificates {
		out.Certificates = append(out.Certificates, model.SAMLCertificate{PEM: c.PEM, ExpiresAt: c.ExpiresAt})
	}
	into.SAML = out
}

func exportSCIM(_ *exporter, o, into *model.Org) {
	if o.SCIM != nil {
		into.SCIM = &model.SCIM{Enabled: true}
	}
}

// exportSCIMTokens declares each live token by its ID, named token-1, token-2 in creation
// order, without its bearer (Scaleway answers it once, at creation): a first apply keeps the
// tokens, and --rotate-style renewal needs rotate_before added by hand.
func exportSCIMTokens(_ *exporter, o, into *model.Org) {
	if o.SCIM == nil {
		return
	}
	tokens := slices.Clone(o.SCIMTokens)
	slices.SortStableFunc(tokens, func(a, b *model.SCIMToken) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i, t := range tokens {
		into.SCIMTokens = append(into.SCIMTokens, &model.SCIMToken{Meta: model.Meta{ID: t.ID}, Name: fmt.Sprintf("token-%d", i+1)})
	}
}

func exportLoginMethods(_ *exporter, o, into *model.Org) {
	if m := o.LoginMethods; m != nil {
		into.LoginMethods = &model.LoginMethods{Password: m.Password, OAuth2: m.OAuth2, MagicCode: m.MagicCode, SAML: m.SAML}
	}
}
