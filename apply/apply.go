// Package apply carries out a plan against the live organization through a Writer, routing
// every new API key's secret to the secrets store before anything else happens, and reports
// what was done, what failed and what was left undone.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

// Writer is what apply needs from the API. live.Client implements it; IDs are resolved before
// any call.
type Writer interface {
	CreateApplication(ctx context.Context, name, description string, tags []string) (string, error)
	UpdateApplication(ctx context.Context, id, description string, tags []string) error
	DeleteApplication(ctx context.Context, id string) error
	CreateGroup(ctx context.Context, name, description string, tags []string) (string, error)
	UpdateGroup(ctx context.Context, id, description string, tags []string) error
	SetGroupMembers(ctx context.Context, id string, userIDs, applicationIDs []string) error
	RemoveGroupMember(ctx context.Context, id, userID, applicationID string) error
	DeleteGroup(ctx context.Context, id string) error
	CreatePolicy(ctx context.Context, p *model.Policy, tags []string) (string, error)
	UpdatePolicy(ctx context.Context, id string, p *model.Policy, tags []string) error
	SetRules(ctx context.Context, policyID string, rules []model.Rule) error
	DeletePolicy(ctx context.Context, id string) error
	CreateAPIKey(ctx context.Context, applicationID, description, defaultProjectID string, expiresAt *time.Time) (string, secrets.Value, error)
	UpdateAPIKey(ctx context.Context, accessKey, description, defaultProjectID string) error
	DeleteAPIKey(ctx context.Context, accessKey string) error
	CreateUser(ctx context.Context, u *model.User, tags []string, password secrets.Value) (string, error)
	UpdateUser(ctx context.Context, id string, u *model.User, tags []string) error
	UpdateUsername(ctx context.Context, id, username string) error
	SetUserLocked(ctx context.Context, id string, locked bool) error
	// ListSessions and DeleteSession list and end a member's console sessions (offboarding).
	ListSessions(ctx context.Context, userID string) ([]string, error)
	DeleteSession(ctx context.Context, jti string) error
	DeleteUser(ctx context.Context, id string) error
	CreateSSHKey(ctx context.Context, name, publicKey, projectID string) (string, error)
	UpdateSSHKey(ctx context.Context, id, name string, disabled bool) error
	DeleteSSHKey(ctx context.Context, id string) error
	UpdateSecuritySettings(ctx context.Context, s *model.SecuritySettings) error
	// The identity federation (federation.go).
	EnableSAML(ctx context.Context) (string, error)
	UpdateSAML(ctx context.Context, id, entityID, ssoURL string) error
	SetSAMLCertificates(ctx context.Context, id string, pems []string) error
	DeleteSAML(ctx context.Context, id string) error
	EnableSCIM(ctx context.Context) (string, error)
	DeleteSCIM(ctx context.Context, id string) error
	CreateSCIMToken(ctx context.Context, scimID string) (id string, expiresAt *time.Time, bearer secrets.Value, err error)
	DeleteSCIMToken(ctx context.Context, id string) error
	UpdateLoginMethods(ctx context.Context, m *model.LoginMethods) error
	CreateProject(ctx context.Context, name, description string) (string, error)
	UpdateProject(ctx context.Context, id, description string) error
	DeleteProject(ctx context.Context, id string) error
	// Find lists live resources by exact name (API keys: every key of application ID parent),
	// to settle a create whose outcome was unknown.
	Find(ctx context.Context, kind model.Kind, name, parent string) ([]model.Found, error)
}

// SecretStore persists API-key credentials (secrets.File in production).
type SecretStore interface {
	PutAll(map[string]secrets.Credentials) error
}

// Options configure a run.
type Options struct {
	Stack string
	// Live is the organization as read for the plan: its IDs resolve the names the plan refers to.
	Live    *model.Org
	Secrets SecretStore
	// Parallelism bounds concurrent actions within one dependency phase (default 8).
	Parallelism int
	// Now dates expires_in on new keys (default time.Now).
	Now func() time.Time
	// Progress is called once per finished action (from several goroutines, serialised).
	Progress func(Event)
	// IsAmbiguous tells a write whose outcome is unknown (live.IsAmbiguous).
	IsAmbiguous func(error) bool
	// IsAlreadyExists tells a create refused because its name is taken (live.IsAlreadyExists).
	IsAlreadyExists func(error) bool
	// Warn tells the user something that is not an action's outcome (a twin settled).
	Warn func(msg string)
}

// Event reports one finished action.
type Event struct {
	Action plan.Action
	// ID is the resource's ID after the action (new ID for create and replace).
	ID       string
	Err      error
	Duration time.Duration
	// Secret names the secrets-file entry written, for key creations and members' logins.
	Secret string
	// Note qualifies a success the report must not leave unsaid (a member another apply
	// created at the same moment, whose password this run therefore does not hold).
	Note string
}

// ActionError is an action that failed.
type ActionError struct {
	Action plan.Action
	Err    error
}

func (e *ActionError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Action.Op, escape.Name(e.Action.Key.String()), e.Err)
}
func (e *ActionError) Unwrap() error { return e.Err }

// Result is what happened: every action of the plan is in exactly one of Done, Failed, Skipped.
type Result struct {
	Done    []Event
	Failed  []*ActionError
	Skipped []plan.Action
	// Interrupted is set when the context was cancelled before every action started.
	Interrupted bool
	// Orphans are keys that exist but whose secret could not be stored and that could not be
	// deleted either: the report must tell the user to delete them by hand.
	Orphans []string
	// FlushErr is set when the secrets store could not be finished (Run: the secrets journal
	// could not be folded into the file); the secrets are durable, the file lags.
	FlushErr error
}

// OK reports whether every action was done and every secret reached its store.
func (r *Result) OK() bool { return len(r.Failed) == 0 && len(r.Skipped) == 0 && r.FlushErr == nil }

// ErrSecretWrite marks a failure to store a new key's secret: apply stops at once.
var ErrSecretWrite = errors.New("cannot write the secrets file")

// Apply runs p's actions in order. Actions of one dependency phase (kind, then deletions in
// reverse) run concurrently, bounded by Parallelism; a phase starts only when the previous one
// succeeded, because its actions may name what the previous phase created. Cancelling ctx
// starts no new action, lets the ones in flight finish (their API calls are not cancelled, so
// no create is left half-known) and returns the result so far.
func Apply(ctx context.Context, w Writer, p *plan.Plan, opts Options) *Result {
	r := &runner{w: w, opts: opts, ids: newResolver(opts.Live, opts.Stack), res: &Result{}, going: map[string]bool{}}
	for _, a := range p.Actions {
		if a.Op == plan.Replace || a.Op == plan.Delete {
			r.going[a.ID] = true
		}
	}
	if r.opts.Parallelism <= 0 {
		r.opts.Parallelism = 8
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	if r.opts.IsAmbiguous == nil {
		r.opts.IsAmbiguous = func(error) bool { return false }
	}
	if r.opts.IsAlreadyExists == nil {
		r.opts.IsAlreadyExists = func(error) bool { return false }
	}
	// API calls outlive an interrupt: only the decision to start new actions watches ctx.
	callCtx := context.WithoutCancel(ctx)
	stop := false
	for _, phase := range phases(p.Actions) {
		if stop || ctx.Err() != nil {
			if ctx.Err() != nil {
				r.res.Interrupted = true
			}
			r.res.Skipped = append(r.res.Skipped, phase...)
			continue
		}
		failedBefore := len(r.res.Failed)
		r.runPhase(ctx, callCtx, phase)
		r.settlePhase(callCtx) // settle.go: before the next phase names what this one made
		if len(r.res.Failed) > failedBefore || r.fatal {
			stop = true
		}
	}
	return r.res
}

// phases splits the ordered actions into runs of the same (kind, deleting) pair.
func phases(actions []plan.Action) [][]plan.Action {
	var out [][]plan.Action
	for i, a := range actions {
		if i == 0 || a.Key.Kind != actions[i-1].Key.Kind || (a.Op == plan.Delete) != (actions[i-1].Op == plan.Delete) {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], a)
	}
	return out
}

type runner struct {
	w Writer
	// going holds the IDs the plan replaces or deletes: never taken for a twin to keep.
	going     map[string]bool
	opts      Options
	ids       *resolver
	mu        sync.Mutex // guards res, fatal, unsettled, and serialises Progress and secret writes
	res       *Result
	fatal     bool
	unsettled []made // this phase's creations (settle.go)
	notes     map[model.Key]string
	// tokens serialises SCIM token creations and holds the tokens this run made
	// (federation.go).
	tokens scimTokens
}

// note attaches msg to the event of the action on key.
func (r *runner) note(key model.Key, msg string) {
	r.mu.Lock()
	if r.notes == nil {
		r.notes = map[model.Key]string{}
	}
	r.notes[key] = msg
	r.mu.Unlock()
}

func (r *runner) runPhase(ctx, callCtx context.Context, actions []plan.Action) {
	r.announceKeys(actions)
	sem := make(chan struct{}, r.opts.Parallelism)
	var wg sync.WaitGroup
	for _, a := range actions {
		r.mu.Lock()
		fatal := r.fatal
		r.mu.Unlock()
		if ctx.Err() != nil || fatal {
			r.mu.Lock()
			r.res.Skipped = append(r.res.Skipped, a)
			r.res.Interrupted = r.res.Interrupted || ctx.Err() != nil
			r.mu.Unlock()
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			start := time.Now()
			ev := r.run(callCtx, a)
			ev.Action, ev.Duration = a, time.Since(start)
			r.mu.Lock()
			defer r.mu.Unlock()
			if ev.Err != nil {
				r.res.Failed = append(r.res.Failed, &ActionError{Action: a, Err: ev.Err})
				if errors.Is(ev.Err, ErrSecretWrite) {
					r.fatal = true
				}
			} else {
				r.res.Done = append(r.res.Done, ev)
			}
			if r.opts.Progress != nil {
				r.opts.Progress(ev)
			}
		}()
	}
	wg.Wait()
}

// announceKeys journals, with one fsync, the key creations of a phase before any starts, when
// the Writer journals them (apply.Run's does). If it fails, each creation announces itself and
// fails alone, as it would have.
func (r *runner) announceKeys(actions []plan.Action) {
	an, ok := r.w.(announcer)
	if !ok {
		return
	}
	var keys []plannedKey
	for _, a := range actions {
		k, isKey := a.Resource.(*model.APIKey)
		if !isKey || (a.Op != plan.Create && a.Op != plan.Replace) {
			continue
		}
		appID, err := r.ids.id(model.Key{Kind: model.KindApplication, Name: k.Application})
		if err != nil {
			continue
		}
		keys = append(keys, plannedKey{appID, model.KeyDescription(k.Description, r.opts.Stack, k.Name)})
	}
	if len(keys) > 0 {
		_ = an.announce(keys)
	}
}

// handler is how apply carries out the actions on one kind: the one table a new kind is
// added to in this package. create and update get the action (its Resource is of the kind);
// replace, when set, makes the new resource and retires the old one (API keys only).
type handler struct {
	create  func(r *runner, ctx context.Context, a plan.Action) (id, secret string, err error)
	update  func(r *runner, ctx context.Context, a plan.Action) error
	replace func(r *runner, ctx context.Context, a plan.Action) (id, secret string, err error)
	delete  func(w Writer, ctx context.Context, id string) error
}

// handlerOf is the table of handlers (a function, not a map variable, because the handlers
// themselves delete twins through it).
func handlerOf(k model.Kind) (handler, bool) {
	switch k {
	case model.KindProject:
		return handler{create: createProject, update: updateProject, delete: Writer.DeleteProject}, true
	case model.KindApplication:
		return handler{create: createApplication, update: updateApplication, delete: Writer.DeleteApplication}, true
	case model.KindGroup:
		return handler{create: createGroup, update: updateGroup, delete: Writer.DeleteGroup}, true
	case model.KindPolicy:
		return handler{create: createPolicy, update: updatePolicy, delete: Writer.DeletePolicy}, true
	case model.KindAPIKey:
		return handler{create: createAPIKey, update: updateAPIKey, replace: replaceAPIKey, delete: Writer.DeleteAPIKey}, true
	case model.KindUser:
		return handler{create: createUser, update: updateUser, delete: Writer.DeleteUser}, true
	case model.KindSSHKey:
		return handler{create: createSSHKey, update: updateSSHKey, replace: replaceSSHKey, delete: Writer.DeleteSSHKey}, true
	case model.KindSecuritySettings:
		return handler{update: updateSecuritySettings}, true
	case model.KindSAML:
		return handler{create: createSAML, update: updateSAML, delete: Writer.DeleteSAML}, true
	case model.KindSCIM:
		return handler{create: createSCIM, update: func(*runner, context.Context, plan.Action) error { return nil }, delete: Writer.DeleteSCIM}, true
	case model.KindSCIMToken:
		return handler{create: createSCIMToken, update: func(*runner, context.Context, plan.Action) error { return nil },
			replace: replaceSCIMToken, delete: Writer.DeleteSCIMToken}, true
	case model.KindLoginMethods:
		return handler{update: updateLoginMethods}, true
	}
	return handler{}, false
}

func (r *runner) run(ctx context.Context, a plan.Action) Event {
	h, ok := handlerOf(a.Key.Kind)
	if !ok {
		return Event{Err: fmt.Errorf("unknown kind %q", a.Key.Kind)}
	}
	var id, secret string
	var err error
	switch {
	case a.Op == plan.Create:
		id, secret, err = h.create(r, ctx, a)
	case a.Op == plan.Update, a.Op == plan.Adopt:
		id, err = a.ID, h.update(r, ctx, a)
	case a.Op == plan.Replace && h.replace != nil:
		id, secret, err = h.replace(r, ctx, a)
	case a.Op == plan.Delete:
		id, err = a.ID, h.delete(r.w, ctx, a.ID)
	default:
		err = fmt.Errorf("cannot %s a %s", a.Op, a.Key.Kind)
	}
	if err == nil && id != "" && a.Op != plan.Delete {
		r.ids.set(a.Key, id)
	}
	r.mu.Lock()
	note := r.notes[a.Key]
	r.mu.Unlock()
	return Event{ID: id, Err: err, Secret: secret, Note: note}
}

func (r *runner) tags(user []string) []string {
	return append(append([]string{}, user...), model.OwnerTag(r.opts.Stack))
}

func createApplication(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	d := a.Resource.(*model.Application)
	id, err := r.create(ctx, a.Key, "", func() (string, error) {
		return r.w.CreateApplication(ctx, d.Name, d.Description, r.tags(d.Tags))
	})
	return id, "", err
}

func updateApplication(r *runner, ctx context.Context, a plan.Action) error {
	d := a.Resource.(*model.Application)
	return r.w.UpdateApplication(ctx, a.ID, d.Description, r.tags(d.Tags))
}

func createGroup(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	g := a.Resource.(*model.Group)
	userIDs, appIDs, err := r.ids.members(g.Members)
	if err != nil {
		return "", "", err
	}
	id, err := r.create(ctx, a.Key, "", func() (string, error) {
		return r.w.CreateGroup(ctx, g.Name, g.Description, r.tags(g.Tags))
	})
	if err != nil || len(userIDs)+len(appIDs) == 0 || g.MembersFromIdentityProvider() {
		return id, "", err
	}
	return id, "", r.w.SetGroupMembers(ctx, id, userIDs, appIDs)
}

func updateGroup(r *runner, ctx context.Context, a plan.Action) error {
	g := a.Resource.(*model.Group)
	var userIDs, appIDs []string
	if !g.MembersFromIdentityProvider() {
		var err error
		if userIDs, appIDs, err = r.ids.members(g.Members); err != nil {
			return err
		}
	}
	if a.Op == plan.Adopt || a.Changed(plan.FieldDescription) || a.Changed(plan.FieldTags) {
		if err := r.w.UpdateGroup(ctx, a.ID, g.Description, r.tags(g.Tags)); err != nil {
			return err
		}
	}
	c, changed := a.Change(plan.FieldMembers)
	if !changed || g.MembersFromIdentityProvider() {
		// The identity provider's members are never set, whatever a plan says
		// (model/identity.go): a plan never lists them, and a write would undo its work.
		return nil
	}
	if len(userIDs)+len(appIDs) > 0 {
		return r.w.SetGroupMembers(ctx, a.ID, userIDs, appIDs)
	}
	// Emptying a group: what set-members answers to two empty lists was never recorded
	// (BEHAVIOUR.md §5.4), so members leave one by one, as Terraform does.
	for _, v := range c.Removed {
		if v.Member == nil {
			return fmt.Errorf("a members change without a member: the plan is damaged; run plan again")
		}
		if err := r.removeMember(ctx, a.ID, *v.Member); err != nil {
			return err
		}
	}
	return nil
}

// policyWithIDs is the action's policy with its principal and its rules' projects resolved
// to IDs.
func (r *runner) policyWithIDs(a plan.Action) (*model.Policy, error) {
	p := *a.Resource.(*model.Policy)
	var err error
	if p.Principal, err = r.ids.principal(p.Principal); err != nil {
		return nil, err
	}
	p.Rules, err = r.ids.rules(p.Rules)
	return &p, err
}

func createPolicy(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	p, err := r.policyWithIDs(a)
	if err != nil {
		return "", "", err
	}
	id, err := r.create(ctx, a.Key, "", func() (string, error) { return r.w.CreatePolicy(ctx, p, r.tags(p.Tags)) })
	return id, "", err
}

func updatePolicy(r *runner, ctx context.Context, a plan.Action) error {
	p, err := r.policyWithIDs(a)
	if err != nil {
		return err
	}
	if a.Op == plan.Adopt || a.Changed(plan.FieldDescription) || a.Changed(plan.FieldTags) || a.Changed(plan.FieldPrincipal) {
		if err := r.w.UpdatePolicy(ctx, a.ID, p, r.tags(p.Tags)); err != nil {
			return err
		}
	}
	if a.Changed(plan.FieldRules) {
		return r.w.SetRules(ctx, a.ID, p.Rules)
	}
	return nil
}

// create runs a creation and settles an ambiguous outcome by looking the resource up: a
// resource of that name carrying our ownership tag is the one we made; if there is none,
// the create is tried again. This is what keeps a lost response from making a twin. A clear
// creation is settled against other runs' with its phase (settle.go).
func (r *runner) create(ctx context.Context, key model.Key, parent string, do func() (string, error)) (string, error) {
	id, _, err := r.createTold(ctx, made{key: key, parent: parent}, do)
	return id, err
}

// origin says how a create came by the ID it returns.
type origin int

const (
	madeHere  origin = iota // this run's create was answered with the resource
	takenOver               // refused because the resource exists: another run of this stack made it
	foundLost               // this run's answer was lost and the resource was found: by whom is unknown
)

// createTold is create that also tells how the ID was come by, for the kinds whose create
// carries something only the creator knows (a member's password); m is what the phase's
// settlement needs besides the ID.
func (r *runner) createTold(ctx context.Context, m made, do func() (string, error)) (string, origin, error) {
	key, parent := m.key, m.parent
	const attempts = 3
	var err error
	for i := 0; i < attempts; i++ {
		var id string
		id, err = do()
		if err == nil {
			m.id = id
			r.made(m)
			return id, madeHere, nil
		}
		if r.opts.IsAlreadyExists(err) && i == 0 {
			// A unique name (group names are, iam_sdk.go) taken since the plan: by this stack
			// (a concurrent apply), it is ours; else not ours to take.
			id, err := r.taken(ctx, key, parent, err)
			return id, takenOver, err
		}
		if r.opts.IsAlreadyExists(err) {
			// Refused on a retry after a lost answer: the first try may have made it.
			id, err := r.taken(ctx, key, parent, err)
			return id, foundLost, err
		}
		if !r.opts.IsAmbiguous(err) {
			return "", madeHere, err
		}
		found, ferr := r.w.Find(ctx, key.Kind, key.Name, parent)
		if ferr != nil {
			return "", madeHere, fmt.Errorf("%w; looking it up failed too (%v): run iamsync again, it will find the resource if it was made", err, ferr)
		}
		owned := r.ours
		if w, ok := winner(found, owned); ok {
			// Ours may be any of them (another apply may have made one too): the earliest
			// stays, as in settlePhase, and the later ones go.
			for _, f := range found {
				if owned(f) && f.ID != w.ID {
					_ = r.delete(ctx, key.Kind, f.ID)
				}
			}
			return w.ID, foundLost, nil
		}
	}
	return "", madeHere, err
}

// taken settles a create refused because the name is in use.
func (r *runner) taken(ctx context.Context, key model.Key, parent string, err error) (string, error) {
	found, ferr := r.w.Find(ctx, key.Kind, key.Name, parent)
	if ferr != nil {
		return "", fmt.Errorf("%w; looking up who holds the name failed too (%v): run iamsync again", err, ferr)
	}
	if w, ok := winner(found, r.ours); ok {
		return w.ID, nil
	}
	return "", fmt.Errorf("%w: a %s named %s was created since the plan, and this stack does not own it: run plan again to see it as a conflict", err, key.Kind, escape.Quote(key.Name))
}

// ours reports whether f is this stack's resource and not one this plan replaces or deletes:
// the old resource of a replacement shares the new one's name and is no twin of it.
func (r *runner) ours(f model.Found) bool {
	owner, _ := model.SplitOwnerTag(f.Tags)
	return owner == r.opts.Stack && !r.going[f.ID]
}

// winner returns the earliest of found that wants says is a candidate.
func winner(found []model.Found, wants func(model.Found) bool) (model.Found, bool) {
	var best model.Found
	ok := false
	for _, f := range found {
		if !wants(f) {
			continue
		}
		if !ok || f.CreatedAt.Before(best.CreatedAt) || (f.CreatedAt.Equal(best.CreatedAt) && f.ID < best.ID) {
			best, ok = f, true
		}
	}
	return best, ok
}

// removeMember removes m from group id. A member the live reader could not name carries its
// ID as its name, and is removed by it.
func (r *runner) removeMember(ctx context.Context, id string, m model.Member) error {
	if m.Kind == model.PrincipalUser {
		uid, err := r.ids.user(m.Name)
		if err != nil {
			uid = m.Name
		}
		return r.w.RemoveGroupMember(ctx, id, uid, "")
	}
	aid, err := r.ids.id(model.Key{Kind: model.KindApplication, Name: m.Name})
	if err != nil {
		aid = m.Name
	}
	return r.w.RemoveGroupMember(ctx, id, "", aid)
}

// delete deletes a resource of kind by ID (a twin a create made).
func (r *runner) delete(ctx context.Context, kind model.Kind, id string) error {
	h, ok := handlerOf(kind)
	if !ok {
		return fmt.Errorf("cannot delete a %s", kind)
	}
	return h.delete(r.w, ctx, id)
}

func updateAPIKey(r *runner, ctx context.Context, a plan.Action) error {
	k := a.Resource.(*model.APIKey)
	project, err := r.ids.project(k.DefaultProject)
	if err != nil {
		return err
	}
	return r.w.UpdateAPIKey(ctx, a.ID, model.KeyDescription(k.Description, r.opts.Stack, k.Name), project)
}

func createAPIKey(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	return r.createKey(ctx, a)
}

// replaceAPIKey creates the new key, and deletes the old one only once the new one's secret is
// safely stored; with a grace period the old key is only marked retired, and a later plan
// deletes it.
func replaceAPIKey(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	k := a.Resource.(*model.APIKey)
	newID, secret, err := r.createKey(ctx, a)
	if err != nil {
		return newID, secret, err
	}
	if a.RetireUntil != nil {
		if err := r.w.UpdateAPIKey(ctx, a.ID, model.RetiredKeyDescription(k.Description, r.opts.Stack, k.Name, *a.RetireUntil), ""); err != nil {
			return newID, secret, fmt.Errorf("new key %s is stored in secret %s, but marking the old key %s as retired failed: %w", newID, secret, a.ID, err)
		}
		return newID, secret, nil
	}
	if err := r.w.DeleteAPIKey(ctx, a.ID); err != nil {
		return newID, secret, fmt.Errorf("new key %s is stored in secret %s, but deleting the old key %s failed: %w", newID, secret, a.ID, err)
	}
	return newID, secret, nil
}

// createKey creates a key and stores its secret before returning. A key whose secret is not
// stored must not survive: it is deleted, and if even that fails it is reported as an orphan.
func (r *runner) createKey(ctx context.Context, a plan.Action) (string, string, error) {
	k := a.Resource.(*model.APIKey)
	appID, err := r.ids.id(model.Key{Kind: model.KindApplication, Name: k.Application})
	if err != nil {
		return "", "", err
	}
	project, err := r.ids.project(k.DefaultProject)
	if err != nil {
		return "", "", err
	}
	desc := model.KeyDescription(k.Description, r.opts.Stack, k.Name)
	var expires *time.Time
	switch {
	case k.ExpiresAt != nil:
		// The API keeps microseconds and drops the rest: send what it will store.
		t := k.ExpiresAt.UTC().Truncate(time.Microsecond)
		expires = &t
	case k.ExpiresIn > 0:
		t := r.opts.Now().Add(k.ExpiresIn).UTC().Truncate(time.Second)
		expires = &t
	}
	name := SecretName(k)
	var accessKey string
	var value secrets.Value
	for attempt := 0; ; attempt++ {
		accessKey, value, err = r.w.CreateAPIKey(ctx, appID, desc, project, expires)
		if err == nil {
			break
		}
		if !r.opts.IsAmbiguous(err) {
			return "", name, err
		}
		// The key may exist, but its secret is lost with the response: delete any key of this
		// application that carries this key's marker and is not the one being replaced, then
		// create again (or, after the last attempt, give up with nothing left behind: issue 7's
		// fault suite found a key left with its secret lost when the third try was ambiguous).
		found, ferr := r.w.Find(ctx, model.KindAPIKey, k.Name, appID)
		if ferr != nil {
			return "", name, fmt.Errorf("%w; looking for a half-created key failed (%v): run iamsync again to clean it up", err, ferr)
		}
		for _, f := range found {
			if f.ID != a.ID && f.Description == desc {
				if derr := r.w.DeleteAPIKey(ctx, f.ID); derr != nil {
					return "", name, fmt.Errorf("API key %s was created but its secret was lost, and deleting it failed (%v): delete it with 'scw iam api-key delete %s'", f.ID, derr, f.ID)
				}
			}
		}
		if attempt >= 2 {
			return "", name, err
		}
	}
	werr := r.putSecret(name, secrets.Credentials{AccessKey: accessKey, SecretKey: value})
	if werr == nil {
		// A concurrent apply elsewhere may have made this key too: settled with the phase.
		r.made(made{key: a.Key, parent: appID, id: accessKey, desc: desc, replaced: a.ID, secret: name, holds: accessKey})
		return accessKey, name, nil
	}
	derr := r.w.DeleteAPIKey(ctx, accessKey)
	if derr != nil {
		r.mu.Lock()
		r.res.Orphans = append(r.res.Orphans, accessKey)
		r.mu.Unlock()
		return "", name, fmt.Errorf("%w (%v); the new API key %s could not be deleted either (%v): delete it with 'scw iam api-key delete %s'", ErrSecretWrite, werr, accessKey, derr, accessKey)
	}
	return "", name, fmt.Errorf("%w (%v); the new API key %s was deleted again, so no key exists without its secret", ErrSecretWrite, werr, accessKey)
}

// SecretName is the secrets-file entry for k (plan.KeySecretName).
func SecretName(k *model.APIKey) string { return plan.KeySecretName(k) }
