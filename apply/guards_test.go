package apply

import (
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

func TestMassDelete(t *testing.T) {
	live := &model.Org{}
	for i := 0; i < 12; i++ {
		live.Applications = append(live.Applications, &model.Application{Meta: model.Meta{Owner: "s"}})
	}
	live.Applications = append(live.Applications, &model.Application{Meta: model.Meta{Owner: "other"}})
	actions := func(op plan.Op, n int) []plan.Action {
		var out []plan.Action
		for i := 0; i < n; i++ {
			out = append(out, plan.Action{Op: op})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		actions []plan.Action
		max     int
		want    string
	}{
		{"none", nil, 10, ""},
		{"a third", actions(plan.Delete, 4), 10, ""},
		{"more than a third", actions(plan.Delete, 5), 10, "5 of the 12 resources"},
		{"more than max", actions(plan.Delete, 3), 2, "more than --max-deletes (2)"},
		{"rotations are not deletions", actions(plan.Replace, 8), 10, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MassDelete(&plan.Plan{Stack: "s", Actions: tc.actions}, live, tc.max)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("MassDelete = %q, want %q", got, tc.want)
			}
		})
	}
}

// A saved plan is refused when the store pairs SCIM tokens otherwise, not when a rotation fell
// due (or was asked for) between the plan and the apply.
func TestTokenPairingAgrees(t *testing.T) {
	tok := func(op plan.Op, name, id string) plan.Action {
		return plan.Action{Op: op, Key: model.Key{Kind: model.KindSCIMToken, Name: name}, ID: id}
	}
	base := []plan.Action{tok(plan.Delete, "t-3", "t-3"), tok(plan.Create, "backup", "")}
	for _, tc := range []struct {
		name  string
		fresh []plan.Action
		want  bool
	}{
		{"the same", base, true},
		{"a rotation only the saved plan has", base[:2:2], true},
		{"another token made", []plan.Action{tok(plan.Delete, "t-3", "t-3"), tok(plan.Create, "okta", "")}, false},
		{"another token deleted", []plan.Action{tok(plan.Delete, "t-1", "t-1"), tok(plan.Create, "backup", "")}, false},
		{"okta's rotation replaces another token", append(base[:2:2], tok(plan.Replace, "okta", "t-2")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved := &plan.Plan{Actions: append(base[:2:2], tok(plan.Replace, "okta", "t-1"))}
			if got := tokenPairingAgrees(saved, &plan.Plan{Actions: tc.fresh}); got != tc.want {
				t.Errorf("tokenPairingAgrees = %v, want %v", got, tc.want)
			}
		})
	}
}
