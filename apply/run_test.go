package apply_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

// The guards of apply.Run, tested without the binary: each refusal is typed, comes before any
// write, and leaves the lock free.

// target plans a fixed manifest set against the emulator, as the command line's does.
type target struct {
	*live.Client
	desired *model.Org
	plans   int
}

func (tg *target) Plan(ctx context.Context, in apply.PlanInputs) (*plan.Plan, *model.Org, error) {
	tg.plans++
	l, err := tg.Read(ctx, live.ReadOptions{RulesFor: model.DependenciesOf(tg.desired).WantsRules})
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.Diff(tg.desired, l, plan.Options{Now: time.Now(), Self: tg.AccessKey, StoredTokens: in.StoredTokens})
	return p, l, err
}

type runEnv struct {
	*env
	secretsPath string
}

func newRunEnv(t *testing.T) *runEnv {
	e := setup(t)
	return &runEnv{env: e, secretsPath: filepath.Join(t.TempDir(), "iamsync.secrets.env")}
}

func (e *runEnv) opts(d *model.Org) (apply.RunOptions, *target) {
	tg := &target{Client: e.client, desired: d}
	return apply.RunOptions{
		SecretsPath: e.secretsPath,
		Open:        func(context.Context) (apply.Target, error) { return tg, nil },
		MaxDeletes:  10,
		Apply:       apply.Options{IsAmbiguous: live.IsAmbiguous},
	}, tg
}

// refused runs opts and requires a refusal for reason with no write made.
func (e *runEnv) refused(t *testing.T, opts apply.RunOptions, reason apply.Reason) *apply.Refusal {
	t.Helper()
	e.emu.ResetCounts()
	_, err := apply.Run(context.Background(), opts)
	r, ok := apply.IsRefusal(err)
	if !ok || r.Reason != reason {
		t.Fatalf("Run: %v, want a refusal with reason %d", err, reason)
	}
	if w := e.emu.Counts().Writes; w != 0 {
		t.Errorf("%d writes before the refusal", w)
	}
	// The lock was released: another run can take it at once.
	l, err := secrets.TryLock(e.secretsPath)
	if err != nil {
		t.Fatalf("the lock is still held after the refusal: %v", err)
	}
	l.Unlock()
	return r
}

func TestRunAppliesAndConverges(t *testing.T) {
	e := newRunEnv(t)
	opts, _ := e.opts(desired())
	approved := 0
	opts.Approve = func(*plan.Plan) error { approved++; return nil }
	out, err := apply.Run(context.Background(), opts)
	if err != nil || out.Result == nil || !out.Result.OK() || len(out.Result.Done) != 4 || approved != 1 {
		t.Fatalf("Run: %+v, %v (approved %d times)", out, err, approved)
	}
	if _, ok, _ := secrets.Open(e.secretsPath).Get("CI"); !ok {
		t.Error("the key's secret is not in the secrets file")
	}
	if _, err := os.Stat(e.secretsPath + ".pending"); !os.IsNotExist(err) {
		t.Errorf("the journal survives a run that settled every key: %v", err)
	}
	// Nothing left: no approval asked, no result, no write.
	e.emu.ResetCounts()
	out, err = apply.Run(context.Background(), opts)
	if err != nil || out.Result != nil || approved != 1 || e.emu.Counts().Writes != 0 {
		t.Errorf("second run: %+v, %v, approved %d, %d writes", out, err, approved, e.emu.Counts().Writes)
	}
}

func TestRunRefusesAStalePlan(t *testing.T) {
	e := newRunEnv(t)
	opts, tg := e.opts(desired())
	saved, _, err := tg.Plan(context.Background(), apply.PlanInputs{})
	if err != nil {
		t.Fatal(err)
	}

	changed := desired()
	changed.Applications[0].Description = "edited after the plan was saved"
	opts, _ = e.opts(changed)
	opts.Saved = saved
	e.refused(t, opts, apply.StaleManifests)

	// The organization moves under a saved plan: an application the plan creates appears.
	opts, _ = e.opts(desired())
	opts.Saved = saved
	if _, err := e.client.CreateApplication(context.Background(), "app", "made by hand", nil); err != nil {
		t.Fatal(err)
	}
	r := e.refused(t, opts, apply.StaleOrganization)
	if !strings.Contains(r.Hint, "plan --out") {
		t.Errorf("hint %q does not say to plan again", r.Hint)
	}
}

func TestRunRefusesConflicts(t *testing.T) {
	e := newRunEnv(t)
	if _, err := e.client.CreateApplication(context.Background(), "app", "nobody's", nil); err != nil {
		t.Fatal(err)
	}
	opts, _ := e.opts(desired())
	opts.Approve = func(*plan.Plan) error { t.Error("a plan with conflicts was offered for approval"); return nil }
	r := e.refused(t, opts, apply.Conflicts)
	if r.Plan == nil || len(r.Plan.Conflicts) == 0 {
		t.Errorf("the refusal does not carry the plan to show: %+v", r)
	}
}

func TestRunRefusesMassDeletion(t *testing.T) {
	e := newRunEnv(t)
	opts, _ := e.opts(desired())
	if _, err := apply.Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	empty := &model.Org{Stack: desired().Stack}
	opts, _ = e.opts(empty)
	e.refused(t, opts, apply.MassDeletion)

	opts.AllowMassDelete = true
	out, err := apply.Run(context.Background(), opts)
	if err != nil || !out.Result.OK() {
		t.Fatalf("with AllowMassDelete: %+v, %v", out, err)
	}
}

func TestRunStopsWhenNotApproved(t *testing.T) {
	e := newRunEnv(t)
	opts, _ := e.opts(desired())
	opts.Approve = func(*plan.Plan) error { return &apply.Refusal{Reason: apply.NotApproved} }
	e.refused(t, opts, apply.NotApproved)
}

func TestRunWaitsForTheLock(t *testing.T) {
	e := newRunEnv(t)
	held, err := secrets.TryLock(e.secretsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	opts, tg := e.opts(desired())
	warned := ""
	opts.Warn = func(msg string) { warned = msg }
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = apply.Run(ctx, opts)
	if !errors.Is(err, context.DeadlineExceeded) || tg.plans != 0 {
		t.Fatalf("Run while another holds the lock: %v (planned %d times)", err, tg.plans)
	}
	if !strings.Contains(warned, "waiting for another iamsync apply") {
		t.Errorf("no warning about the wait: %q", warned)
	}
}

// A run killed between a key's creation and the secrets write leaves a journal entry; the next
// run deletes that key (its secret is lost), plans again, and makes a key whose secret it stores.
func TestRunRepairsAKeyADeadRunLost(t *testing.T) {
	e := newRunEnv(t)
	ctx := context.Background()
	opts, _ := e.opts(desired())
	if _, err := apply.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	stored, _, _ := secrets.Open(e.secretsPath).Get("CI")
	// Simulate the dead run: it announced a creation, made the key and died before storing it.
	l, _ := e.client.Read(ctx, live.ReadOptions{})
	var appID string
	for _, a := range l.Applications {
		if a.Name == "app" {
			appID = a.ID
		}
	}
	desc := model.KeyDescription("", desired().Stack, "ci")
	if err := secrets.JournalFor(e.secretsPath).Add(secrets.Intent{ApplicationID: appID, Description: desc, Exclude: []string{stored.AccessKey}, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lost, _, err := e.client.CreateAPIKey(ctx, appID, desc, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	opts.Warn = func(msg string) { warnings = append(warnings, msg) }
	out, err := apply.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "deleted API key "+lost) {
		t.Errorf("no warning about the lost key: %q", warnings)
	}
	after, _ := e.client.Read(ctx, live.ReadOptions{})
	for _, k := range after.APIKeys {
		if k.ID == lost {
			t.Errorf("the key whose secret was lost survives")
		}
	}
	if out.Result != nil {
		t.Errorf("the stored key was kept, nothing should remain to do: %+v", out.Result.Done)
	}
}

// A run killed after storing a key's secret in the secrets journal (before the fold) lost
// nothing: the next run folds the journal into the file before anything else, so the key is
// stored, kept, and nothing is left to do.
func TestRunFoldsASecretsJournalADeadRunLeft(t *testing.T) {
	e := newRunEnv(t)
	ctx := context.Background()
	noKeys := desired()
	noKeys.APIKeys = nil
	opts, _ := e.opts(noKeys)
	if _, err := apply.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	// The dead run: announce, create, store through the journal, die.
	l, _ := e.client.Read(ctx, live.ReadOptions{})
	var appID string
	for _, a := range l.Applications {
		if a.Name == "app" {
			appID = a.ID
		}
	}
	desc := model.KeyDescription("", desired().Stack, "ci")
	if err := secrets.JournalFor(e.secretsPath).Add(secrets.Intent{ApplicationID: appID, Description: desc, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	ak, sk, err := e.client.CreateAPIKey(ctx, appID, desc, "", &expires)
	if err != nil {
		t.Fatal(err)
	}
	a := secrets.Open(e.secretsPath).Appender()
	if err := a.PutAll(map[string]secrets.Credentials{"UNRELATED": {AccessKey: "SCWUNRELATEDUNRELATE", SecretKey: secrets.New("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := a.PutAll(map[string]secrets.Credentials{"CI": {AccessKey: ak, SecretKey: sk}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(secrets.JournalPath(e.secretsPath)); err != nil {
		t.Fatalf("the dead run left no secrets journal: %v", err)
	}
	opts, _ = e.opts(desired())
	e.emu.ResetCounts()
	out, err := apply.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result != nil || e.emu.Counts().Writes != 0 {
		t.Fatalf("the stored key was not kept: %d writes, result %+v", e.emu.Counts().Writes, out.Result)
	}
	if _, err := os.Stat(secrets.JournalPath(e.secretsPath)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the secrets journal survived the next run: %v", err)
	}
	raw, err := os.ReadFile(e.secretsPath)
	if err != nil || !strings.Contains(string(raw), sk.Reveal()) || !strings.Contains(string(raw), ak) {
		t.Fatalf("the secrets file itself does not hold the folded entry (%v)", err)
	}
}

// With a store other than the secrets file (Secret Manager), a dead run's key is told stored
// by the journal's mark: kept when marked, deleted and made again when not.
func TestRunRecoversKeysStoredElsewhere(t *testing.T) {
	e := newRunEnv(t)
	ctx := context.Background()
	d := desired()
	d.APIKeys = append(d.APIKeys, &model.APIKey{Application: "app", Name: "ops", Secret: "OPS", ExpiresIn: 24 * time.Hour})
	opts, _ := e.opts(d)
	opts.OpenSecrets = func(ctx context.Context, t apply.Target) (apply.SecretStore, error) {
		return e.client.SecretManager(ctx, "", d.Stack)
	}
	if _, err := apply.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.secretsPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a secrets file was written with Secret Manager as the store: %v", err)
	}
	l, _ := e.client.Read(ctx, live.ReadOptions{})
	var appID string
	var before []string
	for _, a := range l.Applications {
		if a.Name == "app" {
			appID = a.ID
		}
	}
	for _, k := range l.APIKeys {
		before = append(before, k.ID)
	}
	sm, err := e.client.SecretManager(ctx, "", d.Stack)
	if err != nil {
		t.Fatal(err)
	}
	// Two dead runs' traces: a third key stored and marked, a fourth created and never stored.
	journal := secrets.JournalFor(e.secretsPath)
	expires := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	dead := func(name string, store bool) string {
		desc := model.KeyDescription("", d.Stack, name)
		if err := journal.Add(secrets.Intent{ApplicationID: appID, Description: desc, Exclude: before, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		ak, sk, err := e.client.CreateAPIKey(ctx, appID, desc, "", &expires)
		if err != nil {
			t.Fatal(err)
		}
		if store {
			if err := sm.PutAll(map[string]secrets.Credentials{strings.ToUpper(name): {AccessKey: ak, SecretKey: sk}}); err != nil {
				t.Fatal(err)
			}
			if err := journal.MarkStored(ak); err != nil {
				t.Fatal(err)
			}
		}
		return ak
	}
	kept := dead("kept", true)
	lost := dead("lost", false)
	journal.Close()
	d.APIKeys = append(d.APIKeys,
		&model.APIKey{Application: "app", Name: "kept", Secret: "KEPT", ExpiresIn: 24 * time.Hour},
		&model.APIKey{Application: "app", Name: "lost", Secret: "LOST", ExpiresIn: 24 * time.Hour})
	opts, _ = e.opts(d)
	opts.OpenSecrets = func(ctx context.Context, t apply.Target) (apply.SecretStore, error) {
		return e.client.SecretManager(ctx, "", d.Stack)
	}
	var warnings []string
	opts.Warn = func(m string) { warnings = append(warnings, m) }
	out, err := apply.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "deleted API key "+lost) || strings.Contains(strings.Join(warnings, "\n"), kept) {
		t.Fatalf("recovery warnings %q: want %s deleted and %s kept", warnings, lost, kept)
	}
	if out.Result == nil || len(out.Result.Done) != 1 || out.Result.Done[0].Action.Key.Name != "lost" {
		t.Fatalf("want exactly the lost key made again, got %+v", out.Result)
	}
	after, _ := e.client.Read(ctx, live.ReadOptions{})
	found := false
	for _, k := range after.APIKeys {
		found = found || k.ID == kept
	}
	if !found {
		t.Fatal("the key stored in Secret Manager by the dead run was deleted")
	}
}

// withSCIM applies desired() with SCIM set up and no token; it returns the manifests and the
// SCIM configuration's ID.
func withSCIM(t *testing.T) (*runEnv, *model.Org, string) {
	e := newRunEnv(t)
	d := desired()
	d.SCIM = &model.SCIM{Enabled: true}
	opts, _ := e.opts(d)
	if _, err := apply.Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil || l.SCIM == nil {
		t.Fatalf("SCIM is not set up: %v", err)
	}
	return e, d, l.SCIM.ID
}

// A SCIM token made by a run that died before storing its bearer has no name to tell it by:
// the journal's intent (the SCIM configuration, the tokens there before) is how the next run
// finds it, deletes it and makes the declared token again with its bearer stored. Without the
// journal the plan would take the orphan for the declared token and the bearer would be lost.
func TestRunRepairsASCIMTokenADeadRunLost(t *testing.T) {
	e, d, scimID := withSCIM(t)
	ctx := context.Background()
	// The dead run: announce, create, die before the bearer reaches the secrets file.
	if err := secrets.JournalFor(e.secretsPath).Add(secrets.Intent{SCIMID: scimID, Description: "SCIM token", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lost, _, _, err := e.client.CreateSCIMToken(ctx, scimID)
	if err != nil {
		t.Fatal(err)
	}
	d.SCIMTokens = []*model.SCIMToken{{Name: "okta"}}
	opts, _ := e.opts(d)
	var warnings []string
	opts.Warn = func(msg string) { warnings = append(warnings, msg) }
	if _, err := apply.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(warnings, "\n"), "deleted SCIM token "+lost) {
		t.Errorf("no warning about the lost token: %q", warnings)
	}
	stored, ok, err := secrets.Open(e.secretsPath).Get("SCIM_TOKEN_OKTA")
	if err != nil || !ok {
		t.Fatalf("no bearer stored: %v", err)
	}
	after, _ := e.client.Read(ctx, live.ReadOptions{})
	if len(after.SCIMTokens) != 1 || after.SCIMTokens[0].ID != stored.TokenID || stored.TokenID == lost {
		var ids []string
		for _, tk := range after.SCIMTokens {
			ids = append(ids, tk.ID)
		}
		t.Errorf("live tokens %v, want only the stored %s (the lost one was %s)", ids, stored.TokenID, lost)
	}
	if !e.emu.SCIMTokenActive(stored.BearerToken.Reveal()) {
		t.Error("the stored bearer does not authenticate")
	}
	if _, err := os.Stat(e.secretsPath + ".pending"); !os.IsNotExist(err) {
		t.Errorf("the journal survives a run that settled every token: %v", err)
	}
}

// A dead run's token whose bearer did reach the secrets file is kept, like a stored key.
func TestRunKeepsASCIMTokenADeadRunStored(t *testing.T) {
	e, d, scimID := withSCIM(t)
	ctx := context.Background()
	if err := secrets.JournalFor(e.secretsPath).Add(secrets.Intent{SCIMID: scimID, Description: "SCIM token", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	id, _, bearer, err := e.client.CreateSCIMToken(ctx, scimID)
	if err != nil {
		t.Fatal(err)
	}
	if err := secrets.Open(e.secretsPath).PutAll(map[string]secrets.Credentials{"SCIM_TOKEN_OKTA": {TokenID: id, BearerToken: bearer}}); err != nil {
		t.Fatal(err)
	}
	d.SCIMTokens = []*model.SCIMToken{{Name: "okta"}}
	opts, _ := e.opts(d)
	e.emu.ResetCounts()
	out, err := apply.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result != nil || e.emu.Counts().Writes != 0 {
		t.Errorf("the stored token was not kept: %d writes", e.emu.Counts().Writes)
	}
}

// 'iamsync plan' pairs SCIM tokens by age; apply pairs them by the secrets store. A saved plan
// whose pairing the store contradicts is refused, not applied to the wrong entry.
func TestRunRefusesASavedPlanThatPairsTokensOtherwise(t *testing.T) {
	e := newRunEnv(t)
	ctx := context.Background()
	d := desired()
	d.SCIM = &model.SCIM{Enabled: true}
	d.SCIMTokens = []*model.SCIMToken{{Name: "okta"}}
	opts, _ := e.opts(d)
	if _, err := apply.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	// A second token: by age, the live one is "backup"'s (first in name order) and okta's is
	// made; the secrets file says the live one is okta's.
	d.SCIMTokens = []*model.SCIMToken{{Name: "backup"}, {Name: "okta"}}
	opts, tg := e.opts(d)
	saved, _, err := tg.Plan(ctx, apply.PlanInputs{})
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Actions) != 1 || saved.Actions[0].Key.Name != "okta" {
		t.Fatalf("the saved plan does %v, want okta's token made (pairing by age)", saved.Actions)
	}
	opts.Saved = saved
	r := e.refused(t, opts, apply.StaleOrganization)
	if !strings.Contains(r.Msg, "SCIM tokens") {
		t.Errorf("refusal %q does not name the SCIM tokens", r.Msg)
	}
	// Without the saved plan, apply makes backup's token and okta's entry keeps its own.
	opts.Saved = nil
	before, _, _ := secrets.Open(e.secretsPath).Get("SCIM_TOKEN_OKTA")
	out, err := apply.Run(ctx, opts)
	if err != nil || out.Result == nil || len(out.Result.Done) != 1 || out.Result.Done[0].Action.Key.Name != "backup" {
		t.Fatalf("apply: %v, %+v", err, out)
	}
	after, _, _ := secrets.Open(e.secretsPath).Get("SCIM_TOKEN_OKTA")
	if after.TokenID != before.TokenID {
		t.Errorf("okta's entry moved from %s to %s", before.TokenID, after.TokenID)
	}
}

// With Secret Manager as the store, a dead run's SCIM token is told stored by the journal's
// mark (kept) or not (deleted and made again), and the declared tokens are paired by the token
// ID each secret's latest version names.
func TestRunRecoversSCIMTokensStoredElsewhere(t *testing.T) {
	e := newRunEnv(t)
	ctx := context.Background()
	d := desired()
	d.SCIM = &model.SCIM{Enabled: true}
	withSM := func(opts apply.RunOptions) apply.RunOptions {
		opts.OpenSecrets = func(ctx context.Context, t apply.Target) (apply.SecretStore, error) {
			return e.client.SecretManager(ctx, "", d.Stack)
		}
		return opts
	}
	opts, _ := e.opts(d)
	if _, err := apply.Run(ctx, withSM(opts)); err != nil {
		t.Fatal(err)
	}
	l, _ := e.client.Read(ctx, live.ReadOptions{})
	sm, err := e.client.SecretManager(ctx, "", d.Stack)
	if err != nil {
		t.Fatal(err)
	}
	journal := secrets.JournalFor(e.secretsPath)
	// Two dead runs: the first stored its token in Secret Manager and marked it, the second
	// made one and died before storing it.
	var ids []string
	for _, store := range []bool{true, false} {
		if err := journal.Add(secrets.Intent{SCIMID: l.SCIM.ID, Description: "SCIM token", Exclude: ids, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		id, _, bearer, err := e.client.CreateSCIMToken(ctx, l.SCIM.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		if store {
			if err := sm.PutAll(map[string]secrets.Credentials{"SCIM_TOKEN_OKTA": {TokenID: id, BearerToken: bearer}}); err != nil {
				t.Fatal(err)
			}
			if err := journal.MarkStored(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	journal.Close()
	kept, lost := ids[0], ids[1]
	d.SCIMTokens = []*model.SCIMToken{{Name: "backup"}, {Name: "okta"}}
	opts, _ = e.opts(d)
	var warnings []string
	opts.Warn = func(m string) { warnings = append(warnings, m) }
	out, err := apply.Run(ctx, withSM(opts))
	if err != nil {
		t.Fatal(err)
	}
	said := strings.Join(warnings, "\n")
	if !strings.Contains(said, "deleted SCIM token "+lost) || strings.Contains(said, kept) {
		t.Fatalf("recovery warnings %q: want %s deleted and %s kept", warnings, lost, kept)
	}
	// By age, "backup" (first by name) would take the kept token; its secret says it is okta's.
	if out.Result == nil || len(out.Result.Done) != 1 || out.Result.Done[0].Action.Key.Name != "backup" {
		t.Fatalf("want backup's token made, got %+v", out.Result)
	}
	if sm, err = e.client.SecretManager(ctx, "", d.Stack); err != nil {
		t.Fatal(err)
	}
	stored, err := sm.StoredTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := e.client.Read(ctx, live.ReadOptions{})
	liveIDs := map[string]bool{}
	for _, tk := range after.SCIMTokens {
		liveIDs[tk.ID] = true
	}
	if stored["SCIM_TOKEN_OKTA"] != kept || !liveIDs[kept] || !liveIDs[stored["SCIM_TOKEN_BACKUP"]] || len(after.SCIMTokens) != 2 {
		t.Errorf("stored %v, live %v: want okta's the kept %s and backup's the new one", stored, liveIDs, kept)
	}
}
