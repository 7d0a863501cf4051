package access

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// explainOrg is a live organization: alice is in admins, which another stack's policy gives
// IAMManager; ci holds InstancesFullAccess on production through this stack's policy and
// AllProductsFullAccess on every project through a policy nobody owns; ops holds InstancesReadOnly
// on staging only; the managed "All Users" group, which lists nobody, gives every user
// BillingReadOnly.
func explainOrg() *model.Org {
	o := &model.Org{
		Applications: []*model.Application{app("ci"), app("ops")},
		Groups: []*model.Group{
			{Meta: model.Meta{Owner: "security"}, Name: "admins", Members: model.Members{Users: []string{"alice@example.com"}}},
			{Meta: model.Meta{Managed: true}, Name: "All Users", AllUsers: true},
		},
		Users: []*model.User{{Email: "alice@example.com"}, {Email: "bob@example.com"}},
		Policies: []*model.Policy{
			{Meta: model.Meta{Owner: "security"}, Name: "admins-iam", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "admins"}, Rules: []model.Rule{orgRule("IAMManager")}},
			{Meta: model.Meta{Owner: "platform"}, Name: "ci-deploy", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci"}, Rules: []model.Rule{projRule([]string{"production"}, "InstancesFullAccess")}},
			{Name: "by-hand", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci"}, Rules: []model.Rule{orgRule("AllProductsFullAccess")}},
			{Meta: model.Meta{Owner: "platform"}, Name: "ops-read", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ops"}, Rules: []model.Rule{projRule([]string{"staging"}, "InstancesReadOnly")}},
			{Meta: model.Meta{Managed: true}, Name: "everyone", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "All Users"}, Rules: []model.Rule{orgRule("BillingReadOnly")}},
		},
	}
	return o
}

// answers flattens answers as "PRINCIPAL SET @ SCOPE [includes X] <- PATH[owner]; …".
func answers(as []Answer) []string {
	var out []string
	for _, a := range as {
		for _, f := range a.Grants {
			s := a.Principal.String() + " " + f.PermissionSet + " @ " + f.Scope.String()
			if f.Includes != "" {
				s += " includes " + f.Includes
			}
			var ps []string
			for _, p := range f.Paths {
				ps = append(ps, p.Group+">"+p.Policy+"["+originText(p, func(s string) string { return s })+"]")
			}
			out = append(out, s+" <- "+strings.Join(ps, "; "))
		}
	}
	return out
}

func TestWho(t *testing.T) {
	acc := Effective(explainOrg(), Options{ScopeType: scopeType, Origins: true})
	tests := []struct {
		name string
		set  string
		on   *Scope
		want []string
	}{
		{"org-level set on the organization, through a group of another stack", "IAMManager", &Scope{Kind: ScopeOrganization}, []string{
			"group/admins IAMManager @ the organization <- >admins-iam[stack security]",
			"user/alice@example.com IAMManager @ the organization <- admins>admins-iam[stack security]",
		}},
		{"a narrower IAM set is included in IAMManager", "IAMUserReadOnly", &Scope{Kind: ScopeOrganization}, []string{
			"group/admins IAMManager @ the organization includes IAMUserReadOnly <- >admins-iam[stack security]",
			"user/alice@example.com IAMManager @ the organization includes IAMUserReadOnly <- admins>admins-iam[stack security]",
		}},
		{"a project: its own grant, and all projects through an unmanaged policy", "InstancesFullAccess", &Scope{Kind: ScopeProject, Project: "production"}, []string{
			"application/ci AllProductsFullAccess @ all projects includes InstancesFullAccess <- >by-hand[unmanaged]",
			"application/ci InstancesFullAccess @ project production <- >ci-deploy[stack platform]",
		}},
		{"the organization, for a project-level set, is all projects", "InstancesFullAccess", &Scope{Kind: ScopeOrganization}, []string{
			"application/ci AllProductsFullAccess @ all projects includes InstancesFullAccess <- >by-hand[unmanaged]",
		}},
		{"read-only is included in full access, another project is not", "InstancesReadOnly", &Scope{Kind: ScopeProject, Project: "production"}, []string{
			"application/ci AllProductsFullAccess @ all projects includes InstancesReadOnly <- >by-hand[unmanaged]",
			"application/ci InstancesFullAccess @ project production includes InstancesReadOnly <- >ci-deploy[stack platform]",
		}},
		{"any scope", "InstancesReadOnly", nil, []string{
			"application/ci AllProductsFullAccess @ all projects includes InstancesReadOnly <- >by-hand[unmanaged]",
			"application/ci InstancesFullAccess @ project production includes InstancesReadOnly <- >ci-deploy[stack platform]",
			"application/ops InstancesReadOnly @ project staging <- >ops-read[stack platform]",
		}},
		{"the managed All Users group reaches users it does not list", "BillingReadOnly", &Scope{Kind: ScopeOrganization}, []string{
			"group/All Users BillingReadOnly @ the organization <- >everyone[managed by Scaleway]",
			"user/alice@example.com BillingReadOnly @ the organization <- All Users>everyone[managed by Scaleway]",
			"user/bob@example.com BillingReadOnly @ the organization <- All Users>everyone[managed by Scaleway]",
		}},
		{"nobody", "BillingManager", &Scope{Kind: ScopeOrganization}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, answers(acc.Who(tc.set, tc.on, scopeType))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	for _, tc := range []struct {
		held, asked string
		want        bool
	}{
		{"InstancesFullAccess", "InstancesFullAccess", true},
		{"InstancesFullAccess", "InstancesReadOnly", true},
		{"IAMUserManager", "IAMUserReadOnly", true},
		{"IAMManager", "IAMPolicyManager", true},
		{"AllProductsFullAccess", "ObjectStorageFullAccess", true},
		{"AllProductsReadOnly", "ObjectStorageReadOnly", true},
		{"InstancesReadOnly", "InstancesFullAccess", false},
		{"AllProductsReadOnly", "ObjectStorageFullAccess", false},
		{"AllProductsFullAccess", "IAMManager", false},
		{"OrganizationManager", "IAMManager", false},
		{"IAMUserManager", "IAMManager", false},
	} {
		if got := Covers(tc.held, tc.asked, scopeType); got != tc.want {
			t.Errorf("Covers(%s, %s) = %v, want %v", tc.held, tc.asked, got, tc.want)
		}
	}
}

func TestAdminsShortestPathFirst(t *testing.T) {
	o := explainOrg()
	// bob holds IAMManager directly too: a direct path comes before alice's group path.
	o.Policies = append(o.Policies, policy("bob-iam", model.PrincipalUser, "bob@example.com", orgRule("IAMManager")))
	o.Groups[0].Members.Users = append(o.Groups[0].Members.Users, "bob@example.com")
	got := answers(Effective(o, Options{ScopeType: scopeType, Origins: true}).Admins())
	want := []string{
		"application/ci AllProductsFullAccess @ all projects <- >by-hand[unmanaged]",
		"group/admins IAMManager @ the organization <- >admins-iam[stack security]",
		"user/bob@example.com IAMManager @ the organization <- >bob-iam[unmanaged]; admins>admins-iam[stack security]",
		"user/alice@example.com IAMManager @ the organization <- admins>admins-iam[stack security]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestHoldingAndRender(t *testing.T) {
	acc := Effective(explainOrg(), Options{ScopeType: scopeType, Origins: true})
	h, ok := acc.Holding(Principal{Kind: model.PrincipalUser, Name: "Alice@Example.com"})
	if !ok || len(h.Grants) != 2 {
		t.Fatalf("alice's holding: %v %+v", ok, h)
	}
	if _, ok := acc.Holding(Principal{Kind: model.PrincipalApplication, Name: "nobody"}); ok {
		t.Error("an unknown principal holds something")
	}
	e := &Explanation{FormatVersion: ExplanationFormatVersion, Question: "what does application/ci hold", Source: "organization",
		Answers: acc.Who("InstancesFullAccess", &Scope{Kind: ScopeProject, Project: "production"}, scopeType)}
	var text, md bytes.Buffer
	if err := RenderExplanationText(&text, e); err != nil {
		t.Fatal(err)
	}
	want := `what does application/ci hold (from the organization):

application/ci
  high    AllProductsFullAccess on all projects (includes InstancesFullAccess)
            policy by-hand, rule AllProductsFullAccess @ organization [unmanaged]
  medium  InstancesFullAccess on project production
            policy ci-deploy, rule InstancesFullAccess @ projects:production [stack platform]

1 principal, 2 grants.
`
	if diff := cmp.Diff(want, text.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	if err := RenderExplanationMarkdown(&md, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| **high** | `AllProductsFullAccess` (includes `InstancesFullAccess`) | all projects |  | policy `by-hand`, rule `AllProductsFullAccess @ organization` (unmanaged) |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
