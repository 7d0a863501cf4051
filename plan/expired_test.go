package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// TestExpiredRuleDropped: a time-boxed rule is planned as it is up to its expiry, and from the
// instant itself (the compiled clause is a strict request.time < expiry) the plan removes it
// from the live policy and warns, while the manifests' fingerprint stays the same.
func TestExpiredRuleDropped(t *testing.T) {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	desired := &model.Org{Stack: "prod", Applications: []*model.Application{{Name: "ci"}}, Policies: []*model.Policy{{
		Name: "ci", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci"},
		Rules: []model.Rule{
			{PermissionSets: []string{"IAMReadOnly"}, Organization: true},
			{PermissionSets: []string{"InstancesFullAccess"}, Projects: []string{"web"}, Condition: model.WithExpiry("request.user_agent == 'ci'", exp),
				ExpiresAt: &exp, Pos: model.Pos{File: "iam.yaml", Line: 9, Col: 7}},
		},
	}}}
	live := liveFrom(t, desired)

	before := mustDiff(t, desired, live, Options{Now: exp.Add(-time.Second)})
	if !before.Empty() || len(before.Warnings) != 0 {
		t.Fatalf("a second before the expiry, the plan is not empty: %+v", before)
	}

	at := mustDiff(t, desired, live, Options{Now: exp})
	if len(at.Actions) != 1 || at.Actions[0].Op != Update || at.Actions[0].Key.String() != "policy/ci" {
		t.Fatalf("at the expiry, want one update of policy/ci, got %+v", at.Actions)
	}
	ch := at.Actions[0].Changes
	if len(ch) != 1 || ch[0].Field != FieldRules || len(ch[0].Added) != 0 || len(ch[0].Removed) != 1 {
		t.Fatalf("want the one expired rule removed, got %+v", ch)
	}
	if got := at.ValueText(FieldRules, ch[0].Removed[0]); !strings.HasPrefix(got, "InstancesFullAccess @ projects:web if (request.user_agent == 'ci') && request.time") {
		t.Errorf("removed rule is %q", got)
	}
	if got := at.Actions[0].Resource.(*model.Policy).Rules; len(got) != 1 || got[0].PermissionSets[0] != "IAMReadOnly" {
		t.Errorf("the desired policy apply sets still holds the expired rule: %+v", got)
	}
	wantWarn := []Warning{{Key: model.Key{Kind: model.KindPolicy, Name: "ci"}, Pos: model.Pos{File: "iam.yaml", Line: 9, Col: 7},
		Message: "rule InstancesFullAccess @ projects:web if request.user_agent == 'ci' expired at 2026-12-01T00:00:00Z: Scaleway no longer honours it, so the plan leaves it out and apply removes it; delete it from the manifests"}}
	if diff := cmp.Diff(wantWarn, at.Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	if at.Fingerprint.Manifests != before.Fingerprint.Manifests {
		t.Error("the manifests' fingerprint moved with the clock")
	}
	if !before.Access.Empty() || !at.Access.Empty() {
		t.Errorf("an expired grant is no access to lose: before %+v, at %+v", before.Access, at.Access)
	}

	// Once applied (the organization holds only the live rule), the next plan is empty.
	after := mustClone(t, desired)
	after.Policies[0].Rules = after.Policies[0].Rules[:1]
	applied := liveFrom(t, after)
	if p := mustDiff(t, desired, applied, Options{Now: exp.Add(time.Hour)}); len(p.Actions) != 0 {
		t.Errorf("after the removal was applied, the plan still acts: %+v", p.Actions)
	}
}
