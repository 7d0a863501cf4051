package access

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// holders lists "PRINCIPAL SET" for every grant in acc.
func holders(acc *Access) []string {
	var out []string
	for _, h := range acc.Holdings {
		for _, g := range h.Grants {
			out = append(out, h.Principal.String()+" "+g.PermissionSet)
		}
	}
	return out
}

// Issue 17: the managed groups reach everyone of their kind without listing them: on the
// organization (the flags) and on manifests alone ({group: all-users}, before a plan resolves
// it), "All Applications" leaving out the applications Scaleway manages.
func TestManagedGroupsExpand(t *testing.T) {
	users := []*model.User{{Email: "alice@example.com"}, {Email: "bob@example.com"}}
	apps := []*model.Application{app("ci"), {Meta: model.Meta{Managed: true}, Name: "VPN Gateway"}}
	live := &model.Org{Users: users, Applications: apps,
		Groups: []*model.Group{
			{Meta: model.Meta{ID: "g-au", Managed: true}, Name: "All Users", AllUsers: true},
			{Meta: model.Meta{ID: "g-aa", Managed: true}, Name: "All Applications", AllApplications: true},
		},
		Policies: []*model.Policy{
			{Name: "everyone-admin", Principal: model.Principal{Kind: model.PrincipalGroup, ID: "g-au", Name: "All Users"}, Rules: []model.Rule{orgRule("IAMManager")}},
			{Name: "apps-read", Principal: model.Principal{Kind: model.PrincipalGroup, ID: "g-aa", Name: "All Applications"}, Rules: []model.Rule{orgRule("ProjectReadOnly")}},
		}}
	want := []string{
		"application/ci ProjectReadOnly",
		"group/All Applications ProjectReadOnly",
		"group/All Users IAMManager",
		"user/alice@example.com IAMManager",
		"user/bob@example.com IAMManager",
	}
	if diff := cmp.Diff(want, holders(Effective(live, Options{ScopeType: scopeType}))); diff != "" {
		t.Errorf("live organization (-want +got):\n%s", diff)
	}

	manifests := &model.Org{Stack: "platform", Users: users, Applications: apps,
		Policies: []*model.Policy{
			{Name: "everyone-admin", Principal: model.Principal{Kind: model.PrincipalGroup, Name: model.AllUsersGroup}, Rules: []model.Rule{orgRule("IAMManager")}},
			{Name: "apps-read", Principal: model.Principal{Kind: model.PrincipalGroup, Name: model.AllApplicationsGroup}, Rules: []model.Rule{orgRule("ProjectReadOnly")}},
		}}
	want = []string{
		"application/ci ProjectReadOnly",
		"group/all-applications ProjectReadOnly",
		"group/all-users IAMManager",
		"user/alice@example.com IAMManager",
		"user/bob@example.com IAMManager",
	}
	if diff := cmp.Diff(want, holders(Effective(manifests, Options{ScopeType: scopeType}))); diff != "" {
		t.Errorf("manifests alone (-want +got):\n%s", diff)
	}
}
