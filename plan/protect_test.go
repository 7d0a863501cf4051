package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// selfOrg is a stack whose application "iamsync" runs iamsync itself, with its admin policy.
func selfOrg() *model.Org {
	return &model.Org{
		Stack:        "prod",
		Applications: []*model.Application{{Name: "iamsync"}, {Name: "web"}},
		Groups:       []*model.Group{{Name: "admins", Members: model.Members{Applications: []string{"iamsync"}}}},
		Policies: []*model.Policy{
			{Name: "iamsync-admin", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "iamsync"},
				Rules: []model.Rule{{PermissionSets: []string{"IAMManager"}, Organization: true}}},
			{Name: "web-read", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "web"},
				Rules: []model.Rule{{PermissionSets: []string{"AllProductsReadOnly"}, Organization: true}}},
		},
		APIKeys: []*model.APIKey{{Application: "iamsync", Name: "ci"}, {Application: "web", Name: "k"}},
	}
}

func keyID(t *testing.T, live *model.Org, app, name string) string {
	t.Helper()
	for _, k := range live.APIKeys {
		if k.Application == app && k.Name == name {
			return k.ID
		}
	}
	t.Fatalf("no live key %s/%s", app, name)
	return ""
}

func hasAction(p *Plan, op Op, key string) bool {
	for _, a := range p.Actions {
		if a.Op == op && a.Key.String() == key {
			return true
		}
	}
	return false
}

func hasWarning(p *Plan, substr string) bool {
	for _, w := range p.Warnings {
		if strings.Contains(w.Message, substr) {
			return true
		}
	}
	return false
}

func TestSelfProtection(t *testing.T) {
	live := liveFrom(t, selfOrg())
	self := keyID(t, live, "iamsync", "ci")
	empty := &model.Org{Stack: "prod"}

	p, err := Diff(empty, live, Options{Self: self})
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range []string{"application/iamsync", "api_key/iamsync/ci", "policy/iamsync-admin"} {
		for _, a := range p.Actions {
			if a.Key.String() == kept {
				t.Errorf("plan %s %s although iamsync runs as it", a.Op, kept)
			}
		}
	}
	// What does not hold iamsync up goes as usual.
	for _, gone := range []string{"application/web", "policy/web-read", "api_key/web/k", "group/admins"} {
		if !hasAction(p, Delete, gone) {
			t.Errorf("plan does not delete %s", gone)
		}
	}
	if !hasWarning(p, "iamsync is running with this API key") || !hasWarning(p, "last policy giving application iamsync") {
		t.Errorf("warnings do not explain what was kept: %+v", p.Warnings)
	}

	// Without Self, the same plan deletes everything: the protection is what kept them.
	p, err = Diff(empty, live, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasAction(p, Delete, "policy/iamsync-admin") || !hasAction(p, Delete, "api_key/iamsync/ci") {
		t.Errorf("without Self the plan should delete everything: %+v", p.Actions)
	}
}

func TestSelfProtectionAllowsHarmlessPolicyChanges(t *testing.T) {
	live := liveFrom(t, selfOrg())
	self := keyID(t, live, "iamsync", "ci")
	d := selfOrg()
	// Adding a set keeps IAMManager: allowed.
	d.Policies[0].Rules[0].PermissionSets = []string{"IAMManager", "ProjectReadOnly"}
	p, err := Diff(d, live, Options{Self: self})
	if err != nil {
		t.Fatal(err)
	}
	if !hasAction(p, Update, "policy/iamsync-admin") {
		t.Errorf("a change that keeps the admin grant was dropped: %+v %+v", p.Actions, p.Warnings)
	}
	// Removing IAMManager strips the rights: kept.
	d.Policies[0].Rules[0].PermissionSets = []string{"ProjectReadOnly"}
	p, err = Diff(d, live, Options{Self: self})
	if err != nil {
		t.Fatal(err)
	}
	if hasAction(p, Update, "policy/iamsync-admin") || !hasWarning(p, "IAM rights") {
		t.Errorf("a change stripping iamsync's rights was planned: %+v %+v", p.Actions, p.Warnings)
	}
}

func TestRotation(t *testing.T) {
	d := &model.Org{Stack: "prod", Applications: []*model.Application{{Name: "app"}},
		APIKeys: []*model.APIKey{{Application: "app", Name: "ci", ExpiresIn: 90 * 24 * time.Hour, RotateBefore: 14 * 24 * time.Hour}}}
	live := liveFrom(t, d)
	now := testCreated.Add(24 * time.Hour)

	p, err := Diff(d, live, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 0 {
		t.Fatalf("a fresh key is rotated: %+v", p.Actions)
	}
	// On demand.
	p, err = Diff(d, live, Options{Now: now, Rotate: []model.Key{{Kind: model.KindAPIKey, Parent: "app", Name: "ci"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !hasAction(p, Replace, "api_key/app/ci") || p.Actions[0].RetireUntil != nil {
		t.Fatalf("--rotate: %+v", p.Actions)
	}
	// Within rotate_before, keeping the old key for a day.
	late := testCreated.Add(80 * 24 * time.Hour)
	p, err = Diff(d, live, Options{Now: late, KeepOld: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !hasAction(p, Replace, "api_key/app/ci") || p.Actions[0].RetireUntil == nil || !p.Actions[0].RetireUntil.Equal(late.Add(24*time.Hour).Truncate(time.Second)) {
		t.Fatalf("rotate_before with KeepOld: %+v", p.Actions)
	}
}

func TestRetiredKeyKeptThenDeleted(t *testing.T) {
	d := &model.Org{Stack: "prod", Applications: []*model.Application{{Name: "app"}},
		APIKeys: []*model.APIKey{{Application: "app", Name: "ci"}}}
	live := liveFrom(t, d)
	until := testCreated.Add(48 * time.Hour)
	// The rotation left the old key, marked retired, beside the new one.
	old := *live.APIKeys[0]
	old.ID, old.RetiredUntil = "SCWOLDOLDOLDOLDOLDOL", &until
	live.APIKeys = append(live.APIKeys, &old)

	p, err := Diff(d, live, Options{Now: until.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 0 || !hasWarning(p, "kept until") {
		t.Fatalf("within the grace period: actions %+v warnings %+v", p.Actions, p.Warnings)
	}
	p, err = Diff(d, live, Options{Now: until.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 1 || p.Actions[0].Op != Delete || p.Actions[0].ID != old.ID {
		t.Fatalf("after the grace period: %+v", p.Actions)
	}
}
