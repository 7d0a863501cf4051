package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

const (
	allUsersID = "9a000000-0000-4000-8000-0000000000a1"
	allAppsID  = "9a000000-0000-4000-8000-0000000000a2"
)

// managedLive is an organization holding Scaleway's managed groups, which list nobody, with
// two members, an application of the stack and one Scaleway manages.
func managedLive() *model.Org {
	return &model.Org{
		OrganizationID: "0a000000-0000-4000-8000-000000000000",
		Projects:       testProjects,
		Users:          testUsers,
		Applications: []*model.Application{
			{Meta: model.Meta{ID: "8b000000-0000-4000-8000-000000000001", Owner: "platform"}, Name: "ci", Tags: []string{}},
			{Meta: model.Meta{ID: "8b000000-0000-4000-8000-000000000002", Managed: true}, Name: "VPN Gateway", Tags: []string{}},
		},
		Groups: []*model.Group{
			{Meta: model.Meta{ID: allUsersID, Managed: true}, Name: "All Users", Tags: []string{}, AllUsers: true},
			{Meta: model.Meta{ID: allAppsID, Managed: true}, Name: "All Applications", Tags: []string{}, AllApplications: true},
		},
	}
}

func managedDesired(ref string, set string) *model.Org {
	return &model.Org{
		Stack:        "platform",
		Applications: []*model.Application{{Name: "ci"}},
		Policies: []*model.Policy{{Name: "everyone", Principal: model.Principal{Kind: model.PrincipalGroup, Name: ref},
			Rules: []model.Rule{{PermissionSets: []string{set}, Organization: true}}}},
	}
}

// gained lists "PRINCIPAL SET via GROUP" for every grant the plan's review says is gained.
func gained(p *Plan) []string {
	var out []string
	for _, c := range p.Access.Changes {
		for _, g := range c.Gained {
			via := ""
			for _, path := range g.Paths {
				if path.Group != "" {
					via += " via " + path.Group
				}
			}
			out = append(out, c.Principal.String()+" "+g.PermissionSet+via)
		}
	}
	return out
}

// Issue 17: {group: all-users} resolves to the organization's managed group, by ID; the
// access review shows the policy reaching every user (the group lists nobody), and once
// applied the policy matches the live one attached to the group: nothing left to do.
func TestManagedGroupPrincipal(t *testing.T) {
	live := managedLive()
	p := mustDiff(t, managedDesired(model.AllUsersGroup, "IAMManager"), live, Options{})
	var create *Action
	for i := range p.Actions {
		if p.Actions[i].Key == (model.Key{Kind: model.KindPolicy, Name: "everyone"}) {
			create = &p.Actions[i]
		}
	}
	if create == nil || create.Op != Create {
		t.Fatalf("want the policy created, got %+v", p.Actions)
	}
	want := model.Principal{Kind: model.PrincipalGroup, ID: allUsersID, Name: "All Users", External: true}
	if got := create.Resource.(*model.Policy).Principal; got != want {
		t.Errorf("principal = %+v, want the managed group's ID %+v", got, want)
	}
	wantGained := []string{
		"group/All Users IAMManager",
		"user/alice@example.com IAMManager via All Users",
		"user/bob@example.com IAMManager via All Users",
	}
	if diff := cmp.Diff(wantGained, gained(p)); diff != "" {
		t.Errorf("access review (-want +got):\n%s", diff)
	}
	if p.Access.Summary.GainedHigh != 3 {
		t.Errorf("IAMManager to everyone: %d high grants gained, want 3", p.Access.Summary.GainedHigh)
	}

	applied := managedLive()
	applied.Policies = []*model.Policy{{Meta: model.Meta{ID: "6c000000-0000-4000-8000-000000000001", Owner: "platform"}, Name: "everyone",
		Principal: model.Principal{Kind: model.PrincipalGroup, ID: allUsersID, Name: "All Users"}, Tags: []string{},
		Rules: []model.Rule{{PermissionSets: []string{"IAMManager"}, Organization: true}}}}
	if again := mustDiff(t, managedDesired(model.AllUsersGroup, "IAMManager"), applied, Options{}); !again.Empty() {
		t.Errorf("after apply, the plan is not empty: %+v", again.Actions)
	}
}

// All Applications reaches the applications Scaleway does not manage, listed or not.
func TestManagedGroupAllApplications(t *testing.T) {
	p := mustDiff(t, managedDesired(model.AllApplicationsGroup, "ProjectReadOnly"), managedLive(), Options{})
	want := []string{"application/ci ProjectReadOnly via All Applications", "group/All Applications ProjectReadOnly"}
	if diff := cmp.Diff(want, gained(p)); diff != "" {
		t.Errorf("access review (-want +got):\n%s", diff)
	}
}

// An organization without the managed group (or the API not listing it) fails the plan, at the
// policy, before anything is written.
func TestManagedGroupMissing(t *testing.T) {
	live := managedLive()
	live.Groups = live.Groups[1:]
	_, err := Diff(managedDesired(model.AllUsersGroup, "IAMReadOnly"), live, Options{})
	if err == nil || !strings.Contains(err.Error(), `{group: all-users} names Scaleway's managed group "All Users", and the organization has none`) {
		t.Fatalf("err = %v, want the missing managed group named", err)
	}
}
