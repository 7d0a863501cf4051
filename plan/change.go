package plan

import (
	"fmt"
	"slices"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Changes are typed data: a Field says which field, and its Values hold the field's own type
// (a member, a rule, a principal, an expiry, a project label). Nothing here is formatted for a
// reader: the renderers do that, and apply reads the values as they are.

// Field is a field an action changes.
type Field int

// The fields, in the order an action lists them.
const (
	FieldOwner          Field = iota + 1 // adopt only: the stack the resource is put under (Text)
	FieldApplication                     // API keys (Text); changing it means Replace
	FieldName                            // API keys taken by access key: the name in the description marker (Text)
	FieldDescription                     // every kind (Text)
	FieldTags                            // applications, groups, policies: a set (Text)
	FieldMembers                         // groups: a set (Member); one set-members call
	FieldPrincipal                       // policies (Principal)
	FieldRules                           // policies: a set (Rule, projects by ID); one set-rules call
	FieldDefaultProject                  // API keys (Project)
	FieldExpiry                          // API keys (Expiry); changing it means Replace

	FieldUsername        // users (Text)
	FieldFirstName       // users (Text)
	FieldLastName        // users (Text)
	FieldLocked          // users (Bool): lock or unlock
	FieldSessions        // users being or staying locked (Number): open console sessions, revoked (new 0)
	FieldWelcomeEmail    // users, creation only (Bool)
	FieldPassword        // users, creation only (Text: the secrets-file entry of the generated password)
	FieldPublicKey       // SSH keys (Text); changing it means Replace
	FieldProject         // SSH keys (Project); changing it means Replace
	FieldDisabled        // SSH keys (Bool)
	FieldPasswordRenewal // security settings (Bool): enforce_password_renewal
	FieldGracePeriod     // security settings (Duration)
	FieldLoginAttempts   // security settings (Number): login_attempts_before_locked
	FieldMaxLoginSession // security settings (Duration)
	FieldMaxKeyLifetime  // security settings (Duration): max_api_key_expiration_duration

	FieldEntityID       // SAML (Text)
	FieldSSOURL         // SAML (Text): single sign-on URL
	FieldCertificates   // SAML: a set (Text: model.CertificateLabel and expiry; the PEM is in the resource)
	FieldBearerToken    // SCIM tokens, create and replace (Text: the secrets entry the bearer goes to)
	FieldLoginPassword  // login methods (Bool)
	FieldLoginOAuth2    // login methods (Bool)
	FieldLoginMagicCode // login methods (Bool)
	FieldLoginSAML      // login methods (Bool)
)

var fieldNames = map[Field]string{
	FieldOwner: "owner", FieldApplication: "application", FieldName: "name", FieldDescription: "description",
	FieldTags: "tags", FieldMembers: "members", FieldPrincipal: "principal", FieldRules: "rules",
	FieldDefaultProject: "default_project", FieldExpiry: "expiry",
	FieldUsername: "username", FieldFirstName: "first_name", FieldLastName: "last_name", FieldLocked: "locked",
	FieldSessions:     "console_sessions",
	FieldWelcomeEmail: "send_welcome_email", FieldPassword: "password", FieldPublicKey: "public_key",
	FieldProject: "project", FieldDisabled: "disabled", FieldPasswordRenewal: "enforce_password_renewal",
	FieldGracePeriod: "grace_period", FieldLoginAttempts: "login_attempts_before_locked",
	FieldMaxLoginSession: "max_login_session", FieldMaxKeyLifetime: "max_api_key_expiration",
	FieldEntityID: "entity_id", FieldSSOURL: "sso_url", FieldCertificates: "certificates",
	FieldBearerToken: "bearer_token", FieldLoginPassword: "login_password", FieldLoginOAuth2: "login_oauth2",
	FieldLoginMagicCode: "login_magic_code", FieldLoginSAML: "login_saml",
}

func (f Field) String() string {
	if s, ok := fieldNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Field(%d)", int(f))
}

// IsSet reports whether f is a set (changes list Added and Removed) rather than a scalar.
func (f Field) IsSet() bool {
	return f == FieldTags || f == FieldMembers || f == FieldRules || f == FieldCertificates
}

// MarshalText writes f by name.
func (f Field) MarshalText() ([]byte, error) {
	s, ok := fieldNames[f]
	if !ok {
		return nil, fmt.Errorf("invalid field %d", int(f))
	}
	return []byte(s), nil
}

// UnmarshalText reads a field written by MarshalText.
func (f *Field) UnmarshalText(b []byte) error {
	for field, s := range fieldNames {
		if s == string(b) {
			*f = field
			return nil
		}
	}
	return fmt.Errorf("unknown field %q", b)
}

// Value is one value of a field; the field says which member is meaningful.
type Value struct {
	// Text is the value of owner, application, name, description and tag fields.
	Text      string           `json:"text,omitempty"`
	Member    *model.Member    `json:"member,omitempty"`
	Principal *model.Principal `json:"principal,omitempty"`
	// Rule is a policy rule with its projects as labels (model.ProjectLabels; apply resolves them).
	Rule *model.Rule `json:"rule,omitempty"`
	// Project is a project label: its name, or its ID where several projects share the name.
	Project string  `json:"project,omitempty"`
	Expiry  *Expiry `json:"expiry,omitempty"`
	Bool    *bool   `json:"bool,omitempty"`
	// Duration is in nanoseconds; Number a count.
	Duration *time.Duration `json:"duration,omitempty"`
	Number   *uint64        `json:"number,omitempty"`
}

func boolValue(b bool) *Value { return &Value{Bool: &b} }

// Expiry is when an API key expires: at an instant, a duration after its creation, or (both
// zero) never.
type Expiry struct {
	At *time.Time    `json:"at,omitempty"`
	In time.Duration `json:"in,omitempty"`
}

func keyExpiry(k *model.APIKey) *Expiry {
	e := &Expiry{In: k.ExpiresIn}
	if k.ExpiresAt != nil {
		t := k.ExpiresAt.UTC()
		e.At = &t
	}
	return e
}

// identity is what makes two values of one field the same set element. It is used to compare,
// never shown.
func (v Value) identity() string {
	switch {
	case v.Member != nil:
		return string(v.Member.Kind) + ":" + v.Member.Name
	case v.Rule != nil:
		return v.Rule.Canonical()
	}
	return v.Text
}

// Change is the change of one field. Scalars use Old (nil on a creation) and New; sets use
// Added and Removed.
type Change struct {
	Field   Field   `json:"field"`
	Old     *Value  `json:"old,omitempty"`
	New     *Value  `json:"new,omitempty"`
	Added   []Value `json:"added,omitempty"`
	Removed []Value `json:"removed,omitempty"`
}

func text(s string) *Value { return &Value{Text: s} }

// scalar appends a change of field when old and new differ (compared by same). A nil old is a
// creation: the change is listed only when new is not the zero value.
func scalar(cs []Change, field Field, old, new *Value, same func(a, b *Value) bool) []Change {
	if old == nil {
		if same(&Value{}, new) {
			return cs
		}
		return append(cs, Change{Field: field, New: new})
	}
	if same(old, new) {
		return cs
	}
	return append(cs, Change{Field: field, Old: old, New: new})
}

func sameText(a, b *Value) bool { return a.Text == b.Text }

// textChange appends a change of a text field; old is nil on a creation.
func textChange(cs []Change, field Field, old *string, new string) []Change {
	var o *Value
	if old != nil {
		o = text(*old)
	}
	return scalar(cs, field, o, text(new), sameText)
}

// set appends a change of a set field when old and new differ as sets.
func set(cs []Change, field Field, old, new []Value) []Change {
	in := func(vs []Value) map[string]bool {
		m := make(map[string]bool, len(vs))
		for _, v := range vs {
			m[v.identity()] = true
		}
		return m
	}
	oldIDs, newIDs := in(old), in(new)
	var added, removed []Value
	for _, v := range new {
		if id := v.identity(); !oldIDs[id] {
			added = append(added, v)
			oldIDs[id] = true // a duplicate is added once
		}
	}
	for _, v := range old {
		if id := v.identity(); !newIDs[id] {
			removed = append(removed, v)
			newIDs[id] = true
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return cs
	}
	byID := func(a, b Value) int {
		if a.identity() < b.identity() {
			return -1
		}
		if a.identity() > b.identity() {
			return 1
		}
		return 0
	}
	slices.SortFunc(added, byID)
	slices.SortFunc(removed, byID)
	return append(cs, Change{Field: field, Added: added, Removed: removed})
}

func tagValues(tags []string) []Value {
	out := make([]Value, len(tags))
	for i, t := range tags {
		out[i] = Value{Text: t}
	}
	return out
}

func memberValues(m model.Members) []Value {
	list := m.List()
	out := make([]Value, len(list))
	for i := range list {
		out[i] = Value{Member: &list[i]}
	}
	return out
}

// ruleValues are the rules as set elements: identity is content (BEHAVIOUR.md §5.3, trap 3),
// without the manifest position.
func ruleValues(rules []model.Rule) []Value {
	out := make([]Value, len(rules))
	for i, r := range rules {
		r.Pos = model.Pos{}
		out[i] = Value{Rule: &r}
	}
	return out
}

// Changed reports whether field is among a's changes.
func (a Action) Changed(field Field) bool {
	return slices.ContainsFunc(a.Changes, func(c Change) bool { return c.Field == field })
}

// Change returns a's change to field, if any.
func (a Action) Change(field Field) (Change, bool) {
	for _, c := range a.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return Change{}, false
}

func sortChanges(cs []Change) []Change {
	slices.SortStableFunc(cs, func(a, b Change) int { return int(a.Field) - int(b.Field) })
	return cs
}
