package plan

import (
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// idpOrg is a stack whose group engineers takes its members from the identity provider, with
// a policy on it, and a group data-team whose members iamsync sets.
func idpOrg(usersFrom string) *model.Org {
	return &model.Org{Stack: "people", UsersFrom: usersFrom,
		Groups: []*model.Group{
			{Name: "engineers", MembersFrom: model.FromIdentityProvider},
			{Name: "data-team", Members: model.Members{Users: []string{"alice@example.com"}}},
		},
		Policies: []*model.Policy{{Name: "engineers-read", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "engineers"},
			Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}},
	}
}

// idpLive is the organization after the identity provider set engineers' members.
func idpLive(t *testing.T, d *model.Org, engineers ...string) *model.Org {
	t.Helper()
	l := liveFrom(t, d)
	for _, g := range l.Groups {
		if g.Name == "engineers" {
			g.Members.Users = engineers
		}
	}
	return l
}

func TestMembersFromIdentityProvider(t *testing.T) {
	d := idpOrg("")
	for _, members := range [][]string{nil, {"alice@example.com"}, {"alice@example.com", "bob@example.com"}} {
		p := mustDiff(t, d, idpLive(t, d, members...), Options{})
		if !p.Empty() {
			t.Errorf("live engineers %v: the plan fights the identity provider:\n%s", members, render(t, p))
		}
		if p.Access != nil && len(p.Access.Changes) > 0 {
			t.Errorf("live engineers %v: access changes %+v, want none (the review expands the live members)", members, p.Access.Changes)
		}
	}
	// The control: the same drift on a group iamsync manages is planned back.
	l := idpLive(t, d)
	for _, g := range l.Groups {
		if g.Name == "data-team" {
			g.Members.Users = append(g.Members.Users, "bob@example.com")
		}
	}
	p := mustDiff(t, d, l, Options{})
	if len(p.Actions) != 1 || p.Actions[0].Key.Name != "data-team" || !p.Actions[0].Changed(FieldMembers) {
		t.Errorf("a member added to data-team by hand: want one members update of data-team, got:\n%s", render(t, p))
	}
}

func TestMembersFromIdentityProviderNewGroup(t *testing.T) {
	d := idpOrg("")
	l := liveFrom(t, &model.Org{Stack: "people"})
	p := mustDiff(t, d, l, Options{})
	for _, a := range p.Actions {
		if a.Key.Name == "engineers" && a.Changed(FieldMembers) {
			t.Errorf("a new group of the identity provider's is created with members: %+v", a.Changes)
		}
	}
}

func TestUsersFromIdentityProvider(t *testing.T) {
	d := idpOrg(model.FromIdentityProvider)
	d.Users = []*model.User{{Email: "alice@example.com"}, {Email: "dana@example.com"}}
	d.Groups[1].Members.Users = []string{"alice@example.com", "dana@example.com"}
	l := idpLive(t, idpOrg(""), "alice@example.com")
	for _, g := range l.Groups {
		if g.Name == "data-team" {
			g.Members.Users = []string{"alice@example.com"}
		}
	}
	// A member this stack tagged before it handed members over, and no longer declares.
	l.Users = append(l.Users, &model.User{Meta: model.Meta{ID: "7c000000-0000-4000-8000-000000000001", Owner: "people"}, Email: "old@example.com"})
	// alice is live and owned by nobody: without users_from she would be adopted.
	p := mustDiff(t, d, l, Options{})
	if !p.Empty() {
		t.Fatalf("users_from: identity_provider: the plan touches members:\n%s", render(t, p))
	}
	var warned []string
	for _, w := range p.Warnings {
		warned = append(warned, w.Key.String()+": "+w.Message)
	}
	text := strings.Join(warned, "\n")
	for _, want := range []string{"user/dana@example.com: not a member of the organization", `group/data-team: member "dana@example.com" is left out`} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings lack %q:\n%s", want, text)
		}
	}
	// The control: without users_from, alice is adopted, dana created, old deleted.
	d.UsersFrom = ""
	p = mustDiff(t, d, l, Options{})
	got := map[string]Op{}
	for _, a := range p.Actions {
		got[a.Key.String()] = a.Op
	}
	for k, op := range map[string]Op{"user/alice@example.com": Adopt, "user/dana@example.com": Create, "user/old@example.com": Delete} {
		if got[k] != op {
			t.Errorf("without users_from: %s planned %v, want %v", k, got[k], op)
		}
	}
}

func TestUsersFromIdentityProviderPrincipal(t *testing.T) {
	d := &model.Org{Stack: "people", UsersFrom: model.FromIdentityProvider, Policies: []*model.Policy{{Name: "dana-read",
		Principal: model.Principal{Kind: model.PrincipalUser, Name: "dana@example.com"},
		Rules:     []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}}}
	_, err := Diff(d, liveFrom(t, &model.Org{Stack: "people"}), Options{})
	if err == nil || !strings.Contains(err.Error(), "the identity provider has not provisioned them") {
		t.Errorf("a policy on a member not provisioned: err %v", err)
	}
}

func TestFingerprintIgnoresTheIdentityProvidersMembers(t *testing.T) {
	d := idpOrg(model.FromIdentityProvider)
	fp := mustDiff(t, d, idpLive(t, d, "alice@example.com"), Options{}).Fingerprint
	if got := mustDiff(t, d, idpLive(t, d, "bob@example.com"), Options{}).Fingerprint; got != fp {
		t.Error("the identity provider changing engineers' members made a saved plan stale")
	}
	l := idpLive(t, d, "alice@example.com")
	for _, g := range l.Groups {
		if g.Name == "data-team" {
			g.Members.Users = nil
		}
	}
	if got := mustDiff(t, d, l, Options{}).Fingerprint; got.Live == fp.Live {
		t.Error("a change to data-team's members, which iamsync manages, left the fingerprint as it was")
	}
	n := 3
	l = idpLive(t, d, "alice@example.com")
	l.Users[0].Sessions = &n
	if got := mustDiff(t, d, l, Options{}).Fingerprint; got != fp {
		t.Error("a console session opened made a saved plan stale")
	}
}
