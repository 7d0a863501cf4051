package access

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// changes lists a report as "+ PRINCIPAL GRANT" / "- PRINCIPAL GRANT" lines.
func changes(r *Report) []string {
	var out []string
	for _, c := range r.Changes {
		for _, g := range c.Gained {
			out = append(out, "+ "+c.Principal.String()+" "+grantString(g))
		}
		for _, g := range c.Lost {
			out = append(out, "- "+c.Principal.String()+" "+grantString(g))
		}
	}
	return out
}

func baseOrg() *model.Org {
	return &model.Org{
		Applications: []*model.Application{app("ci"), app("web")},
		Groups:       []*model.Group{group("admins", []string{"web"}, nil), group("ops", []string{"ci"}, []string{"bob@example.com"})},
		Policies: []*model.Policy{
			policy("admins-iam", model.PrincipalGroup, "admins", orgRule("IAMManager")),
			policy("ops", model.PrincipalGroup, "ops", orgRule("IAMReadOnly", "BillingReadOnly"), projRule([]string{"web", "data"}, "InstancesFullAccess", "ObjectStorageReadOnly")),
		},
	}
}

func TestDiffRenameAndReorderAreNotAccessChanges(t *testing.T) {
	after := baseOrg()
	after.Policies[0].Name = "iam-admins" // rename
	after.Policies[1].Name = "operations"
	r := &after.Policies[1].Rules
	(*r)[0].PermissionSets = []string{"BillingReadOnly", "IAMReadOnly"} // reorder sets
	(*r)[1].Projects = []string{"data", "web"}                          // reorder projects
	(*r)[0], (*r)[1] = (*r)[1], (*r)[0]                                 // reorder rules
	after.Policies[0], after.Policies[1] = after.Policies[1], after.Policies[0]
	// Split one rule in two: the same grants by another path.
	after.Policies = append(after.Policies, policy("ops-extra", model.PrincipalGroup, "ops", orgRule("IAMReadOnly")))
	rep := Diff(baseOrg(), after, opts)
	if !rep.Empty() {
		t.Errorf("a rename, a reordering and a redundant rule show as access changes:\n%q", changes(rep))
	}
	if rep.Gains(Low) != 0 || rep.Summary != (Summary{}) {
		t.Errorf("summary of an empty diff: %+v", rep.Summary)
	}
}

func TestDiffMembershipGainIsFlaggedHigh(t *testing.T) {
	after := baseOrg()
	after.Groups[0].Members.Applications = []string{"ci", "web"} // ci joins admins
	rep := Diff(baseOrg(), after, opts)
	if diff := cmp.Diff([]string{"+ application/ci high IAMManager @ the organization <- group admins > admins-iam"}, changes(rep)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if rep.Gains(High) != 1 || rep.Summary.HighestGained != High || rep.Summary.GainedHigh != 1 || rep.Summary.Principals != 1 {
		t.Errorf("summary %+v, high gains %d", rep.Summary, rep.Gains(High))
	}
}

func TestDiffGainsAndLosses(t *testing.T) {
	after := baseOrg()
	after.Groups[1].Members.Users = nil                                  // bob leaves ops
	after.Policies[1].Rules[1].Projects = []string{"web", "data", "ml"}  // ops gains ml
	after.Policies[1].Rules[0].Condition = "request.ip == '203.0.113.7'" // narrowed: lost + gained
	after.Policies = append(after.Policies, policy("spare", model.PrincipalNone, "", orgRule("IAMManager")))
	rep := Diff(baseOrg(), after, opts)
	want := []string{
		"+ application/ci medium InstancesFullAccess @ project ml <- group ops > ops",
		"+ application/ci low BillingReadOnly @ the organization if request.ip == '203.0.113.7' <- group ops > ops",
		"+ application/ci low IAMReadOnly @ the organization if request.ip == '203.0.113.7' <- group ops > ops",
		"+ application/ci low ObjectStorageReadOnly @ project ml <- group ops > ops",
		"- application/ci low BillingReadOnly @ the organization <- group ops > ops",
		"- application/ci low IAMReadOnly @ the organization <- group ops > ops",
		"+ group/ops medium InstancesFullAccess @ project ml <- ops",
		"+ group/ops low BillingReadOnly @ the organization if request.ip == '203.0.113.7' <- ops",
		"+ group/ops low IAMReadOnly @ the organization if request.ip == '203.0.113.7' <- ops",
		"+ group/ops low ObjectStorageReadOnly @ project ml <- ops",
		"- group/ops low BillingReadOnly @ the organization <- ops",
		"- group/ops low IAMReadOnly @ the organization <- ops",
		"- user/bob@example.com medium InstancesFullAccess @ project data <- group ops > ops",
		"- user/bob@example.com medium InstancesFullAccess @ project web <- group ops > ops",
		"- user/bob@example.com low BillingReadOnly @ the organization <- group ops > ops",
		"- user/bob@example.com low IAMReadOnly @ the organization <- group ops > ops",
		"- user/bob@example.com low ObjectStorageReadOnly @ project data <- group ops > ops",
		"- user/bob@example.com low ObjectStorageReadOnly @ project web <- group ops > ops",
	}
	if diff := cmp.Diff(want, changes(rep)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"spare"}, rep.Unattached); diff != "" {
		t.Errorf("unattached (-want +got):\n%s", diff)
	}
	wantSum := Summary{Principals: 3, Gained: 8, Lost: 10, GainedMedium: 2, GainedLow: 6, HighestGained: Medium}
	if rep.Summary != wantSum {
		t.Errorf("summary %+v, want %+v", rep.Summary, wantSum)
	}
	if rep.Gains(High) != 0 || rep.Gains(Medium) != 2 || rep.Gains(Low) != 8 {
		t.Errorf("Gains: high %d medium %d low %d", rep.Gains(High), rep.Gains(Medium), rep.Gains(Low))
	}
}

// A plan compares the live organization (IDs, principals with IDs, project IDs) with the
// manifests (names): a freshly applied organization must show no change of access.
func TestDiffLiveAgainstDesiredResolvesIDsAndProjects(t *testing.T) {
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	boxed := projRule([]string{"web"}, "InstancesFullAccess")
	boxed.ExpiresAt = &until
	boxed.Condition = model.WithExpiry("request.ip == '203.0.113.7'", until)
	desired := &model.Org{
		Stack:        "prod",
		Applications: []*model.Application{app("ci")},
		Groups:       []*model.Group{group("ops", []string{"ci"}, []string{"Alice@Example.com"})},
		Policies: []*model.Policy{
			policy("ops", model.PrincipalGroup, "ops", boxed),
			{Name: "by-id", Principal: model.Principal{Kind: model.PrincipalUser, ID: "u-1"}, Rules: []model.Rule{orgRule("IAMReadOnly")}},
		},
	}
	liveBoxed := projRule([]string{"p-web"}, "InstancesFullAccess")
	liveBoxed.Condition = boxed.Condition // the API echoes it verbatim
	live := &model.Org{
		Applications: []*model.Application{{Meta: model.Meta{ID: "a-1", Owner: "prod"}, Name: "ci"}},
		Groups:       []*model.Group{{Meta: model.Meta{ID: "g-1", Owner: "prod"}, Name: "ops", Members: model.Members{Applications: []string{"ci"}, Users: []string{"alice@example.com"}}}},
		Policies: []*model.Policy{
			{Meta: model.Meta{ID: "p-1", Owner: "prod"}, Name: "ops", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "ops", ID: "g-1"}, Rules: []model.Rule{liveBoxed}},
			{Meta: model.Meta{ID: "p-2", Owner: "prod"}, Name: "by-id", Principal: model.Principal{Kind: model.PrincipalUser, Name: "bob@example.com", ID: "u-1"}, Rules: []model.Rule{orgRule("IAMReadOnly")}},
		},
		Projects: []*model.Project{{Meta: model.Meta{ID: "p-web"}, Name: "web"}},
		Users:    []*model.User{{Meta: model.Meta{ID: "u-1"}, Email: "bob@example.com"}, {Meta: model.Meta{ID: "u-2"}, Email: "alice@example.com"}},
	}
	if rep := Diff(live, Projected(live, desired), opts); !rep.Empty() {
		t.Errorf("a converged organization shows access changes:\n%q", changes(rep))
	}
	// And the same comparison still sees a real change.
	desired.Groups[0].Members.Users = nil
	rep := Diff(live, Projected(live, desired), opts)
	if diff := cmp.Diff([]string{
		"- user/alice@example.com medium InstancesFullAccess @ project web if request.ip == '203.0.113.7' until 2026-12-01T00:00:00Z <- group ops > ops",
	}, changes(rep)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestProjectedKeepsWhatTheStackDoesNotOwn(t *testing.T) {
	live := &model.Org{
		Groups: []*model.Group{
			{Meta: model.Meta{ID: "g-1", Owner: "prod"}, Name: "ops", Members: model.Members{Applications: []string{"old"}}},
			{Meta: model.Meta{ID: "g-2", Owner: "other"}, Name: "theirs", Members: model.Members{Applications: []string{"ci"}}},
			{Meta: model.Meta{ID: "g-3"}, Name: "handmade", Members: model.Members{Applications: []string{"ci"}}},
			{Meta: model.Meta{ID: "g-4"}, Name: "adopted", Members: model.Members{Applications: []string{"x"}}},
			{Meta: model.Meta{ID: "g-5", Managed: true, Owner: "prod"}, Name: "vendor"},
		},
		Policies: []*model.Policy{
			{Meta: model.Meta{ID: "p-1", Owner: "prod"}, Name: "dropped", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "ops"}, Rules: []model.Rule{orgRule("IAMManager")}},
			{Meta: model.Meta{ID: "p-2", Owner: "other"}, Name: "theirs", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "theirs"}, Rules: []model.Rule{orgRule("IAMReadOnly")}},
		},
	}
	desired := &model.Org{Stack: "prod", Groups: []*model.Group{
		group("ops", []string{"ci"}, nil),
		{Meta: model.Meta{Adopt: true}, Name: "adopted", Members: model.Members{Applications: []string{"y"}}},
	}}
	got := Projected(live, desired)
	var gs []string
	for _, g := range got.Groups {
		gs = append(gs, g.Name+":"+strings.Join(g.Members.Applications, ","))
	}
	if diff := cmp.Diff([]string{"theirs:ci", "handmade:ci", "vendor:", "ops:ci", "adopted:y"}, gs); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	var ps []string
	for _, p := range got.Policies {
		ps = append(ps, p.Name)
	}
	if diff := cmp.Diff([]string{"theirs"}, ps); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	if live.Groups[0].Members.Applications[0] != "old" {
		t.Error("Projected changed its input")
	}
}

func TestReportJSONFieldNames(t *testing.T) {
	after := baseOrg()
	after.Groups[0].Members.Applications = []string{"ci", "web"}
	b, err := json.Marshal(Diff(baseOrg(), after, opts))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format_version", "summary", "changes", "unattached_policies"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON report lacks %q: %s", k, b)
		}
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("the report does not read back: %v", err)
	}
	if rep.Changes[0].Gained[0].Tier != High || rep.Summary.HighestGained != High {
		t.Errorf("tiers do not round-trip: %s", b)
	}
}
