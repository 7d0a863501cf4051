package audit

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/model"
)

// federation runs IAM501 (SAML certificates expiring), IAM502 (SCIM tokens expiring) and
// IAM503 (password login beside SAML), worded as IAM104 is.
func (v *view) federation() {
	if s := v.o.SAML; s != nil && s.Enabled {
		for _, c := range s.Certificates {
			if c.ExpiresAt == nil {
				continue
			}
			label := model.CertificateLabel(c.PEM)
			if msg, due := v.expiring("the SAML certificate "+label, *c.ExpiresAt,
				"Scaleway refuses the identity provider's assertions signed with it"); due {
				pos := c.Pos
				if pos.IsZero() {
					pos = s.Pos
				}
				v.emit("IAM501", s.Key(), &s.Meta, pos, msg, label)
			}
		}
	}
	for _, t := range v.o.SCIMTokens {
		if t.ExpiresAt == nil {
			continue
		}
		if msg, due := v.expiring("the SCIM token", *t.ExpiresAt, "the identity provider can no longer provision with it"); due {
			v.emit("IAM502", t.Key(), &t.Meta, t.Pos, msg, t.ID)
		}
	}
	m := v.o.LoginMethods
	if m != nil && m.SAML != nil && *m.SAML && m.Password != nil && *m.Password {
		v.emit("IAM503", m.Key(), &m.Meta, m.Pos, "members may still log in with a password although SAML single sign-on is on", "password+saml")
	}
}

// expiring words an expiry within Options.GrantExpiringWithin, or past.
func (v *view) expiring(what string, at time.Time, after string) (string, bool) {
	left := at.Sub(v.opts.Now)
	if left > v.opts.GrantExpiringWithin {
		return "", false
	}
	when := at.UTC().Format(time.RFC3339)
	if left <= 0 {
		return fmt.Sprintf("%s expired at %s: %s", what, when, after), true
	}
	return fmt.Sprintf("%s expires at %s, %s", what, when, inWords(left)), true
}
