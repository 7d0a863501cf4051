package access_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/schema"
	"github.com/iamsync/iamsync/secrets"
)

// The whole chain, as a plan will run it: manifests (with a time-boxed rule) loaded by the real
// loader, applied to the emulator, read back by the live reader. The compiled expiry must read
// back verbatim (no change planned), a converged organization must show no access change, and
// a membership change must show exactly the one high-risk gain.

const roundTripManifest = `version: 1
stack: s
applications:
  - name: ci
groups:
  - name: admins
    members: {users: [Alice@example.com]}
policies:
  - name: ci-deploy
    principal: {application: ci}
    rules:
      - permission_sets: [InstancesFullAccess]
        projects: [default]
        condition: request.user_agent.contains("terraform/")
        expires_at: 2027-03-01T12:00:00+01:00
      - permission_sets: [IAMReadOnly]
        organization: true
        expires_at: 2027-03-01
  - name: admins-iam
    principal: {group: admins}
    rules:
      - permission_sets: [IAMManager]
        organization: true
`

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func scopeType(set string) string {
	ps, ok := schema.LookupPermissionSet(set)
	if !ok {
		return ""
	}
	return string(ps.ScopeType)
}

func load(t *testing.T, text string) *model.Org {
	t.Helper()
	l := schema.Loader{Now: now}
	o, ds := l.LoadFiles([]schema.File{{Name: "iam.yaml", Data: []byte(text)}})
	if ds.HasErrors() || o == nil {
		t.Fatalf("load: %v", ds)
	}
	return o
}

func TestRoundTripThroughTheEmulator(t *testing.T) {
	ctx := context.Background()
	emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	o := emu.Owner()
	url := emu.URL()
	client, err := live.New(live.Config{
		Explicit: &scw.Profile{APIURL: &url, AccessKey: &o.AccessKey, SecretKey: &o.SecretKey, DefaultOrganizationID: &o.OrganizationID},
		Retry:    live.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func() *model.Org {
		t.Helper()
		l, err := client.Read(ctx, live.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	desired := load(t, roundTripManifest)
	before := read()
	p, err := plan.Diff(desired, before, plan.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	res := apply.Apply(ctx, client, p, apply.Options{Stack: "s", Live: before, Secrets: secrets.Open(filepath.Join(t.TempDir(), "s.env")), IsAmbiguous: live.IsAmbiguous})
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}

	after := read()
	if p, err := plan.Diff(desired, after, plan.Options{Now: now}); err != nil || !p.Empty() {
		t.Fatalf("the applied organization does not converge (err %v): %+v", err, p)
	}
	var compiled []string
	for _, pol := range after.Policies {
		for _, r := range pol.Rules {
			if exp, ok := r.Expiry(); ok {
				compiled = append(compiled, r.Condition)
				if want := time.Date(2027, 3, 1, 11, 0, 0, 0, time.UTC); strings.Contains(r.Condition, "terraform") && !exp.Equal(want) {
					t.Errorf("live expiry %v, want %v", exp, want)
				}
			}
		}
	}
	if len(compiled) != 2 || !strings.Contains(strings.Join(compiled, "\n"), `(request.user_agent.contains("terraform/")) && request.time < timestamp("2027-03-01T11:00:00Z")`) {
		t.Errorf("live conditions do not carry the compiled expiry: %q", compiled)
	}

	opts := access.Options{ScopeType: scopeType, Now: now}
	if rep := access.Diff(after, access.Projected(after, desired), opts); !rep.Empty() {
		t.Errorf("a converged organization shows access changes: %+v", rep.Changes)
	}
	// Renaming a policy is a delete and a create for the plan, and no change of access.
	renamed := load(t, strings.Replace(roundTripManifest, "name: admins-iam", "name: iam-for-admins", 1))
	if rep := access.Diff(after, access.Projected(after, renamed), opts); !rep.Empty() {
		t.Errorf("a policy rename shows access changes: %+v", rep.Changes)
	}
	// ci joins admins: it gains IAMManager, high, through the group.
	joined := load(t, strings.Replace(roundTripManifest, "members: {users: [Alice@example.com]}", "members: {applications: [ci], users: [Alice@example.com]}", 1))
	rep := access.Diff(after, access.Projected(after, joined), opts)
	if rep.Gains(access.High) != 1 || rep.Summary.Gained != 1 || rep.Summary.Lost != 0 || len(rep.Changes) != 1 {
		t.Fatalf("joining the admins group: %+v", rep)
	}
	c := rep.Changes[0]
	g := c.Gained[0]
	if c.Principal.String() != "application/ci" || g.PermissionSet != "IAMManager" || g.Scope.Kind != access.ScopeOrganization ||
		len(g.Paths) != 1 || g.Paths[0].Group != "admins" || g.Paths[0].Policy != "admins-iam" || g.Paths[0].Pos.Line != 22 {
		t.Errorf("the gain is not IAMManager on the organization through group admins (iam.yaml:22): %+v", c)
	}
}
