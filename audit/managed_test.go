package audit

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

// managedOrg is an organization with Scaleway's managed groups, listing nobody (whether the
// API lists their members is not recorded; the rules must not depend on it), two members (one
// locked), an application with no key and one Scaleway manages.
func managedOrg() *model.Org {
	o := emptyLive()
	o.Users = append(o.Users, &model.User{Meta: model.Meta{ID: "7a000000-0000-4000-8000-0000000000b2"}, Email: "bob@example.com", MFA: true, Locked: true})
	o.Applications = []*model.Application{
		{Meta: model.Meta{ID: "app-ci"}, Name: "ci"},
		{Meta: model.Meta{ID: "app-vpn", Managed: true}, Name: "VPN Gateway"},
	}
	o.Groups = []*model.Group{
		// Not marked managed, on purpose: the flags alone must be enough.
		{Meta: model.Meta{ID: allUsersID}, Name: "All Users", AllUsers: true, Members: model.Members{Users: []string{"bob@example.com"}}},
		{Meta: model.Meta{ID: allAppsID}, Name: "All Applications", AllApplications: true},
	}
	return o
}

func findingMsgs(rep *Report, code string) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Code == code {
			out = append(out, f.Key.String()+": "+f.Msg)
		}
	}
	return out
}

// Issue 17: an admin set on the organization through "All Users" makes every user an
// administrator, and through "All Applications" every application: IAM101, once per policy
// rule and set, on the organization and on manifests alike. Through the managed groups,
// applications are not idle (IAM301), the groups are not empty (IAM302), and a locked member
// is not reported for "All Users" (IAM402).
func TestManagedGroups(t *testing.T) {
	live := managedOrg()
	live.Policies = []*model.Policy{
		{Meta: model.Meta{ID: "pol-1"}, Name: "everyone-admin", Principal: model.Principal{Kind: model.PrincipalGroup, ID: allUsersID, Name: "All Users"},
			Rules: []model.Rule{{PermissionSets: []string{"IAMManager", "IAMReadOnly"}, Organization: true}}},
		{Meta: model.Meta{ID: "pol-2"}, Name: "apps-all", Principal: model.Principal{Kind: model.PrincipalGroup, ID: allAppsID, Name: "All Applications"},
			Rules: []model.Rule{{PermissionSets: []string{"AllProductsFullAccess"}, Organization: true}}},
	}
	rep := run(t, load(t, ""), live, nil)
	want := []string{
		`policy/apps-all: every application of the organization (1 today) holds AllProductsFullAccess on the whole organization through the managed group "All Applications": so will any application created later, and any key of one`,
		`policy/everyone-admin: every user of the organization holds IAMManager on the whole organization through the managed group "All Users": whoever joins, invited or provisioned by SCIM, is an administrator`,
	}
	if diff := cmp.Diff(want, findingMsgs(rep, "IAM101")); diff != "" {
		t.Errorf("IAM101 (-want +got):\n%s", diff)
	}
	for _, code := range []string{"IAM301", "IAM302", "IAM402"} {
		if got := findingMsgs(rep, code); len(got) > 0 {
			t.Errorf("%s through the managed groups: %q, want none", code, got)
		}
	}

	// Without the policy on All Applications, ci is idle again: IAM301 was silenced by it, not
	// by accident.
	live.Policies = live.Policies[:1]
	if got := findingMsgs(run(t, load(t, ""), live, nil), "IAM301"); len(got) != 1 || !strings.HasPrefix(got[0], "application/ci:") {
		t.Errorf("IAM301 without the All Applications policy: %q, want ci", got)
	}
}

// On manifests, {group: all-users} is the managed group: IAM101 at the rule's line.
func TestManagedGroupsManifest(t *testing.T) {
	d := load(t, `
policies:
  - name: everyone-admin
    principal: {group: all-users}
    rules:
      - permission_sets: [OrganizationManager]
        organization: true
`)
	rep := run(t, d, managedOrg(), nil)
	var got []string
	for _, f := range rep.Findings {
		if f.Code == "IAM101" && !f.Pos.IsZero() {
			got = append(got, f.Key.String()+" "+f.Pos.String())
		}
	}
	if diff := cmp.Diff([]string{"policy/everyone-admin iam.yaml:8:9"}, got); diff != "" {
		t.Errorf("IAM101 on the manifests (-want +got):\n%s", diff)
	}
}
