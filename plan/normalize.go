package plan

// Normalization: both sides are brought to one canonical form before any comparison, so that
// an organization freshly applied from the manifests plans zero changes.
//
//   - Inputs are deep-copied first: Diff never mutates its arguments.
//   - Sets are sets: tags, permission sets, group members, rules and rule projects are sorted
//     and deduplicated (model.Org.Normalize). The API keeps tag order and sorts members on
//     read but not on write (BEHAVIOUR.md §4, §5.4), so order carries no meaning; nil and []
//     tags are the same (§4, trap 6).
//   - Project references (rule projects, a key's default project, an SSH key's project) travel
//     by name like every other reference: desired names or IDs, and live IDs, become the
//     project's label (model.ProjectLabels: its name where no other project has it, else its
//     ID), and apply turns labels into IDs. An unknown desired reference is an error, and so is
//     a name two projects share (the API allows that, §5.6): the manifest must give the ID.
//   - User emails are matched without regard to case and rewritten as the organization spells
//     them, so that a manifest's capitalization is not a change.
//   - A rule with Organization set equals a live rule scoped to the organization, whatever the
//     permission sets' scope type reports (§5.3, trap 4). Rules are matched by content
//     (Rule.Canonical), never by ID, which changes on every set-rules (§5.3, trap 3).
//   - Expiry is compared as instants, never as strings (§4, trap 7): see sameExpiry.
//   - A desired key without a default project takes the API's default; it is not compared.
//   - updated_at is never used (§5.2, trap 9): it does not move on every change.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// cloneOrg deep-copies o. A JSON round trip copies every field the model serializes, which is
// every field it has, and cannot alias a slice or pointer.
func cloneOrg(o *model.Org) (*model.Org, error) {
	if o == nil {
		return &model.Org{}, nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("copy organization: %w", err)
	}
	var c model.Org
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("copy organization: %w", err)
	}
	return &c, nil
}

// posError is an error about one manifest position; Diff reports all of them, sorted.
type posError struct {
	pos model.Pos
	key model.Key
	msg string
}

func (e *posError) Error() string {
	if e.pos.IsZero() {
		return fmt.Sprintf("%s: %s", e.key, e.msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.pos, e.key, e.msg)
}

type errList []*posError

func (l *errList) add(pos model.Pos, key model.Key, format string, args ...any) {
	*l = append(*l, &posError{pos: pos, key: key, msg: fmt.Sprintf(format, args...)})
}

// err joins the errors sorted by position, then key, so the output is stable.
func (l errList) err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.pos.File != b.pos.File {
			return a.pos.File < b.pos.File
		}
		if a.pos.Line != b.pos.Line {
			return a.pos.Line < b.pos.Line
		}
		if a.pos.Col != b.pos.Col {
			return a.pos.Col < b.pos.Col
		}
		return a.key.Less(b.key)
	})
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// lookups indexes live's projects and users, and the projects the manifests declare.
type lookups struct {
	projects *model.ProjectIDs
	// liveProjects are live's; declared holds the names of the desired ones, which references
	// may name before they exist (desiredProjectLabel); stack is the desired stack.
	liveProjects []*model.Project
	declared     map[string]bool
	stack        string
	// label names a project as the plan carries it (model.ProjectLabels).
	label func(ref string) string
	users map[string]string // lower-case email → email as the organization has it
}

func newLookups(desired, live *model.Org) *lookups {
	l := &lookups{projects: model.NewProjectIDs(live.Projects), label: model.ProjectLabels(live.Projects), users: map[string]string{},
		liveProjects: live.Projects, declared: map[string]bool{}, stack: desired.Stack}
	for _, p := range desired.Projects {
		l.declared[p.Name] = true
	}
	for _, u := range live.Users {
		l.users[strings.ToLower(u.Email)] = u.Email
	}
	return l
}

// project checks a desired project reference (an ID, a unique name, or the name of a project
// the manifests declare) and returns it as the plan carries it: its label, which apply
// resolves to the ID.
func (l *lookups) project(ref string) (string, error) {
	if l.declared[ref] {
		return l.desiredProjectLabel(ref)
	}
	id, err := l.projects.ID(ref)
	if err != nil {
		return "", err
	}
	return l.label(id), nil
}

// user returns the organization's spelling of email.
func (l *lookups) user(email string) (string, bool) {
	u, ok := l.users[strings.ToLower(email)]
	return u, ok
}

// resolveDesired rewrites desired's references to live's spellings (project labels, user
// emails), in place on the copy, and reports every reference it cannot resolve.
func resolveDesired(d *model.Org, l *lookups, errs *errList) {
	// A declared member is spelled as the organization spells it, if it exists, so that its
	// key matches the live user's; references to it then follow the same spelling.
	declared := map[string]string{} // lower-case email → the declared spelling
	for _, u := range d.Users {
		if live, ok := l.user(u.Email); ok {
			u.Email = live
		}
		declared[strings.ToLower(u.Email)] = u.Email
	}
	for _, p := range d.Policies {
		for i := range p.Rules {
			r := &p.Rules[i]
			for j, ref := range r.Projects {
				id, err := l.project(ref)
				if err != nil {
					pos := r.Pos
					if pos.IsZero() {
						pos = p.Pos
					}
					errs.add(pos, p.Key(), "rule projects: %v", err)
					continue
				}
				r.Projects[j] = id
			}
		}
		if p.Principal.Kind == model.PrincipalUser && p.Principal.ID == "" {
			if u, ok := l.user(p.Principal.Name); ok {
				p.Principal.Name = u
			} else if u, ok := declared[strings.ToLower(p.Principal.Name)]; ok {
				p.Principal.Name = u
			} else if d.UsersFromIdentityProvider() {
				errs.add(p.Pos, p.Key(), "principal: no user with email %s in the organization: the identity provider has not provisioned them (users_from: identity_provider); provision them first, or attach the policy to a group", escape.Quote(p.Principal.Name))
			} else {
				errs.add(p.Pos, p.Key(), "principal: no user with email %s in the organization or the manifests: declare the member under users:, or invite them first", escape.Quote(p.Principal.Name))
			}
		}
	}
	for _, g := range d.Groups {
		for i, email := range g.Members.Users {
			if u, ok := l.user(email); ok {
				g.Members.Users[i] = u
			} else if u, ok := declared[strings.ToLower(email)]; ok {
				g.Members.Users[i] = u
			} else {
				errs.add(g.Pos, g.Key(), "members: no user with email %s in the organization or the manifests: declare the member under users:, or invite them first", escape.Quote(email))
			}
		}
	}
	for _, k := range d.SSHKeys {
		if k.Project == "" {
			continue
		}
		id, err := l.project(k.Project)
		if err != nil {
			errs.add(k.Pos, k.Key(), "project: %v", err)
			continue
		}
		k.Project = id
	}
	for _, k := range d.APIKeys {
		if k.DefaultProject == "" {
			continue
		}
		id, err := l.project(k.DefaultProject)
		if err != nil {
			errs.add(k.Pos, k.Key(), "default_project: %v", err)
			continue
		}
		k.DefaultProject = id
	}
}

// Expiry tolerances. The API stores expires_at at microsecond precision (a recording held out
// of BEHAVIOUR.md §4 shows nanoseconds truncated; apply sends microseconds), and a relative
// expiry is turned into an instant by apply a moment after the key is created, so the stored
// expiry and creation time differ by the request latency.
const (
	expiresAtTolerance = time.Second
	expiresInTolerance = time.Minute
)

// sameExpiry reports whether a live key's expiry satisfies the desired one: an instant within
// a second, a duration from the key's creation within a minute, or never.
func sameExpiry(d, l *model.APIKey) bool {
	switch {
	case d.ExpiresAt != nil:
		return l.ExpiresAt != nil && absDur(d.ExpiresAt.Sub(*l.ExpiresAt)) <= expiresAtTolerance
	case d.ExpiresIn != 0:
		return l.ExpiresAt != nil && !l.CreatedAt.IsZero() &&
			absDur(l.ExpiresAt.Sub(l.CreatedAt)-d.ExpiresIn) <= expiresInTolerance
	}
	return l.ExpiresAt == nil
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// expiryString describes an expiry for FieldChange values.
func expiryString(k *model.APIKey) string {
	switch {
	case k.ExpiresAt != nil:
		return k.ExpiresAt.UTC().Format(time.RFC3339Nano)
	case k.ExpiresIn != 0:
		return durationString(k.ExpiresIn) + " after creation"
	}
	return "never"
}

// durationString writes whole days as "30d", anything else as Go does.
func durationString(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
