package apply_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// Settlement once per phase (apply/settle.go): another run's earlier creation of the same
// resource wins, this run's copy is deleted, and what comes later uses the winner's ID.

// racedApply plans d against the organization as it is, lets other (another run) act on it,
// then applies the stale plan, as a second machine's apply would.
func (e *env) racedApply(t *testing.T, d *model.Org, other func(api *iam.API, l *model.Org)) (*apply.Result, []string) {
	t.Helper()
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Diff(d, l, plan.Options{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	o := e.emu.Owner()
	sdk, err := scw.NewClient(scw.WithAPIURL(e.emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	other(iam.NewAPI(sdk), l)
	var warnings []string
	store := e.secrets.Appender()
	res := apply.Apply(context.Background(), e.client, p, apply.Options{Stack: d.Stack, Live: l, Secrets: store,
		IsAmbiguous: live.IsAmbiguous, IsAlreadyExists: live.IsAlreadyExists, Warn: func(m string) { warnings = append(warnings, m) }})
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	return res, warnings
}

func TestEarlierTwinWinsAndLaterPhasesUseIt(t *testing.T) {
	e := setup(t)
	d := desired()
	d.APIKeys = nil
	var twin string
	res, warnings := e.racedApply(t, d, func(api *iam.API, _ *model.Org) {
		a, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "app", OrganizationID: e.emu.OrganizationID(), Tags: []string{model.OwnerTag(d.Stack)}})
		if err != nil {
			t.Fatal(err)
		}
		twin = a.ID
	})
	if !res.OK() {
		t.Fatalf("apply: %+v", res.Failed)
	}
	l, _ := e.client.Read(context.Background(), live.ReadOptions{})
	var apps []string
	for _, a := range l.Applications {
		if a.Name == "app" {
			apps = append(apps, a.ID)
		}
	}
	if len(apps) != 1 || apps[0] != twin {
		t.Fatalf("applications named app: %v, want only the earlier twin %s", apps, twin)
	}
	// The group created in the next phase has the winner as member.
	for _, g := range l.Groups {
		if g.Name == "grp" && (len(g.Members.Applications) != 1 || g.Members.Applications[0] != "app") {
			t.Fatalf("group members %v, want the surviving app", g.Members.Applications)
		}
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "application/app: another apply created it too, earlier") {
		t.Errorf("no warning about the twin: %q", warnings)
	}
	for _, ev := range res.Done {
		if ev.Action.Key.Kind == model.KindApplication && ev.ID != twin {
			t.Errorf("the report gives the deleted copy's ID %s, want %s", ev.ID, twin)
		}
	}
	e.converged(t, d)
}

// A key that loses is deleted after its secret was stored: its entry is taken back, so the
// secrets file is as if this run had stored nothing (the winner's secret is in its own run's).
func TestLosingKeyIsDeletedAndItsEntryForgotten(t *testing.T) {
	e := setup(t)
	d := desired()
	if res, _ := e.run(t, context.Background(), &model.Org{Stack: d.Stack, Applications: d.Applications}); !res.OK() {
		t.Fatalf("first apply: %+v", res.Failed)
	}
	var twin string
	res, warnings := e.racedApply(t, d, func(api *iam.API, l *model.Org) {
		var appID string
		for _, a := range l.Applications {
			if a.Name == "app" {
				appID = a.ID
			}
		}
		expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
		k, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &appID, Description: model.KeyDescription("", d.Stack, "ci"), ExpiresAt: &expires})
		if err != nil {
			t.Fatal(err)
		}
		twin = k.AccessKey
	})
	if !res.OK() {
		t.Fatalf("apply: %+v", res.Failed)
	}
	if n := countNamed(t, e, model.KindAPIKey, "ci"); n != 1 {
		t.Fatalf("%d keys app/ci, want 1 (the earlier twin)", n)
	}
	if _, ok, err := e.secrets.Get("CI"); ok || err != nil {
		t.Fatalf("entry CI for the deleted key is still in the secrets file (err %v)", err)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "entry CI, written for the deleted key, was removed") {
		t.Errorf("no warning about the removed entry: %q", warnings)
	}
	l, _ := e.client.Read(context.Background(), live.ReadOptions{})
	for _, k := range l.APIKeys {
		if k.Name == "ci" && k.ID != twin {
			t.Fatalf("the surviving key is %s, want the earlier twin %s", k.ID, twin)
		}
	}
}

// The point of it: creating many resources costs one write each plus a few list pages per
// kind, not a list per create.
func TestApplyAtAboutOneCallPerCreate(t *testing.T) {
	e := setup(t)
	d := &model.Org{Stack: "s"}
	for i := 0; i < 150; i++ {
		app := fmt.Sprintf("app-%03d", i)
		d.Applications = append(d.Applications, &model.Application{Name: app})
		d.APIKeys = append(d.APIKeys, &model.APIKey{Application: app, Name: "k", Secret: fmt.Sprintf("K%03d", i)})
		d.Policies = append(d.Policies, &model.Policy{Name: "pol-" + app, Principal: model.Principal{Kind: model.PrincipalApplication, Name: app},
			Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}})
	}
	d.Normalize()
	o := e.emu.Owner()
	url := e.emu.URL()
	fast, err := live.New(live.Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &o.AccessKey, SecretKey: &o.SecretKey,
		DefaultOrganizationID: &o.OrganizationID}, Retry: live.RetryPolicy{RatePerSec: -1}})
	if err != nil {
		t.Fatal(err)
	}
	e.client = fast
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Diff(d, l, plan.Options{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e.emu.ResetCounts()
	res := apply.Apply(context.Background(), e.client, p, apply.Options{Stack: d.Stack, Live: l, Secrets: e.secrets.Appender(), IsAmbiguous: live.IsAmbiguous})
	if !res.OK() || len(res.Done) != 450 {
		t.Fatalf("apply: %d done, failed %+v", len(res.Done), res.Failed)
	}
	c := e.emu.Counts()
	// Per kind: page 1, then pages 2 down to 1 (applications 151: 2 pages; keys 151: 2; policies 150: 2).
	if c.Writes != 450 || c.Reads != 3*3 {
		t.Fatalf("%d writes and %d reads for 450 creates, want 450 and 9 (by route: %v)", c.Writes, c.Reads, c.ByRoute)
	}
	e.converged(t, d)
}

// Group names are unique: the second run's create is refused (409), and it takes the group the
// first run made instead of failing.
func TestRefusedGroupCreateTakesTheOtherRunsGroup(t *testing.T) {
	e := setup(t)
	d := desired()
	var twin string
	res, warnings := e.racedApply(t, d, func(api *iam.API, _ *model.Org) {
		g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "grp", OrganizationID: e.emu.OrganizationID(), Tags: []string{model.OwnerTag(d.Stack)}})
		if err != nil {
			t.Fatal(err)
		}
		twin = g.ID
	})
	if !res.OK() {
		t.Fatalf("apply: %+v", res.Failed)
	}
	l, _ := e.client.Read(context.Background(), live.ReadOptions{})
	for _, g := range l.Groups {
		if g.Name == "grp" && (g.ID != twin || len(g.Members.Applications) != 1 || len(g.Members.Users) != 1) {
			t.Fatalf("group grp %s with members %+v, want the other run's %s with this run's members", g.ID, g.Members, twin)
		}
	}
	_ = warnings
	e.converged(t, d)
}
