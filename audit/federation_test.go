package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// IAM501 on a SAML certificate inside the window (from the manifests, at the certificate's
// line, and from the organization), IAM502 on a live SCIM token expired, IAM503 on password
// login beside SAML; nothing outside the window, and a silence on login_methods holds.
func TestFederationFindings(t *testing.T) {
	now := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	soon, later, gone := now.Add(5*24*time.Hour), now.Add(60*24*time.Hour), now.Add(-time.Hour)
	yes := true
	certPos := model.Pos{File: "fed.yaml", Line: 9, Col: 9}
	desired := &model.Org{Stack: "s",
		SAML: &model.SAML{Meta: model.Meta{Pos: model.Pos{File: "fed.yaml", Line: 3}}, Enabled: true, EntityID: "e", SSOURL: "https://u",
			Certificates: []model.SAMLCertificate{{PEM: "A", ExpiresAt: &soon, Pos: certPos}, {PEM: "B", ExpiresAt: &later}}},
		LoginMethods: &model.LoginMethods{Meta: model.Meta{Pos: model.Pos{File: "fed.yaml", Line: 20},
			Ignore: []model.Ignore{{Rule: "IAM503", Reason: "break-glass owner logs in with a password"}}}, SAML: &yes, Password: &yes},
	}
	live := &model.Org{OrganizationID: "org",
		SAML: &model.SAML{Meta: model.Meta{ID: "saml-1"}, Enabled: true, EntityID: "e", SSOURL: "https://u", Status: "valid",
			Certificates: []model.SAMLCertificate{{ID: "c1", PEM: "A", ExpiresAt: &soon}, {ID: "c2", PEM: "B", ExpiresAt: &later}}},
		SCIM:         &model.SCIM{Meta: model.Meta{ID: "scim-1"}, Enabled: true},
		SCIMTokens:   []*model.SCIMToken{{Meta: model.Meta{ID: "t1"}, Name: "t1", ExpiresAt: &gone}, {Meta: model.Meta{ID: "t2"}, Name: "t2", ExpiresAt: &later}},
		LoginMethods: &model.LoginMethods{SAML: &yes, Password: &yes, OAuth2: &yes, MagicCode: &yes},
	}
	rep, err := Audit(desired, live, nil, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if !strings.HasPrefix(f.Code, "IAM5") {
			continue
		}
		s := f.Code + " " + f.Key.String() + " " + f.Pos.String()
		if f.Suppressed != nil {
			s += " silenced"
		}
		got = append(got, s)
		if f.Code == "IAM502" && !strings.Contains(f.Msg, "expired at") {
			t.Errorf("IAM502 message %q does not say it expired", f.Msg)
		}
		if f.Code == "IAM501" && !strings.Contains(f.Msg, "in 5 days") {
			t.Errorf("IAM501 message %q does not say when", f.Msg)
		}
	}
	want := []string{"IAM501 saml/organization fed.yaml:9:9", "IAM503 login_methods/organization fed.yaml:20 silenced", "IAM502 scim_token/t1 "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
