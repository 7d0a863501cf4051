package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

// TestReviewsDue: IAM105 reports a rule whose reviewed_until falls within the window (on the
// line of the date: the policy's for a rule without its own) or has passed, and not one further
// ahead; Report.Reviews lists every rule under review with what Options.Recertified says about
// the line of its date, and the note only when there is a review to explain.
func TestReviewsDue(t *testing.T) {
	body := `review: enforce
applications: [{name: ci}]
policies:
  - name: ci
    principal: {application: ci}
    reviewed_until: 2026-12-01
    rules:
      - permission_sets: [InstancesFullAccess]
        projects: [prod]
      - permission_sets: [IAMReadOnly]
        organization: true
        reviewed_until: 2027-06-01
  - name: old
    principal: {application: ci}
    rules:
      - permission_sets: [ProjectReadOnly]
        organization: true
        reviewed_until: 2026-01-01
`
	desired := load(t, body)
	asked := map[int]bool{}
	o := opts()
	o.Recertified = func(pos model.Pos) *Recertification {
		asked[pos.Line] = true
		return &Recertification{Commit: "c0ffee", Author: "Alice", Date: now.Add(-time.Hour)}
	}
	o.RecertifiedNote = "not a git repository"
	rep, err := Audit(desired, emptyLive(), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"policy/ci iam.yaml:8", "policy/old iam.yaml:20"}, found(rep, "IAM105")); diff != "" {
		t.Errorf("IAM105 (-want +got):\n%s", diff)
	}
	for _, f := range rep.Findings {
		switch {
		case f.Code == "IAM105" && f.Key.Name == "ci" && f.Msg != "the rule granting InstancesFullAccess to application ci is approved until 2026-12-01 and falls due for review in 3 days":
			t.Errorf("IAM105 on ci: %q", f.Msg)
		case f.Code == "IAM105" && f.Key.Name == "old" && !strings.HasSuffix(f.Msg, "is due for review: with review: enforce, the next apply removes it"):
			t.Errorf("IAM105 on old: %q", f.Msg)
		}
	}
	var got []string
	for _, r := range rep.Reviews {
		got = append(got, r.Key.String()+" "+r.Rule+" "+r.ReviewedUntil.Format(time.DateOnly)+" "+r.Pos.String()+" due="+boolText(r.Due)+" by="+r.LastRecertified.Author)
	}
	want := []string{
		"policy/ci IAMReadOnly @ organization 2027-06-01 iam.yaml:14:25 due=false by=Alice",
		"policy/ci InstancesFullAccess @ projects:prod 2026-12-01 iam.yaml:8:21 due=false by=Alice",
		"policy/old ProjectReadOnly @ organization 2026-01-01 iam.yaml:20:25 due=true by=Alice",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reviews (-want +got):\n%s", diff)
	}
	if !asked[8] || !asked[14] || !asked[20] || rep.ReviewsNote != "not a git repository" {
		t.Errorf("lines asked %v, note %q", asked, rep.ReviewsNote)
	}

	// Without rules under review, nothing is listed and nothing needs a note.
	rep, err = Audit(load(t, "applications: [{name: ci}]\n"), emptyLive(), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Reviews) != 0 || rep.ReviewsNote != "" || len(found(rep, "IAM105")) != 0 {
		t.Errorf("no review: %+v %q", rep.Reviews, rep.ReviewsNote)
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestCoverageAgreesWithAccess: IAM103 reports a grant as redundant exactly when explain's
// coverage rule (access.Covers, which IAM103 calls) says another grant of the principal holds
// it. One audit of an organization with an application per ordered pair of sets from the
// catalogue, each with two organization-wide policies, checks the rule end to end.
func TestCoverageAgreesWithAccess(t *testing.T) {
	o := opts()
	sets := schema.PermissionSets()
	var names []string
	for _, ps := range sets {
		if strings.HasPrefix(ps.Name, "IAM") || strings.HasPrefix(ps.Name, "AllProducts") || strings.HasPrefix(ps.Name, "Instances") ||
			strings.HasPrefix(ps.Name, "ObjectStorage") || strings.HasPrefix(ps.Name, "Project") {
			names = append(names, ps.Name)
		}
	}
	l := emptyLive()
	want := map[string]bool{}
	i := 0
	for _, a := range names {
		for _, b := range names {
			if a == b {
				continue
			}
			i++
			app := fmt.Sprintf("app-%03d", i)
			l.Applications = append(l.Applications, &model.Application{Meta: model.Meta{ID: "id-" + app}, Name: app})
			for j, set := range []string{a, b} {
				name := fmt.Sprintf("%s-%d", app, j)
				l.Policies = append(l.Policies, &model.Policy{Meta: model.Meta{ID: "id-" + name}, Name: name,
					Principal: model.Principal{Kind: model.PrincipalApplication, Name: app, ID: "id-" + app},
					Rules:     []model.Rule{{PermissionSets: []string{set}, Organization: true}}})
			}
			if access.Covers(a, b, o.ScopeType) {
				want[fmt.Sprintf("policy/%s-1", app)] = true
			}
			if access.Covers(b, a, o.ScopeType) {
				want[fmt.Sprintf("policy/%s-0", app)] = true
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no pair of distinct sets covers another: the comparison proves nothing")
	}
	got := map[string]bool{}
	for _, f := range run(t, load(t, ""), l, nil).Findings {
		if f.Code == "IAM103" {
			got[f.Key.String()] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s: access.Covers says another grant holds it, IAM103 does not report it", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s: IAM103 reports it, access.Covers says nothing covers it", k)
		}
	}
	t.Logf("%d pairs of %d sets, %d redundant grants", i, len(names), len(want))
}
