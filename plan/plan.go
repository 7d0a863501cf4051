// Package plan computes what it takes to turn a live organization into the one the manifests
// describe: a pure diff of two model.Org values into a Plan, which is plain data that can be
// ordered, saved as JSON, read back and rendered as text or Markdown. It does no I/O.
package plan

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/model"
)

// FormatVersion is the version of the JSON plan format written by this package (FORMAT.md).
const FormatVersion = 8

// Options tune a diff.
type Options struct {
	// Now is the time key expiry and rotation are judged against; the zero value disables the
	// time-based checks, which keeps tests and fuzzing deterministic.
	Now time.Time
	// Adopt takes over every unmanaged live resource that a manifest names (--adopt), as if
	// each had adopt: true.
	Adopt bool
	// Rotate lists API keys and SCIM tokens to replace now whatever their expiry (--rotate
	// APP/KEY, --rotate scim_token/NAME).
	Rotate []model.Key
	// KeepOld, when positive, keeps the key a rotation or replacement supersedes for this grace
	// period instead of deleting it at once (--keep-old); a later plan deletes it once the
	// period is over. It needs Now.
	KeepOld time.Duration
	// Self is the access key iamsync runs with. The plan never deletes or replaces that key,
	// never deletes its application, and never deletes or strips the policies that give that
	// application its IAM rights; it says why in a warning instead.
	Self string
	// ScopeType tells whether a permission set is organization-level ("organization") or
	// project-level ("projects"), for the access review (access.Options.ScopeType); nil takes
	// every set as organization-level.
	ScopeType func(set string) string
	// StoredTokens maps a secrets entry to the SCIM token ID it holds (secret name → ID), as
	// apply finds them in its secrets store: a declared token is the live token its entry holds.
	// SCIM tokens have no name in the API, so without it the pairing is by age alone
	// (federation.go), which a token deleted out of turn can make wrong.
	StoredTokens map[string]string
}

// Op is what an action does to one resource.
type Op int

// The operations. The zero value is invalid so that a forgotten Op is caught when written.
const (
	// Create makes a resource that does not exist.
	Create Op = iota + 1
	// Update changes a resource of this stack in place, field by field.
	Update
	// Replace creates a new resource and then deletes the old one, for changes the API cannot
	// make in place (an API key's expiry or application).
	Replace
	// Delete removes a resource of this stack that the manifests no longer declare.
	Delete
	// Adopt puts an unmanaged resource under this stack (ownership tag or key marker), then
	// updates it in place; it never deletes anything.
	Adopt
)

var opNames = map[Op]string{Create: "create", Update: "update", Replace: "replace", Delete: "delete", Adopt: "adopt"}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Symbol is the marker renderers put before an action: "+" create, "~" update, "-/+" replace,
// "-" delete, and "<~" adopt (the resource is pulled into the stack, then updated).
func (o Op) Symbol() string {
	switch o {
	case Create:
		return "+"
	case Update:
		return "~"
	case Replace:
		return "-/+"
	case Delete:
		return "-"
	case Adopt:
		return "<~"
	}
	return "?"
}

// Destructive reports whether o removes a live resource (Delete, and Replace, which deletes the
// old one). Guards such as a mass-delete limit or an approval prompt key on it.
func (o Op) Destructive() bool { return o == Delete || o == Replace }

// MarshalText writes o by name, so saved plans stay readable and stable if constants move.
func (o Op) MarshalText() ([]byte, error) {
	s, ok := opNames[o]
	if !ok {
		return nil, fmt.Errorf("invalid op %d", int(o))
	}
	return []byte(s), nil
}

// UnmarshalText reads an op written by MarshalText.
func (o *Op) UnmarshalText(b []byte) error {
	for op, s := range opNames {
		if s == string(b) {
			*o = op
			return nil
		}
	}
	return fmt.Errorf("unknown op %q", b)
}

// Plan is the complete, ordered list of changes that converges the live organization to the
// manifests, with what prevents it (Conflicts) and what the reader should know (Warnings).
type Plan struct {
	FormatVersion  int    `json:"format_version"`
	Stack          string `json:"stack"`
	OrganizationID string `json:"organization_id,omitempty"`
	// Sources are the manifest paths the plan was made from, recorded by the caller (Diff
	// leaves them empty) so that applying a saved plan can load the same manifests again.
	Sources []string `json:"sources,omitempty"`
	// Actions run in this order: creations, updates, adoptions and replacements by dependency
	// rank, then deletions in reverse rank.
	Actions []Action `json:"actions"`
	// Conflicts are resources the manifests declare but this stack may not touch. A plan with
	// conflicts must not be applied.
	Conflicts []Conflict `json:"conflicts"`
	// Warnings are informational and never block apply.
	Warnings []Warning `json:"warnings"`
	// OverQuota lists the organization's quotas the plan would exceed: such a plan must not be
	// applied (and plan exits 3).
	OverQuota []QuotaExceeded `json:"over_quota,omitempty"`
	// Unread lists what the credentials could not read (model.Org.Unread and QuotasUnread), in
	// model.Kinds order, quotas last: the plan neither compares, creates nor deletes anything
	// of such a kind (a plan whose manifests declare one is refused), and checks no quota it
	// could not read.
	Unread []Unread `json:"unread,omitempty"`
	// Access is who gains and loses which grants when the plan is applied (access.go); it is
	// information for reviewers and gates, never an input of apply or of the fingerprint.
	Access *access.Report `json:"access,omitempty"`
	// Recertifications are the manifests' rules under review (reviewed_until) and where each
	// stands (review.go); information for reviewers, like Access.
	Recertifications []Recertification `json:"recertifications,omitempty"`
	Fingerprint      Fingerprint       `json:"fingerprint"`
}

// Unread is one thing the credentials could not read: a kind, or the quotas.
type Unread struct {
	// What is a kind (model.Kind), or "quotas".
	What string `json:"what"`
	// Reason says why, naming the missing right.
	Reason string `json:"reason"`
}

// UnreadQuotas is Unread.What for the quotas.
const UnreadQuotas = "quotas"

// String says what was not read and why: "SSH keys not read: the API key lacks ...".
func (u Unread) String() string {
	what := u.What
	if what != UnreadQuotas {
		what = model.Kind(u.What).Plural()
	}
	return what + " not read: " + u.Reason
}

// unreadOf lists what l's credentials could not read, in a stable order.
func unreadOf(l *model.Org) []Unread {
	var out []Unread
	for _, k := range model.Kinds {
		if why, ok := l.Unread[k]; ok {
			out = append(out, Unread{What: string(k), Reason: why})
		}
	}
	if l.QuotasUnread != "" {
		out = append(out, Unread{What: UnreadQuotas, Reason: l.QuotasUnread})
	}
	return out
}

// Action is one change to one resource.
type Action struct {
	Op  Op        `json:"op"`
	Key model.Key `json:"key"`
	// ID is the live ID (access key for API keys) the action works on; empty for Create.
	ID string `json:"id,omitempty"`
	// Changes lists every changed field (update, adopt, replace) or every set field (create).
	Changes []Change `json:"changes,omitempty"`
	// Reason says why the action is needed when the op alone does not (replace, delete).
	Reason string    `json:"reason,omitempty"`
	Pos    model.Pos `json:"pos,omitzero"`
	// RetireUntil, on an API key's Replace, keeps the old key until then (marked as retired in
	// its description) instead of deleting it.
	RetireUntil *time.Time `json:"retire_until,omitempty"`
	// Resource is the desired resource after normalization (sets sorted, project references
	// as labels — apply resolves them to IDs —, user emails spelled as the organization has them, ownership tag not
	// included), of the kind Key names; nil for Delete. In JSON it is "resource", decoded by
	// Key.Kind.
	Resource model.Resource `json:"-"`
}

// Conflict is a declared resource that this stack may not change: it exists but belongs to
// nobody (without adoption), to another stack, or to the provider.
type Conflict struct {
	Key model.Key `json:"key"`
	Pos model.Pos `json:"pos,omitzero"`
	// ID is the conflicting live resource's ID, when there is exactly one.
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
	Hint   string `json:"hint,omitempty"`
}

// Warning is something the reader should know that changes nothing by itself.
type Warning struct {
	Key     model.Key `json:"key"`
	Pos     model.Pos `json:"pos,omitzero"`
	Message string    `json:"message"`
}

// Fingerprint identifies the inputs a plan was computed from, so that applying a saved plan
// can refuse when the manifests or the relevant live resources have changed since: recompute
// it with Diff on fresh inputs and compare.
type Fingerprint struct {
	// Manifests is the SHA-256 (hex) of the normalized desired organization, positions left out.
	Manifests string `json:"manifests"`
	// Live is the SHA-256 (hex) of the live resources the plan depends on: those owned by the
	// stack, those sharing a name with a declared resource, and the applications, groups,
	// projects and users the manifests refer to.
	Live string `json:"live"`
}

// Summary counts a plan's effects. A replacement counts as one addition and one destruction.
type Summary struct {
	Add, Change, Destroy, Adopt int
}

// Empty reports whether p has nothing to do and nothing in the way: the organization matches.
func (p *Plan) Empty() bool { return len(p.Actions) == 0 && len(p.Conflicts) == 0 }

// Summary counts p's actions.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, a := range p.Actions {
		switch a.Op {
		case Create:
			s.Add++
		case Update:
			s.Change++
		case Replace:
			s.Add++
			s.Destroy++
		case Delete:
			s.Destroy++
		case Adopt:
			s.Adopt++
		}
	}
	return s
}

func (s Summary) String() string {
	t := fmt.Sprintf("%d to add, %d to change, %d to destroy", s.Add, s.Change, s.Destroy)
	if s.Adopt > 0 {
		t += fmt.Sprintf(", %d to adopt", s.Adopt)
	}
	return t
}
