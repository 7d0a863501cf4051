package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamsync/iamsync/model"
)

// Settling twins once per phase (issue 11). Two applies on two machines (no local lock sees
// both) read the same organization and both create what is missing; creation order settles it
// without a lock: of this stack's resources with the name (for API keys: of the application's
// keys carrying the key's marker), the earliest created is kept, and every later creator
// deletes its own and takes the winner's ID. A creator sees every earlier creation when it
// lists after its own create, so every later one finds it lost; the winner may not see later
// ones, but it has nothing to do (RELIABILITY.md, "Locking").
//
// Until issue 11 each create was followed by its own name-filtered list: two calls per create.
// Now the creations of a phase (one kind) are settled together when the phase ends, before the
// next phase names them: with one list of the whole kind (live.Client.ListAll, which sees every
// resource created before it starts, even while the other run deletes its losers), or, when
// fewer calls, one lookup per name. The rule is the same; what moved is when it runs:
//
//   - a later phase only ever sees winners' IDs, as before;
//   - a key's secret is stored before the settlement (it must be durable before the next action
//     runs), so a key that loses is deleted after its secret was stored: its entry is then
//     removed from the secrets store again (Forget), which leaves the store as before, where the
//     loser stored nothing. The winner's secret is in the winning run's store;
//   - a group that loses has had its members set on the copy deleted; the winner's run sets
//     them on the winner, and a later plan converges either way;
//   - a run killed between a create and its phase's settlement leaves a twin (not a loss) that
//     the next plan reports, as a failed settlement step always did. Only a second runner
//     applying the same stack at the same moment can make one.

// lister lists a whole kind (live.Client.ListAll); Writers without it are settled by name.
type lister interface {
	ListAll(ctx context.Context, kind model.Kind) ([]model.Found, error)
}

// forgetter is a secrets store that can take back an entry it was given.
type forgetter interface {
	Forget(name, accessKey string) error
}

// ListAll passes the wrapped Writer's list through (the journal only watches key creations).
func (w journalingWriter) ListAll(ctx context.Context, kind model.Kind) ([]model.Found, error) {
	if l, ok := w.Writer.(lister); ok {
		return l.ListAll(ctx, kind)
	}
	return nil, errors.ErrUnsupported
}

// made is a creation waiting for its phase's settlement.
type made struct {
	key    model.Key
	parent string // API keys: the application ID
	id     string
	// API keys: the marker description, the key being replaced (never a twin).
	desc, replaced string
	// The secrets entry written before the phase ended (a key's pair, a member's initial
	// password) and what it holds: the access key, or the member's email.
	secret, holds string
}

func (r *runner) made(m made) {
	r.mu.Lock()
	r.unsettled = append(r.unsettled, m)
	r.mu.Unlock()
}

// settlePhase settles the phase's creations (all of one kind) against one read of the kind.
func (r *runner) settlePhase(ctx context.Context) {
	r.mu.Lock()
	batch := r.unsettled
	r.unsettled = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	found, err := r.lookup(ctx, batch)
	if err != nil {
		r.warn(fmt.Sprintf("could not check whether another apply created the same %ss at the same time (%v): if it did, the next plan reports the twins", batch[0].key.Kind, err))
		return
	}
	for _, m := range batch {
		r.settleOne(ctx, m, found)
	}
}

// lookup reads what the batch is settled against: the whole kind in one list when that is
// fewer calls than one lookup per name (per application for keys), else those lookups.
func (r *runner) lookup(ctx context.Context, batch []made) ([]model.Found, error) {
	kind := batch[0].key.Kind
	names := map[string]bool{}
	for _, m := range batch {
		if kind == model.KindAPIKey {
			names[m.parent] = true
		} else {
			names[m.key.Name] = true
		}
	}
	known := len(batch)
	if r.opts.Live != nil {
		for range r.opts.Live.ResourcesOf(kind) {
			known++
		}
	}
	listCalls := (known+99)/100 + 1 // ListAll reads page 1 twice
	if l, ok := r.w.(lister); ok && listCalls < len(names) {
		found, err := l.ListAll(ctx, kind)
		if !errors.Is(err, errors.ErrUnsupported) {
			return found, err
		}
	}
	var out []model.Found
	for n := range names {
		name, parent := n, ""
		if kind == model.KindAPIKey {
			name, parent = "", n
		}
		found, err := r.w.Find(ctx, kind, name, parent)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			if kind == model.KindAPIKey {
				f.Parent = parent
			} else {
				f.Name = name
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// settleOne keeps m or hands over to an earlier twin among found (see above). When a step
// fails, m is kept: a twin the next plan reports, never a loss.
func (r *runner) settleOne(ctx context.Context, m made, found []model.Found) {
	var twins []model.Found
	for _, f := range found {
		if m.key.Kind == model.KindAPIKey {
			if f.Parent == m.parent && f.Description == m.desc && f.ID != m.replaced && !r.going[f.ID] {
				twins = append(twins, f)
			}
		} else if f.Name == m.key.Name && (r.ours(f) || f.ID == m.id) {
			twins = append(twins, f)
		}
	}
	w, ok := winner(twins, func(model.Found) bool { return true })
	if !ok || w.ID == m.id {
		return
	}
	if err := r.delete(ctx, m.key.Kind, m.id); err != nil {
		r.warn(fmt.Sprintf("%s: another apply created it too, earlier (%s); deleting this run's copy %s failed (%v): the next plan reports the twin", m.key, w.ID, m.id, err))
		return
	}
	r.ids.set(m.key, w.ID)
	r.mu.Lock()
	for i := range r.res.Done {
		if ev := &r.res.Done[i]; ev.Action.Key == m.key && ev.ID == m.id {
			ev.ID = w.ID
			if m.secret != "" {
				ev.Secret = ""
			}
		}
	}
	r.mu.Unlock()
	msg := fmt.Sprintf("%s: another apply created it too, earlier: this run's copy %s was deleted and %s kept", m.key, m.id, w.ID)
	if m.secret != "" {
		msg += "; its credentials are in that apply's secrets store, not this one's"
		what := "key"
		if m.key.Kind == model.KindUser {
			what = "member"
		}
		if ferr := r.forget(m.secret, m.holds); ferr != nil {
			msg += fmt.Sprintf(" (removing entry %s, which holds the credentials of the deleted %s %s, failed: %v)", m.secret, what, m.id, ferr)
		} else {
			msg += fmt.Sprintf(" (entry %s, written for the deleted %s, was removed)", m.secret, what)
		}
	}
	r.warn(msg)
}

// forget takes back the secrets entry name, if the store can and it still holds holds.
func (r *runner) forget(name, holds string) error {
	fg, ok := r.opts.Secrets.(forgetter)
	if !ok {
		return errors.New("this secrets store cannot take an entry back")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return fg.Forget(name, holds)
}

func (r *runner) warn(msg string) {
	if r.opts.Warn != nil {
		r.mu.Lock()
		r.opts.Warn(msg)
		r.mu.Unlock()
	}
}
