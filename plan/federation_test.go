package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

var fedNow = time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)

func on(b bool) *bool { return &b }

// fedLive is an organization with every login method but SAML on and nothing else federated.
func fedLive() *model.Org {
	return &model.Org{OrganizationID: "0a000000-0000-4000-8000-000000000000",
		LoginMethods: &model.LoginMethods{Password: on(true), OAuth2: on(true), MagicCode: on(true), SAML: on(false)}}
}

func liveToken(id string, created time.Time) *model.SCIMToken {
	exp := created.Add(365 * 24 * time.Hour)
	return &model.SCIMToken{Meta: model.Meta{ID: id}, Name: id, CreatedAt: created, ExpiresAt: &exp}
}

func opsOf(p *Plan) string {
	var out []string
	for _, a := range p.Actions {
		s := a.Op.String() + " " + a.Key.String()
		if a.Op != Create {
			s += "#" + a.ID
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestPlanSAML(t *testing.T) {
	certA := model.SAMLCertificate{PEM: "A", ExpiresAt: &fedNow}
	certB := model.SAMLCertificate{PEM: "B"}
	desired := &model.Org{Stack: "s", SAML: &model.SAML{Enabled: true, EntityID: "e", SSOURL: "https://u", Certificates: []model.SAMLCertificate{certB}}}
	// Absent: created with every field.
	p, err := Diff(desired, fedLive(), Options{Now: fedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := opsOf(p); got != "create saml/organization" {
		t.Fatalf("plan %q", got)
	}
	if c, ok := p.Actions[0].Change(FieldCertificates); !ok || len(c.Added) != 1 {
		t.Errorf("the creation lists the certificates: %+v", p.Actions[0].Changes)
	}
	// Present with another certificate and entity ID, owned by nobody: the declaring stack
	// updates it in place, the certificates as a set.
	live := fedLive()
	live.SAML = &model.SAML{Meta: model.Meta{ID: "saml-1"}, Enabled: true, EntityID: "old", SSOURL: "https://u", Certificates: []model.SAMLCertificate{certA}, Status: "valid"}
	p, err = Diff(desired, live, Options{Now: fedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := opsOf(p); got != "update saml/organization#saml-1" {
		t.Fatalf("plan %q", got)
	}
	c, _ := p.Actions[0].Change(FieldCertificates)
	if len(c.Added) != 1 || len(c.Removed) != 1 || !p.Actions[0].Changed(FieldEntityID) || p.Actions[0].Changed(FieldSSOURL) {
		t.Errorf("changes %+v", p.Actions[0].Changes)
	}
	// enabled: false deletes it; not declared leaves it alone.
	p, err = Diff(&model.Org{Stack: "s", SAML: &model.SAML{}}, live, Options{Now: fedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := opsOf(p); got != "delete saml/organization#saml-1" || !strings.Contains(p.Actions[0].Reason, "enabled: false") {
		t.Errorf("plan %q (%q)", got, p.Actions[0].Reason)
	}
	if p, err = Diff(&model.Org{Stack: "s"}, live, Options{Now: fedNow}); err != nil || len(p.Actions) != 0 {
		t.Errorf("undeclared SAML planned %q (%v)", opsOf(p), err)
	}
	// Converged: the same configuration plans nothing.
	same := &model.Org{Stack: "s", SAML: &model.SAML{Enabled: true, EntityID: "old", SSOURL: "https://u", Certificates: []model.SAMLCertificate{certA}}}
	if p, err = Diff(same, live, Options{Now: fedNow}); err != nil || len(p.Actions) != 0 {
		t.Errorf("converged SAML planned %q (%v)", opsOf(p), err)
	}
}

func TestPlanLoginMethodsRefusals(t *testing.T) {
	validSAML := &model.SAML{Enabled: true, EntityID: "e", SSOURL: "https://u", Certificates: []model.SAMLCertificate{{PEM: "A"}}}
	for _, tc := range []struct {
		name    string
		desired *model.Org
		live    func(*model.Org)
		err     string // "" = plans
	}{
		{"SAML login without SAML", &model.Org{LoginMethods: &model.LoginMethods{SAML: on(true)}}, nil,
			"SAML login is on, but the organization's SAML configuration does not exist"},
		{"SAML login with a SAML without certificate", &model.Org{LoginMethods: &model.LoginMethods{SAML: on(true)},
			SAML: &model.SAML{Enabled: true, EntityID: "e", SSOURL: "https://u"}}, nil, "is not valid (no certificate)"},
		{"SAML login with SAML set up in the same plan", &model.Org{LoginMethods: &model.LoginMethods{SAML: on(true), Password: on(false)}, SAML: validSAML}, nil, ""},
		{"SAML login with the live SAML valid", &model.Org{LoginMethods: &model.LoginMethods{SAML: on(true)}},
			func(l *model.Org) { l.SAML = &model.SAML{Meta: model.Meta{ID: "x"}, Enabled: true, Status: "valid"} }, ""},
		{"SAML login on live, SAML deleted", &model.Org{SAML: &model.SAML{}},
			func(l *model.Org) {
				l.SAML = &model.SAML{Meta: model.Meta{ID: "x"}, Enabled: true, Status: "valid"}
				l.LoginMethods.SAML = on(true)
			}, "does not exist after this plan"},
		{"every method off with the live ones", &model.Org{LoginMethods: &model.LoginMethods{Password: on(false), OAuth2: on(false)}},
			func(l *model.Org) { l.LoginMethods.MagicCode = on(false) }, "every login method would be off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := fedLive()
			if tc.live != nil {
				tc.live(live)
			}
			tc.desired.Stack = "s"
			p, err := Diff(tc.desired, live, Options{Now: fedNow})
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v (plan %v), want an error with %q", err, p, tc.err)
			}
		})
	}
}

func TestPlanSCIMTokens(t *testing.T) {
	old := liveToken("t-old", fedNow.Add(-300*24*time.Hour))      // expires in 65 days
	newer := liveToken("t-new", fedNow.Add(-100*24*time.Hour))    // expires in 265 days
	expired := liveToken("t-dead", fedNow.Add(-400*24*time.Hour)) // expired 35 days ago
	liveWith := func(ts ...*model.SCIMToken) *model.Org {
		l := fedLive()
		l.SCIM = &model.SCIM{Meta: model.Meta{ID: "scim-1"}, Enabled: true}
		for _, tk := range ts {
			c := *tk
			l.SCIMTokens = append(l.SCIMTokens, &c)
		}
		return l
	}
	desired := func(ts ...*model.SCIMToken) *model.Org {
		return &model.Org{Stack: "s", SCIM: &model.SCIM{Enabled: true}, SCIMTokens: ts}
	}
	for _, tc := range []struct {
		name      string
		desired   *model.Org
		live      *model.Org
		want      string
		overQuota bool
		warn      string
		stored    map[string]string // Options.StoredTokens
	}{
		{"create SCIM and a token", desired(&model.SCIMToken{Name: "okta"}), fedLive(), "create scim/organization, create scim_token/okta", false, "", nil},
		{"the newest unclaimed token is the declared one; the other goes first",
			desired(&model.SCIMToken{Name: "okta"}), liveWith(old, newer), "delete scim_token/t-old#t-old", false, "", nil},
		{"by id", desired(&model.SCIMToken{Name: "okta", Meta: model.Meta{ID: "t-old"}}), liveWith(old, newer),
			"delete scim_token/t-new#t-new", false, "", nil},
		{"rotation within rotate_before", desired(&model.SCIMToken{Name: "okta", RotateBefore: 90 * 24 * time.Hour}), liveWith(old),
			"replace scim_token/okta#t-old", false, "", nil},
		{"not yet due", desired(&model.SCIMToken{Name: "okta", RotateBefore: 30 * 24 * time.Hour}), liveWith(old), "", false, "", nil},
		{"an unclaimed token is deleted before the rotation needs its slot",
			desired(&model.SCIMToken{Name: "okta", Meta: model.Meta{ID: "t-old"}, RotateBefore: 90 * 24 * time.Hour}), liveWith(old, newer),
			"delete scim_token/t-new#t-new, replace scim_token/okta#t-old", false, "", nil},
		{"two declared, one due: a third token would be needed",
			desired(&model.SCIMToken{Name: "a", Meta: model.Meta{ID: "t-old"}, RotateBefore: 90 * 24 * time.Hour}, &model.SCIMToken{Name: "b", Meta: model.Meta{ID: "t-new"}}),
			liveWith(old, newer), "replace scim_token/a#t-old", true, "needs a third active SCIM token", nil},
		{"an expired token takes no slot", desired(&model.SCIMToken{Name: "a", Meta: model.Meta{ID: "t-dead"}}, &model.SCIMToken{Name: "b", Meta: model.Meta{ID: "t-new"}}),
			liveWith(expired, newer), "replace scim_token/a#t-dead", false, "", nil},
		{"SCIM off deletes its tokens first", &model.Org{Stack: "s", SCIM: &model.SCIM{}}, liveWith(newer),
			"delete scim_token/t-new#t-new, delete scim/organization#scim-1", false, "", nil},
		{"an unknown id is a conflict", desired(&model.SCIMToken{Name: "okta", Meta: model.Meta{ID: "nope"}}), liveWith(), "", false, "", nil},
		{"the token the secrets entry holds is the declared one, however old",
			desired(&model.SCIMToken{Name: "okta"}), liveWith(old, newer), "delete scim_token/t-new#t-new", false, "",
			map[string]string{"SCIM_TOKEN_OKTA": "t-old"}},
		{"a token held by another entry is not taken by age: the one without is made again",
			desired(&model.SCIMToken{Name: "backup"}, &model.SCIMToken{Name: "okta"}), liveWith(newer), "create scim_token/backup", false, "",
			map[string]string{"SCIM_TOKEN_OKTA": "t-new"}},
		{"an entry whose token is gone gets a new one; a token no entry holds is not taken for it",
			desired(&model.SCIMToken{Name: "okta"}), liveWith(newer), "delete scim_token/t-new#t-new, create scim_token/okta", false, "",
			map[string]string{"SCIM_TOKEN_OKTA": "t-gone"}},
		{"a token another entry holds is not taken by age (a renamed token)",
			desired(&model.SCIMToken{Name: "prod"}), liveWith(newer), "delete scim_token/t-new#t-new, create scim_token/prod", false, "",
			map[string]string{"SCIM_TOKEN_OKTA": "t-new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Diff(tc.desired, tc.live, Options{Now: fedNow, StoredTokens: tc.stored})
			if err != nil {
				t.Fatal(err)
			}
			if got := opsOf(p); got != tc.want {
				t.Errorf("plan %q, want %q", got, tc.want)
			}
			if (len(p.OverQuota) > 0) != tc.overQuota {
				t.Errorf("over quota %v, want %v", p.OverQuota, tc.overQuota)
			}
			if tc.warn != "" && !strings.Contains(mustJSON(t, p.Warnings), tc.warn) {
				t.Errorf("warnings %v lack %q", p.Warnings, tc.warn)
			}
			if strings.HasPrefix(tc.name, "an entry whose token is gone") {
				if a := p.Actions[len(p.Actions)-1]; !strings.Contains(a.Reason, "its secrets entry SCIM_TOKEN_OKTA holds token t-gone, which is no longer live") {
					t.Errorf("the create does not say why: %q", a.Reason)
				}
			}
			if strings.HasPrefix(tc.name, "an unknown id") && (len(p.Conflicts) != 1 || !strings.Contains(p.Conflicts[0].Reason, "no live SCIM token")) {
				t.Errorf("conflicts %v", p.Conflicts)
			}
			for _, a := range p.Actions {
				if a.Key.Kind == model.KindSCIMToken && a.Op != Delete {
					if c, ok := a.Change(FieldBearerToken); !ok || c.New.Text != "SCIM_TOKEN_"+strings.ToUpper(a.Key.Name) {
						t.Errorf("%s %s does not say where the bearer goes: %+v", a.Op, a.Key, a.Changes)
					}
				}
			}
			// A saved plan reads back (the format carries the new kinds and fields).
			var b strings.Builder
			if err := p.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			if _, err := Read(strings.NewReader(b.String())); err != nil {
				t.Errorf("read back: %v", err)
			}
		})
	}
}
