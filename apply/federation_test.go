package apply_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

func federated(t *testing.T) *model.Org {
	t.Helper()
	pemText, err := os.ReadFile("../schema/testdata/idp-2099.pem")
	if err != nil {
		t.Fatal(err)
	}
	canon, at, err := model.CanonicalCertificate(string(pemText))
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	return &model.Org{Stack: "s",
		SAML: &model.SAML{Enabled: true, EntityID: "https://idp.example.test/metadata", SSOURL: "https://idp.example.test/sso",
			Certificates: []model.SAMLCertificate{{PEM: canon, ExpiresAt: &at}}},
		SCIM:         &model.SCIM{Enabled: true},
		SCIMTokens:   []*model.SCIMToken{{Name: "okta", RotateBefore: 30 * 24 * time.Hour}},
		LoginMethods: &model.LoginMethods{SAML: &yes, Password: &no},
	}
}

// planAt plans d against the organization as if it were now.
func (e *env) runAt(t *testing.T, d *model.Org, now time.Time) (*apply.Result, *plan.Plan) {
	t.Helper()
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Diff(d, l, plan.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return apply.Apply(context.Background(), e.client, p, apply.Options{Stack: d.Stack, Live: l, Secrets: e.secrets, IsAmbiguous: live.IsAmbiguous}), p
}

// SAML with a certificate, SCIM with a token and the login methods apply in one run (SAML set
// up before SAML login is turned on), the token's bearer reaching the secrets file; a rotation
// due later makes a new token, stores it, and deletes the old one.
func TestFederationAppliesAndRotates(t *testing.T) {
	e := setup(t)
	res, p := e.runAt(t, federated(t), time.Now())
	if !res.OK() || len(res.Done) != 4 {
		t.Fatalf("apply: done %d of %d, failed %+v", len(res.Done), len(p.Actions), res.Failed)
	}
	e.converged(t, federated(t))
	first, ok, err := e.secrets.Get("SCIM_TOKEN_OKTA")
	if err != nil || !ok || first.TokenID == "" || !e.emu.SCIMTokenActive(first.BearerToken.Reveal()) {
		t.Fatalf("stored token %q (%v, %v) is not an active token", first.TokenID, ok, err)
	}
	// 340 days on, the one-year token is within its 30-day rotate_before.
	res, p = e.runAt(t, federated(t), time.Now().Add(340*24*time.Hour))
	if len(p.Actions) != 1 || p.Actions[0].Op != plan.Replace || p.Actions[0].ID != first.TokenID {
		t.Fatalf("rotation plan: %+v", p.Actions)
	}
	if !res.OK() {
		t.Fatalf("rotation failed: %+v", res.Failed)
	}
	second, _, _ := e.secrets.Get("SCIM_TOKEN_OKTA")
	if second.TokenID == first.TokenID || !e.emu.SCIMTokenActive(second.BearerToken.Reveal()) || e.emu.SCIMTokenActive(first.BearerToken.Reveal()) {
		t.Errorf("after the rotation: new token %s active %v, old one active %v", second.TokenID,
			e.emu.SCIMTokenActive(second.BearerToken.Reveal()), e.emu.SCIMTokenActive(first.BearerToken.Reveal()))
	}
	e.converged(t, federated(t))
}

// A token whose create answer is lost has a bearer nobody holds: it is deleted and another
// made, whose bearer is stored, so that the organization holds exactly the token stored.
func TestLostSCIMTokenAnswerLeavesNoUnstoredToken(t *testing.T) {
	e := setup(t)
	e.emu.FailNext("POST /iam/v1alpha1/scim/{id}/tokens", emulator.FaultLostResponse, 1)
	res, _ := e.runAt(t, federated(t), time.Now())
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored, _, _ := e.secrets.Get("SCIM_TOKEN_OKTA")
	if len(l.SCIMTokens) != 1 || l.SCIMTokens[0].ID != stored.TokenID || !e.emu.SCIMTokenActive(stored.BearerToken.Reveal()) {
		t.Errorf("%d live tokens (want 1, the stored %s)", len(l.SCIMTokens), stored.TokenID)
	}
	e.converged(t, federated(t))
}
