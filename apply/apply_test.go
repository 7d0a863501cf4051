package apply_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

type env struct {
	emu     *emulator.Server
	client  *live.Client
	secrets *secrets.File
}

func setup(t *testing.T) *env {
	t.Helper()
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
	return &env{emu: emu, client: client, secrets: secrets.Open(filepath.Join(t.TempDir(), "s.env"))}
}

func desired() *model.Org {
	return &model.Org{
		Stack:        "s",
		Applications: []*model.Application{{Name: "app"}},
		Groups:       []*model.Group{{Name: "grp", Members: model.Members{Applications: []string{"app"}, Users: []string{"alice@example.com"}}}},
		Policies: []*model.Policy{{Name: "pol", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "grp"},
			Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}},
		APIKeys: []*model.APIKey{{Application: "app", Name: "ci", Secret: "CI", ExpiresIn: 24 * time.Hour}},
	}
}

// run plans desired against the live organization and applies it.
func (e *env) run(t *testing.T, ctx context.Context, d *model.Org) (*apply.Result, *plan.Plan) {
	t.Helper()
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Diff(d, l, plan.Options{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res := apply.Apply(ctx, e.client, p, apply.Options{Stack: d.Stack, Live: l, Secrets: e.secrets, IsAmbiguous: live.IsAmbiguous})
	return res, p
}

func (e *env) converged(t *testing.T, d *model.Org) {
	t.Helper()
	_, p := e.run(t, context.Background(), d)
	if !p.Empty() {
		t.Errorf("not converged: %+v", p.Actions)
	}
}

func countNamed(t *testing.T, e *env, kind model.Kind, name string) int {
	t.Helper()
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	switch kind {
	case model.KindApplication:
		for _, a := range l.Applications {
			if a.Name == name {
				n++
			}
		}
	case model.KindAPIKey:
		for _, k := range l.APIKeys {
			if k.Application == "app" && k.Name == name {
				n++
			}
		}
	}
	return n
}

func TestApplyConverges(t *testing.T) {
	e := setup(t)
	res, _ := e.run(t, context.Background(), desired())
	if !res.OK() || len(res.Done) != 4 {
		t.Fatalf("apply: done %d, failed %+v, skipped %d", len(res.Done), res.Failed, len(res.Skipped))
	}
	e.converged(t, desired())
	c, ok, err := e.secrets.Get("CI")
	if err != nil || !ok || !strings.HasPrefix(c.AccessKey, "SCW") {
		t.Fatalf("secret CI: %v %v %v", c.AccessKey, ok, err)
	}
}

// A create whose response is lost after the API committed it is found, not repeated.
func TestLostCreateResponseMakesNoTwin(t *testing.T) {
	e := setup(t)
	e.emu.FailNext("POST /iam/v1alpha1/applications", emulator.FaultLostResponse, 1)
	res, _ := e.run(t, context.Background(), desired())
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if n := countNamed(t, e, model.KindApplication, "app"); n != 1 {
		t.Errorf("%d applications named app, want 1", n)
	}
	e.converged(t, desired())
}

// A key whose create response is lost has a secret nobody will ever see: it is deleted and a
// new key made, whose secret is stored.
func TestLostKeyResponseLeavesNoKeyWithoutSecret(t *testing.T) {
	e := setup(t)
	e.emu.FailNext("POST /iam/v1alpha1/api-keys", emulator.FaultLostResponse, 1)
	res, _ := e.run(t, context.Background(), desired())
	if !res.OK() {
		t.Fatalf("apply failed: %+v", res.Failed)
	}
	if n := countNamed(t, e, model.KindAPIKey, "ci"); n != 1 {
		t.Errorf("%d keys app/ci, want 1", n)
	}
	c, ok, err := e.secrets.Get("CI")
	if err != nil || !ok {
		t.Fatalf("secret CI: %v %v", ok, err)
	}
	o := e.emu.Owner()
	client, _ := scw.NewClient(scw.WithAPIURL(e.emu.URL()), scw.WithAuth(c.AccessKey, c.SecretKey.Reveal()), scw.WithDefaultOrganizationID(o.OrganizationID))
	if _, err := iam.NewAPI(client).GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: c.AccessKey}); err != nil {
		var denied *scw.DeniedAuthenticationError
		if ok := asDenied(err, &denied); ok {
			t.Errorf("the stored secret does not authenticate: %v", err)
		}
	}
	e.converged(t, desired())
}

func asDenied(err error, target **scw.DeniedAuthenticationError) bool {
	d, ok := err.(*scw.DeniedAuthenticationError)
	if ok {
		*target = d
	}
	return ok
}

// 429s and 503s on every route are retried to success.
func TestRetriesThrottlingAndUnavailability(t *testing.T) {
	e := setup(t)
	e.emu.SetFaults(emulator.Faults{Seed: 7, Rate: 0.3, Kinds: []emulator.FaultKind{emulator.Fault429, emulator.Fault503, emulator.Fault409}, RetryAfter: time.Millisecond})
	res, _ := e.run(t, context.Background(), desired())
	e.emu.SetFaults(emulator.Faults{})
	if !res.OK() {
		t.Fatalf("apply failed under faults: %+v", res.Failed)
	}
	if st := e.client.Stats(); st.Retries == 0 {
		t.Error("no retry happened: the faults were not injected")
	}
	e.converged(t, desired())
}

// An interrupted run starts nothing new and says so; a later run converges.
func TestInterruptStartsNothing(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, p := e.run(t, ctx, desired())
	if !res.Interrupted || len(res.Done) != 0 || len(res.Skipped) != len(p.Actions) {
		t.Fatalf("interrupted run: done %d, skipped %d of %d, interrupted %v", len(res.Done), len(res.Skipped), len(p.Actions), res.Interrupted)
	}
	if n := e.emu.Counts().Writes; n != 0 {
		t.Errorf("%d writes after the interrupt", n)
	}
	res, _ = e.run(t, context.Background(), desired())
	if !res.OK() {
		t.Fatal(res.Failed)
	}
	e.converged(t, desired())
}

// A failed phase stops the run before the phases that depend on it.
func TestFailedPhaseStopsLaterPhases(t *testing.T) {
	e := setup(t)
	// The create is tried three times (each a 500 the API did not execute), then reported.
	e.emu.FailNext("POST /iam/v1alpha1/groups", emulator.Fault500, 3)
	res, _ := e.run(t, context.Background(), desired())
	if len(res.Failed) != 1 || res.Failed[0].Action.Key.Kind != model.KindGroup {
		t.Fatalf("failed = %+v", res.Failed)
	}
	for _, a := range res.Skipped {
		if a.Key.Kind == model.KindApplication || a.Key.Kind == model.KindGroup {
			t.Errorf("%s was skipped but its phase ran", a.Key)
		}
	}
	if len(res.Skipped) != 2 {
		t.Errorf("skipped %d actions, want the key and the policy", len(res.Skipped))
	}
	e.emu.SetFaults(emulator.Faults{})
	res, _ = e.run(t, context.Background(), desired())
	if !res.OK() {
		t.Fatal(res.Failed)
	}
	e.converged(t, desired())
}

// Emptying a group removes its members one by one: set-members with two empty lists was never
// recorded against the real API.
func TestEmptyingAGroupRemovesMembersOneByOne(t *testing.T) {
	e := setup(t)
	if res, _ := e.run(t, context.Background(), desired()); !res.OK() {
		t.Fatal(res.Failed)
	}
	d := desired()
	d.Groups[0].Members = model.Members{}
	e.emu.ResetCounts()
	res, _ := e.run(t, context.Background(), d)
	if !res.OK() {
		t.Fatal(res.Failed)
	}
	c := e.emu.Counts()
	if got := c.ByRoute["POST /iam/v1alpha1/groups/{id}/remove-member"].Writes; got != 2 {
		t.Errorf("remove-member calls = %d, want 2 (by route: %v)", got, c.ByRoute)
	}
	if got := c.ByRoute["PUT /iam/v1alpha1/groups/{id}/members"].Writes; got != 0 {
		t.Errorf("set-members calls = %d, want 0", got)
	}
	e.converged(t, d)
}

// Group names are unique (scaleway-sdk-go, CreateGroupRequest): a group made with the plan's
// name after the plan is refused with 409. If this stack made it (a concurrent apply), apply
// takes it; if not, the create fails and says to plan again. Nothing is made twice.
func TestGroupNameTakenAfterThePlan(t *testing.T) {
	for _, ours := range []bool{true, false} {
		t.Run(fmt.Sprintf("ours=%v", ours), func(t *testing.T) {
			e := setup(t)
			ctx := context.Background()
			d := desired()
			l, err := e.client.Read(ctx, live.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Diff(d, l, plan.Options{Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			var tags []string
			if ours {
				tags = []string{model.OwnerTag(d.Stack)}
			}
			// As a concurrent apply of the same manifests would make it.
			if _, err := e.client.CreateGroup(ctx, "grp", "", tags); err != nil {
				t.Fatal(err)
			}
			res := apply.Apply(ctx, e.client, p, apply.Options{Stack: d.Stack, Live: l, Secrets: e.secrets,
				IsAmbiguous: live.IsAmbiguous, IsAlreadyExists: live.IsAlreadyExists})
			after, _ := e.client.Read(ctx, live.ReadOptions{})
			n := 0
			for _, g := range after.Groups {
				if g.Name == "grp" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d groups named grp", n)
			}
			if ours {
				if !res.OK() {
					t.Fatalf("apply failed: %v", res.Failed)
				}
				e.converged(t, d)
				return
			}
			if res.OK() || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Error(), "run plan again") {
				t.Errorf("apply over a name taken by nobody's group: %+v", res.Failed)
			}
		})
	}
}
