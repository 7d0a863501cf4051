package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

// Run is a whole apply, with every guard around Apply: one run at a time per secrets file
// (the lock), the repair of keys a dead run lost (the pending-keys journal), the stale-plan
// check, conflicts, the mass-deletion guard and the approval. Each guard that stops the run
// returns a *Refusal, which the command line reports with exit code 3; nothing has been
// written when it does. The order is fixed:
//
//  1. take the lock beside the secrets file (waiting for another apply to finish);
//  2. open the organization and plan;
//  3. delete the keys a killed run created but never stored, and plan again if any;
//  4. refuse a saved plan whose manifests or live dependencies changed, then apply it instead;
//  5. refuse a plan with conflicts, then stop if there is nothing to do;
//  6. refuse a mass deletion unless allowed, then ask for approval;
//  7. apply, every key creation announced in the journal first; clear the journal if the run
//     settled every key it created; fold the secrets journal into the secrets file.
//
// A secrets journal a killed run left beside the secrets file is folded into it before step 2.

// Reason says which guard refused a run.
type Reason int

// The guards.
const (
	// StaleManifests: the saved plan was made from other manifests.
	StaleManifests Reason = iota + 1
	// StaleOrganization: a live resource the plan depends on changed since it was made.
	StaleOrganization
	// Conflicts: the plan declares resources this stack may not change.
	Conflicts
	// MassDeletion: the plan deletes too much at once.
	MassDeletion
	// NotApproved: nobody approved the plan (no terminal, or an answer other than yes).
	NotApproved
	// OverQuota: the plan would exceed one of the organization's quotas.
	OverQuota
)

// Refusal is a run stopped by a guard before any write.
type Refusal struct {
	Reason Reason
	Msg    string
	Hint   string
	// Plan is the refused plan, when showing it helps the reader (conflicts, mass deletion).
	Plan *plan.Plan
}

func (r *Refusal) Error() string { return r.Msg }

// hinted is an error that knows the user's next step.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// Hint is the next step for the user.
func (h *hinted) Hint() string { return h.hint }

// Target is the organization a run works on.
type Target interface {
	Writer
	// Plan reads the organization and diffs the manifests against it, with what the secrets
	// store tells (in).
	Plan(ctx context.Context, in PlanInputs) (*plan.Plan, *model.Org, error)
}

// PlanInputs is what only Run knows when it asks for a plan: what the secrets store holds.
type PlanInputs struct {
	// StoredTokens maps a secrets entry to the SCIM token ID it holds (plan.Options.StoredTokens).
	StoredTokens map[string]string
}

// tokenStore is a secrets store that can tell which SCIM token each entry holds
// (live.SecretManager) without reading the bearers.
type tokenStore interface {
	StoredTokens(ctx context.Context) (map[string]string, error)
}

// storedTokens reads which SCIM token each entry of the run's secrets store holds. A secrets
// file that cannot be read is warned about (its writes will fail on their own); the plan then
// pairs tokens by age.
func storedTokens(ctx context.Context, opts RunOptions, warn func(string)) (map[string]string, error) {
	if opts.Secrets != nil {
		if ts, ok := opts.Secrets.(tokenStore); ok {
			return ts.StoredTokens(ctx)
		}
		return nil, nil
	}
	ids, err := secrets.Open(opts.SecretsPath).TokenIDs()
	if err != nil {
		warn(fmt.Sprintf("cannot read which SCIM tokens the secrets file holds (%v); declared tokens are paired with live ones by age", err))
		return nil, nil
	}
	out := make(map[string]string, len(ids))
	for id, name := range ids {
		out[name] = id
	}
	return out, nil
}

// tokenPairingAgrees reports whether two plans pair the declared SCIM tokens with the same live
// ones: they make the same tokens (by name), delete the same (by ID), and replace no token under
// another name. A replacement one plan has and the other lacks is a rotation that fell due (or a
// --rotate) between them, not another pairing.
func tokenPairingAgrees(a, b *plan.Plan) bool {
	type facts struct {
		creates, deletes []string
		replaces         map[string]string // declared name → the live ID it replaces
	}
	of := func(p *plan.Plan) facts {
		f := facts{replaces: map[string]string{}}
		for _, x := range p.Actions {
			if x.Key.Kind != model.KindSCIMToken {
				continue
			}
			switch x.Op {
			case plan.Create:
				f.creates = append(f.creates, x.Key.Name)
			case plan.Delete:
				f.deletes = append(f.deletes, x.ID)
			case plan.Replace:
				f.replaces[x.Key.Name] = x.ID
			}
		}
		slices.Sort(f.creates)
		slices.Sort(f.deletes)
		return f
	}
	fa, fb := of(a), of(b)
	if !slices.Equal(fa.creates, fb.creates) || !slices.Equal(fa.deletes, fb.deletes) {
		return false
	}
	for name, id := range fa.replaces {
		if other, ok := fb.replaces[name]; ok && other != id {
			return false
		}
	}
	return true
}

// RunOptions configure Run.
type RunOptions struct {
	// SecretsPath is the secrets file; the lock and the journal sit beside it.
	SecretsPath string
	// Open connects to the organization. It is called with the lock held, so that two runs
	// never work on one organization (or one local emulator state) at once.
	Open func(ctx context.Context) (Target, error)
	// Saved is the plan to apply, read from a file; nil applies a fresh plan.
	Saved *plan.Plan
	// MaxDeletes and AllowMassDelete set the mass-deletion guard (see MassDelete).
	MaxDeletes      int
	AllowMassDelete bool
	// KeepOld is the grace period of keys a rotation replaces (recorded in the journal).
	KeepOld time.Duration
	// Approve is called with the plan about to be applied. It returns nil to go on, or an
	// error (a *Refusal with NotApproved when the answer was no).
	Approve func(p *plan.Plan) error
	// Warn tells the user something that does not stop the run.
	Warn func(msg string)
	// Secrets stores new keys' credentials; nil means the file at SecretsPath. OpenSecrets,
	// when set, makes it from the target instead, right after Open and before anything is
	// written (a store that cannot be opened stops the run there).
	Secrets     SecretStore
	OpenSecrets OpenSecrets
	// Apply tunes Apply (Parallelism, Progress, IsAmbiguous, Now); Run sets Stack, Live and
	// Secrets itself.
	Apply Options
}

// Outcome is what a run did.
type Outcome struct {
	// Plan is the plan that was applied (or found empty); Live the organization it was made on.
	Plan *plan.Plan
	Live *model.Org
	// Result is nil when there was nothing to do.
	Result *Result
}

// Run applies, behind every guard (see above).
func Run(ctx context.Context, opts RunOptions) (*Outcome, error) {
	warn := opts.Warn
	if warn == nil {
		warn = func(string) {}
	}
	if w := secrets.DirWarning(opts.SecretsPath); w != "" {
		warn(w)
	}
	lock, err := secrets.WaitLock(ctx, opts.SecretsPath, func() {
		warn(fmt.Sprintf("waiting for another iamsync apply using %s to finish", opts.SecretsPath))
	})
	var refused *secrets.UnsafeFileError
	if errors.As(err, &refused) {
		return nil, err // it carries its own hint
	}
	if err != nil {
		return nil, &hinted{err, "the lock file sits beside the secrets file, whose directory must exist and be writable"}
	}
	defer lock.Unlock()
	// A file planted beside the secrets file (or a symlinked secrets file) stops the run here,
	// before anything is read from it or the organization is changed (secrets/private.go).
	if err := secrets.Check(opts.SecretsPath); err != nil {
		return nil, err
	}
	// A run killed after storing secrets in the journal beside the secrets file left them there:
	// fold them in before anything reads the file (secrets/appender.go).
	if err := secrets.Open(opts.SecretsPath).Fold(); err != nil {
		warn(fmt.Sprintf("%v; the secrets stay in the journal, which iamsync reads with the file", err))
	}

	target, err := opts.Open(ctx)
	if err != nil {
		return nil, err
	}
	if opts.OpenSecrets != nil {
		if opts.Secrets, err = opts.OpenSecrets(ctx, target); err != nil {
			return nil, &hinted{err, "nothing was changed; check the secrets store's project and the credentials' rights on it, then run again"}
		}
	}
	stored, err := storedTokens(ctx, opts, warn)
	if err != nil {
		return nil, &hinted{err, "nothing was changed; check the secrets store's project and the credentials' rights on it, then run again"}
	}
	in := PlanInputs{StoredTokens: stored}
	p, live, err := target.Plan(ctx, in)
	if err != nil {
		return nil, err
	}
	n, pending, err := recoverLostKeys(ctx, warn, target, opts.SecretsPath, live, stored)
	if err != nil {
		return nil, &hinted{err, "nothing was applied; fix the cause and run apply again"}
	}
	if n > 0 {
		if p, live, err = target.Plan(ctx, in); err != nil {
			return nil, err
		}
	}
	if s := opts.Saved; s != nil {
		replan := "run 'iamsync plan --out FILE' again and review the new plan"
		if s.Fingerprint.Manifests != p.Fingerprint.Manifests {
			return nil, &Refusal{Reason: StaleManifests, Msg: "the saved plan is stale: the manifests changed since it was made", Hint: replan}
		}
		if s.Fingerprint.Live != p.Fingerprint.Live {
			return nil, &Refusal{Reason: StaleOrganization, Msg: "the saved plan is stale: the organization changed since it was made", Hint: replan}
		}
		if !tokenPairingAgrees(s, p) {
			// 'iamsync plan' pairs SCIM tokens by age; the secrets store knows better.
			return nil, &Refusal{Reason: StaleOrganization, Msg: "the saved plan pairs the SCIM tokens with their secrets entries otherwise than the secrets store does",
				Hint: "apply without the saved plan: apply pairs the tokens by the secrets store, which 'iamsync plan' does not read"}
		}
		p = s
	}
	out := &Outcome{Plan: p, Live: live}
	if len(p.Conflicts) > 0 {
		return out, &Refusal{Reason: Conflicts, Plan: p, Msg: fmt.Sprintf("%d conflict(s) block this plan", len(p.Conflicts)),
			Hint: "adopt the resources (adopt: true, or --adopt), rename them in the manifests, or remove them"}
	}
	if len(p.Actions) == 0 {
		return out, nil
	}
	if len(p.OverQuota) > 0 {
		return out, &Refusal{Reason: OverQuota, Plan: p, Msg: "refusing to apply: " + p.OverQuota[0].String(),
			Hint: "delete what the organization no longer needs, ask Scaleway support to raise the quota, or split the change"}
	}
	if why := MassDelete(p, live, opts.MaxDeletes); why != "" && !opts.AllowMassDelete {
		return out, &Refusal{Reason: MassDeletion, Plan: p, Msg: "refusing to apply: " + why,
			Hint: "if the deletions are intended, run again with --allow-mass-delete (or raise --max-deletes)"}
	}
	if opts.Approve != nil {
		if err := opts.Approve(p); err != nil {
			return out, err
		}
	}
	journal := secrets.JournalFor(opts.SecretsPath)
	defer journal.Close()
	store := opts.Secrets
	if store == nil {
		store = secrets.Open(opts.SecretsPath).Appender()
	} else {
		store = markingStore{inner: store, journal: journal}
	}
	ao := opts.Apply
	ao.Stack, ao.Live, ao.Secrets = p.Stack, live, store
	if ao.Warn == nil {
		ao.Warn = warn
	}
	out.Result = Apply(ctx, newJournalingWriter(target, journal, live, opts.KeepOld), p, ao)
	out.Result.FlushErr = flush(store)
	// The run settled every key it created (stored, or deleted again): the journal has served,
	// unless an orphan is left or a key creation failed (its cleanup may have failed too), in
	// which case the next run checks those keys.
	if len(out.Result.Orphans) == 0 && !keyCreateFailed(out.Result) && !pending {
		if err := journal.Clear(); err != nil {
			warn(err.Error())
		}
	}
	return out, nil
}

// MassDelete says why p deletes too much at once, or "" when it does not: more than max
// resources, or more than a third of what the stack manages. One bad merge (a manifest file
// deleted, a directory renamed) must not empty an organization.
func MassDelete(p *plan.Plan, live *model.Org, max int) string {
	// A replacement (a key's rotation) leaves a resource in place of the one it deletes: only
	// outright deletions count.
	deletes := 0
	for _, a := range p.Actions {
		if a.Op == plan.Delete {
			deletes++
		}
	}
	if deletes == 0 {
		return ""
	}
	managed := 0
	for r := range live.Resources() {
		if m := r.Metadata(); m.Owner == p.Stack && !m.Managed {
			managed++
		}
	}
	switch {
	case deletes > max:
		return fmt.Sprintf("the plan deletes %d resources, more than --max-deletes (%d)", deletes, max)
	case managed >= 3 && deletes*3 > managed:
		return fmt.Sprintf("the plan deletes %d of the %d resources stack %q manages, more than a third", deletes, managed, p.Stack)
	}
	return ""
}

// keyCreateFailed reports whether a key creation (or replacement) failed in res.
func keyCreateFailed(res *Result) bool {
	for _, f := range res.Failed {
		secretBearing := f.Action.Key.Kind == model.KindAPIKey || f.Action.Key.Kind == model.KindSCIMToken
		if secretBearing && (f.Action.Op == plan.Create || f.Action.Op == plan.Replace) {
			return true
		}
	}
	return false
}

// IsRefusal reports whether err is a guard's refusal, and returns it.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// flush finishes a store that buffers durably (secrets.Appender folds its journal into the
// file). The secrets are safe either way; an error means the file does not show them yet.
func flush(store SecretStore) error {
	c, ok := store.(interface{ Close() error })
	if !ok {
		return nil
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("%w; the new keys' secrets are safe in the secrets journal beside it, which the next apply folds in (iamsync reads both meanwhile)", err)
	}
	return nil
}
