package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// TestExpiringGrants: IAM104 reports a time-boxed rule expiring within the window at its line,
// once when the organization holds the same rule, and not outside the window; a live rule past
// its expiry is IAM104, not drift, although the plan removes it.
func TestExpiringGrants(t *testing.T) {
	body := `
applications: [{name: ci}]
policies:
  - name: ci
    principal: {application: ci}
    rules:
      - permission_sets: [InstancesFullAccess]
        projects: [prod]
        expires_at: 2026-12-02T12:00:00Z
      - permission_sets: [IAMReadOnly]
        organization: true
        expires_at: 2027-01-01
`
	soon := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	desired := load(t, body)
	live := func(now time.Time) *model.Org {
		l := emptyLive()
		l.Applications = []*model.Application{{Meta: model.Meta{ID: "app-ci", Owner: "s"}, Name: "ci"}}
		l.Policies = []*model.Policy{{Meta: model.Meta{ID: "pol-ci", Owner: "s"}, Name: "ci",
			Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci", ID: "app-ci"},
			Rules: []model.Rule{
				{PermissionSets: []string{"InstancesFullAccess"}, Projects: []string{prodID}, Condition: model.WithExpiry("", soon)},
				{PermissionSets: []string{"IAMReadOnly"}, Organization: true, Condition: model.WithExpiry("", later)},
			}}}
		return l
	}
	audit := func(now time.Time, window time.Duration) *Report {
		t.Helper()
		o := opts()
		o.Now, o.GrantExpiringWithin = now, window
		rep, err := Audit(desired, live(now), nil, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	rep := audit(now, 0) // five days before the first expiry, the default window
	if diff := cmp.Diff([]string{"policy/ci iam.yaml:9"}, found(rep, "IAM104")); diff != "" {
		t.Errorf("IAM104 (-want +got):\n%s", diff)
	}
	for _, f := range rep.Findings {
		if f.Code == "IAM104" && (f.Source != FromBoth || f.Msg != "the rule granting InstancesFullAccess to application \"ci\" expires at 2026-12-02T12:00:00Z, in 5 days") {
			t.Errorf("finding %+v", f)
		}
	}
	if got := found(audit(now, 3*24*time.Hour), "IAM104"); len(got) != 0 {
		t.Errorf("a 3-day window reports %v", got)
	}
	if got := found(audit(now, 40*24*time.Hour), "IAM104"); len(got) != 2 {
		t.Errorf("a 40-day window reports %v, want both rules", got)
	}

	// Past the expiry: the live rule is still there (until an apply), reported as expired.
	past := audit(soon.Add(time.Hour), 0)
	var msgs []string
	for _, f := range past.Findings {
		if f.Code == "IAM104" {
			msgs = append(msgs, f.Msg)
		}
		if f.Category() == Drift {
			t.Errorf("an expired rule reads as drift: %v", f)
		}
	}
	want := []string{"the rule granting InstancesFullAccess to application \"ci\" expired at 2026-12-02T12:00:00Z: Scaleway no longer honours it, and the next apply removes it"}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("IAM104 past the expiry (-want +got):\n%s", diff)
	}
}

func TestInWords(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "within a day", 30 * time.Hour: "in 1 day", 14 * 24 * time.Hour: "in 14 days"} {
		if got := inWords(d); !strings.EqualFold(got, want) {
			t.Errorf("inWords(%v) = %q, want %q", d, got, want)
		}
	}
}
