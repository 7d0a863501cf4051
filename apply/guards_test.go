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
