package plan

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// reviewedOrg is a stack whose application holds IAMReadOnly (never reviewed) and
// InstancesFullAccess on web, approved until until.
func reviewedOrg(until time.Time, enforce bool) *model.Org {
	return &model.Org{Stack: "prod", Review: model.Review{Enforce: enforce}, Applications: []*model.Application{{Name: "ci"}}, Policies: []*model.Policy{{
		Name: "ci", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci"},
		Rules: []model.Rule{
			{PermissionSets: []string{"IAMReadOnly"}, Organization: true},
			{PermissionSets: []string{"InstancesFullAccess"}, Projects: []string{"web"}, ReviewedUntil: &until,
				Pos: model.Pos{File: "iam.yaml", Line: 9, Col: 7}, ReviewPos: model.Pos{File: "iam.yaml", Line: 12, Col: 25}},
		},
	}}}
}

// TestReviewDue: before its reviewed_until a rule is recertified and the plan is empty; from
// the date on it is due: reported (review: report) without any action, or (review: enforce)
// removed from the policy, with the loss in the access review. The manifests' fingerprint does
// not move with the clock, and reviewed_until never reaches the resource apply sets.
func TestReviewDue(t *testing.T) {
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	key := model.Key{Kind: model.KindPolicy, Name: "ci"}
	pos := model.Pos{File: "iam.yaml", Line: 9, Col: 7}
	rec := func(state RecertificationState) []Recertification {
		return []Recertification{{Key: key, Principal: "application ci", Rule: "InstancesFullAccess @ projects:web", ReviewedUntil: until, State: state, Pos: pos}}
	}
	for _, enforce := range []bool{false, true} {
		desired := reviewedOrg(until, enforce)
		live := liveFrom(t, desired)

		before := mustDiff(t, desired, live, Options{Now: until.Add(-time.Second)})
		if !before.Empty() || len(before.Warnings) != 0 {
			t.Fatalf("enforce=%v: a second before the date, the plan is not empty: %+v", enforce, before)
		}
		if diff := cmp.Diff(rec(Recertified), before.Recertifications); diff != "" {
			t.Errorf("enforce=%v: recertifications before the date (-want +got):\n%s", enforce, diff)
		}

		at := mustDiff(t, desired, live, Options{Now: until})
		if at.Fingerprint.Manifests != before.Fingerprint.Manifests {
			t.Errorf("enforce=%v: the manifests' fingerprint moved with the clock", enforce)
		}
		if len(at.Warnings) != 1 || !strings.Contains(at.Warnings[0].Message, "approved until 2026-12-01 and is due for review") || at.Warnings[0].Pos != pos {
			t.Fatalf("enforce=%v: want one due warning at the rule, got %+v", enforce, at.Warnings)
		}
		if !enforce {
			if !at.Empty() || !at.Access.Empty() {
				t.Errorf("review: report changes nothing, got %+v", at.Actions)
			}
			if diff := cmp.Diff(rec(ReviewDue), at.Recertifications); diff != "" {
				t.Errorf("recertifications at the date (-want +got):\n%s", diff)
			}
			continue
		}
		if diff := cmp.Diff(rec(ReviewRemoved), at.Recertifications); diff != "" {
			t.Errorf("recertifications at the date (-want +got):\n%s", diff)
		}
		if len(at.Actions) != 1 || at.Actions[0].Op != Update {
			t.Fatalf("review: enforce: want one update of policy/ci, got %+v", at.Actions)
		}
		rules := at.Actions[0].Resource.(*model.Policy).Rules
		if len(rules) != 1 || rules[0].PermissionSets[0] != "IAMReadOnly" || rules[0].ReviewedUntil != nil {
			t.Errorf("the policy apply sets: %+v", rules)
		}
		if at.Access.Summary.Lost != 1 || at.Access.Changes[0].Lost[0].PermissionSet != "InstancesFullAccess" {
			t.Errorf("the access review does not show the loss: %+v", at.Access)
		}
		var saved bytes.Buffer
		if err := at.WriteJSON(&saved); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&saved)
		if err != nil {
			t.Fatalf("a saved plan with recertifications does not read back: %v", err)
		}
		if diff := cmp.Diff(at.Recertifications, back.Recertifications); diff != "" {
			t.Errorf("recertifications after a JSON round trip (-want +got):\n%s", diff)
		}
		var md bytes.Buffer
		if err := RenderMarkdown(&md, at); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"**removed: due for review since 2026-12-01 (review: enforce)**", "InstancesFullAccess"} {
			if !strings.Contains(md.String(), want) {
				t.Errorf("the Markdown plan lacks %q:\n%s", want, md.String())
			}
		}

		// Once applied, the next plan is empty: the rule stays out.
		after := mustClone(t, desired)
		after.Policies[0].Rules = after.Policies[0].Rules[:1]
		if p := mustDiff(t, desired, liveFrom(t, after), Options{Now: until.Add(time.Hour)}); len(p.Actions) != 0 {
			t.Errorf("after the removal was applied, the plan still acts: %+v", p.Actions)
		}
	}
}

// TestRecertifiedText: a plan lists each rule under review as recertified until its date,
// whatever the clock (a zero clock judges nothing due).
func TestRecertifiedText(t *testing.T) {
	until := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	desired := reviewedOrg(until, true)
	p := mustDiff(t, desired, liveFrom(t, desired), Options{})
	var b bytes.Buffer
	if err := RenderText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "Access reviews (1):\n  recertified until 2027-06-01  policy/ci: application ci, InstancesFullAccess @ projects:web (iam.yaml:9:7)\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("text plan lacks %q:\n%s", want, b.String())
	}
}
