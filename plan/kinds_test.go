package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

func liveUsers(extra ...*model.User) *model.Org {
	o := &model.Org{OrganizationID: "org", Users: []*model.User{
		{Meta: model.Meta{ID: "u-owner", Managed: true}, Email: "owner@example.com", Type: "owner"},
	}}
	o.Users = append(o.Users, extra...)
	return o
}

func TestMembers(t *testing.T) {
	d := func(users ...*model.User) *model.Org { return &model.Org{Stack: "s", Users: users} }
	t.Run("an unowned member is adopted, never recreated", func(t *testing.T) {
		p := mustDiff(t, d(&model.User{Email: "Dana@Example.com"}), liveUsers(&model.User{Meta: model.Meta{ID: "u-dana"}, Email: "dana@example.com"}), Options{})
		if len(p.Actions) != 1 || p.Actions[0].Op != Adopt || p.Actions[0].ID != "u-dana" || len(p.Conflicts) != 0 {
			t.Fatalf("plan: %s", render(t, p))
		}
	})
	t.Run("another stack's member is a conflict, and so is the owner", func(t *testing.T) {
		p := mustDiff(t, d(&model.User{Email: "dana@example.com"}, &model.User{Email: "owner@example.com"}),
			liveUsers(&model.User{Meta: model.Meta{ID: "u-dana", Owner: "other"}, Email: "dana@example.com"}), Options{})
		if len(p.Actions) != 0 || len(p.Conflicts) != 2 {
			t.Fatalf("plan: %s", render(t, p))
		}
	})
	t.Run("names are compared only when the manifest gives them", func(t *testing.T) {
		l := liveUsers(&model.User{Meta: model.Meta{ID: "u-dana", Owner: "s"}, Email: "dana@example.com", Username: "dana", FirstName: "Dana", LastName: "Doe", Tags: []string{}})
		if p := mustDiff(t, d(&model.User{Email: "dana@example.com"}), l, Options{}); !p.Empty() {
			t.Errorf("a member's own names were planned over: %s", render(t, p))
		}
		p := mustDiff(t, d(&model.User{Email: "dana@example.com", LastName: "Smith", Locked: true}), l, Options{})
		if len(p.Actions) != 1 || !p.Actions[0].Changed(FieldLastName) || !p.Actions[0].Changed(FieldLocked) || p.Actions[0].Changed(FieldFirstName) {
			t.Errorf("plan: %s", render(t, p))
		}
	})
	t.Run("a created member gets a password entry unless welcomed", func(t *testing.T) {
		p := mustDiff(t, d(&model.User{Email: "dana@example.com"}, &model.User{Email: "erin@example.com", SendWelcomeEmail: true}), liveUsers(), Options{})
		text := render(t, p)
		if !strings.Contains(text, "password: generated, stored in the secrets file as DANA_EXAMPLE_COM") || strings.Count(text, "password:") != 1 {
			t.Errorf("plan:\n%s", text)
		}
	})
	t.Run("the member iamsync runs as is never deleted or locked", func(t *testing.T) {
		l := liveUsers(&model.User{Meta: model.Meta{ID: "u-me", Owner: "s"}, Email: "me@example.com", Tags: []string{}},
			&model.User{Meta: model.Meta{ID: "u-old", Owner: "s"}, Email: "old@example.com", Tags: []string{}})
		l.RunningAsUser = "u-me"
		p := mustDiff(t, d(), l, Options{})
		if len(p.Actions) != 1 || p.Actions[0].ID != "u-old" || len(p.Warnings) != 1 {
			t.Errorf("plan: %s", render(t, p))
		}
		p = mustDiff(t, d(&model.User{Email: "me@example.com", Locked: true}, &model.User{Email: "old@example.com"}), l, Options{})
		if len(p.Actions) != 0 || !strings.Contains(render(t, p), "not locked") {
			t.Errorf("plan: %s", render(t, p))
		}
	})
}

func TestSecuritySettingsAndLimits(t *testing.T) {
	day := 24 * time.Hour
	none, ninety, attempts := time.Duration(0), 90*day, uint32(5)
	live := &model.Org{OrganizationID: "org", SecuritySettings: &model.SecuritySettings{Meta: model.Meta{ID: "org"},
		MaxAPIKeyExpiration: &none, LoginAttemptsBeforeLocked: &attempts}}
	d := &model.Org{Stack: "s", SecuritySettings: &model.SecuritySettings{MaxAPIKeyExpiration: &ninety},
		Applications: []*model.Application{{Name: "ci"}},
		APIKeys:      []*model.APIKey{{Application: "ci", Name: "ok", ExpiresIn: 30 * day}, {Application: "ci", Name: "long", ExpiresIn: 180 * day}}}
	if _, err := Diff(d, live, Options{}); err == nil || !strings.Contains(err.Error(), "api_key/ci/long: expires_in 180d is longer than the 90d security_settings allow") {
		t.Fatalf("err = %v", err)
	}
	d.APIKeys = d.APIKeys[:1]
	p := mustDiff(t, d, live, Options{})
	a := p.Actions[0]
	if a.Key.Kind != model.KindSecuritySettings || a.Op != Update || len(a.Changes) != 1 || !a.Changed(FieldMaxKeyLifetime) {
		t.Fatalf("the settings update is not first or not field by field: %s", render(t, p))
	}
	// Quotas: creations before deletions, so a deletion makes no room.
	live.Quotas = map[model.Kind]model.Quota{model.KindApplication: {Name: "applications", Limit: 1, Current: 1}}
	live.Applications = []*model.Application{{Meta: model.Meta{ID: "app-old", Owner: "s"}, Name: "old", Tags: []string{}}}
	p = mustDiff(t, d, live, Options{})
	if len(p.OverQuota) != 1 || p.OverQuota[0].Peak != 2 {
		t.Errorf("over quota: %+v", p.OverQuota)
	}
	live.Quotas[model.KindApplication] = model.Quota{Name: "applications", Limit: 2, Current: 1}
	if p := mustDiff(t, d, live, Options{}); len(p.OverQuota) != 0 {
		t.Errorf("within the quota: %+v", p.OverQuota)
	}
}
