// Package model holds the one snapshot type, Org, that describes an organization's IAM both as the
// manifests want it (built by schema) and as it is live (built by live), so that plan can diff two
// values of the same type.
//
// References between resources are by name (application and group names, user emails, project
// names or IDs): manifests are written that way, and the live reader translates IDs back to names,
// so that a resource not yet created can still be referred to. IDs are kept beside the names on
// live values for apply to use.
package model

import (
	"fmt"
	"time"
)

// Kind is the kind of a resource iamsync manages.
type Kind string

// The kinds, in dependency order: a resource may only refer to kinds listed before it.
const (
	// KindSecuritySettings is the organization's security settings: one per organization,
	// first, since they bound the expiry of the API keys created after them.
	KindSecuritySettings Kind = "security_settings"
	// KindProject is an Account project: before every kind that may name one (SSH keys,
	// API keys' default project, policies' rules), so that those may name a project created
	// by the same apply; deleted last, once nothing this plan keeps refers to it.
	KindProject     Kind = "project"
	KindApplication Kind = "application"
	KindUser        Kind = "user"
	KindGroup       Kind = "group"
	KindSSHKey      Kind = "ssh_key"
	KindAPIKey      Kind = "api_key"
	KindPolicy      Kind = "policy"
	// The organization's identity federation (federation.go): SAML before the login methods
	// that may turn SAML login on, SCIM before its tokens.
	KindSAML         Kind = "saml"
	KindSCIM         Kind = "scim"
	KindSCIMToken    Kind = "scim_token"
	KindLoginMethods Kind = "login_methods"
)

// Kinds lists every kind in dependency order (creations run in this order, deletions in reverse).
var Kinds = []Kind{KindSecuritySettings, KindProject, KindApplication, KindUser, KindGroup, KindSSHKey, KindAPIKey, KindPolicy,
	KindSAML, KindSCIM, KindSCIMToken, KindLoginMethods}

// Count says n resources of kind k in words: "1 application", "3 policies", "2 SSH keys".
func (k Kind) Count(n int) string {
	one, many := kindNouns[k][0], kindNouns[k][1]
	if one == "" {
		one, many = string(k), string(k)+"s"
	}
	switch {
	case (k == KindSecuritySettings || k == KindLoginMethods) && n == 1:
		return one // there is one per organization: "1" would say nothing
	case n == 1:
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

var kindNouns = map[Kind][2]string{
	KindSecuritySettings: {"security settings", "security settings"},
	KindProject:          {"project", "projects"},
	KindApplication:      {"application", "applications"},
	KindUser:             {"member", "members"},
	KindGroup:            {"group", "groups"},
	KindSSHKey:           {"SSH key", "SSH keys"},
	KindAPIKey:           {"API key", "API keys"},
	KindPolicy:           {"policy", "policies"},
	KindSAML:             {"SAML configuration", "SAML configurations"},
	KindSCIM:             {"SCIM configuration", "SCIM configurations"},
	KindSCIMToken:        {"SCIM token", "SCIM tokens"},
	KindLoginMethods:     {"login methods", "login methods"},
}

// Plural names resources of kind k in words, without a count: "SSH keys", "members".
func (k Kind) Plural() string {
	if n := kindNouns[k][1]; n != "" {
		return n
	}
	return string(k) + "s"
}

// Rank is the position of k in Kinds, used to order actions.
func (k Kind) Rank() int {
	for i, kk := range Kinds {
		if kk == k {
			return i
		}
	}
	return len(Kinds)
}

// Key addresses one resource: application/ci-deployer, api_key/ci-deployer/github-actions.
// Parent is set only for API keys (their application's name).
type Key struct {
	Kind   Kind   `json:"kind"`
	Parent string `json:"parent,omitempty"`
	Name   string `json:"name"`
}

func (k Key) String() string {
	if k.Parent != "" {
		return fmt.Sprintf("%s/%s/%s", k.Kind, k.Parent, k.Name)
	}
	return fmt.Sprintf("%s/%s", k.Kind, k.Name)
}

// Less orders keys by kind rank, then parent, then name.
func (k Key) Less(o Key) bool {
	if k.Kind != o.Kind {
		return k.Kind.Rank() < o.Kind.Rank()
	}
	if k.Parent != o.Parent {
		return k.Parent < o.Parent
	}
	return k.Name < o.Name
}

// Pos is a position in a manifest file; the zero value means "not from a manifest".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// IsZero reports whether p points nowhere.
func (p Pos) IsZero() bool { return p.File == "" && p.Line == 0 }

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Meta is what every managed resource carries besides its own fields.
type Meta struct {
	// ID is the live ID (the access key for API keys); empty on desired values not yet created.
	ID string `json:"id,omitempty"`
	// Owner is the stack whose ownership tag (or, for API keys, description marker) the live
	// resource carries; empty when no stack owns it. Unused on desired values.
	Owner string `json:"owner,omitempty"`
	// Managed marks provider-managed live objects (managed:true, editable:false): never touched.
	Managed bool `json:"managed,omitempty"`
	// Adopt asks (on a desired value) to take over an existing unmanaged resource of the same name.
	Adopt bool `json:"adopt,omitempty"`
	// Pos is where a desired value was declared.
	Pos Pos `json:"pos,omitzero"`
	// Ignore lists the audit findings silenced on a desired value (audit: {ignore: [...]}).
	// Only audit reads it; it changes nothing in a plan.
	Ignore []Ignore `json:"ignore,omitempty"`
}

// Ignore silences one audit rule on one manifest element, for a stated reason.
type Ignore struct {
	// Rule is an audit rule ID such as IAM101.
	Rule string `json:"rule"`
	// Reason is why the finding is acceptable; required, and carried into audit reports.
	Reason string `json:"reason"`
}

// Org is a snapshot of an organization's IAM, desired or live.
type Org struct {
	OrganizationID string `json:"organization_id,omitempty"`
	// Stack is the manifest set's ownership label (desired only).
	Stack        string         `json:"stack,omitempty"`
	Applications []*Application `json:"applications"`
	Groups       []*Group       `json:"groups"`
	Policies     []*Policy      `json:"policies"`
	APIKeys      []*APIKey      `json:"api_keys"`
	// Users are organization members. On live values every user is listed (the owner too:
	// groups and policies name users by email whoever manages them); on desired values, the
	// members the manifests declare (users:).
	Users   []*User   `json:"users,omitempty"`
	SSHKeys []*SSHKey `json:"ssh_keys,omitempty"`
	// Unread lists, on a live value, the kinds the credentials could not read, each with why
	// ("the API key lacks SSHKeysReadOnly ..."): the kind's slice then says nothing, and must
	// never be taken for "none" (dnscontrol records an unreadable zone the same way). A plan
	// that declares such a kind is refused; audit says which rules could not run.
	Unread map[Kind]string `json:"unread,omitempty"`
	// QuotasUnread says why the quotas could not be read (live only): Quotas then says nothing,
	// and creations are not checked against them (the API still enforces them).
	QuotasUnread string `json:"quotas_unread,omitempty"`
	// SecuritySettings are the organization's security settings: on live values as read, on
	// desired values only when the manifests declare them (security_settings:).
	SecuritySettings *SecuritySettings `json:"security_settings,omitempty"`
	// SAML, SCIM, SCIMTokens and LoginMethods are the organization's identity federation
	// (federation.go): on live values as read (SAML and SCIM nil when not set up), on desired
	// values only when the manifests declare them (identity_provider:, login_methods:).
	SAML         *SAML         `json:"saml,omitempty"`
	SCIM         *SCIM         `json:"scim,omitempty"`
	SCIMTokens   []*SCIMToken  `json:"scim_tokens,omitempty"`
	LoginMethods *LoginMethods `json:"login_methods,omitempty"`
	// Projects are Account projects. On live values every project of the organization is
	// listed (the default one too: references are resolved among them, whoever manages
	// them); on desired values, the projects the manifests declare (projects:).
	Projects []*Project `json:"projects,omitempty"`
	// RunningAsUser is the ID of the user whose personal API key iamsync runs with, when it does
	// (live only): the plan never deletes or locks that user.
	RunningAsUser string `json:"running_as_user,omitempty"`
	// Quotas are the organization's IAM quotas by the kind they count (live only); a kind
	// missing here is unlimited, or its quota unknown.
	Quotas map[Kind]Quota `json:"quotas,omitempty"`
	// Review is the stack's recertification policy (desired only; review.go).
	Review Review `json:"review,omitzero"`
	// UsersFrom says who manages the organization's members (desired only; identity.go):
	// "" iamsync, UsersFromIdentityProvider the identity provider (SCIM).
	UsersFrom string `json:"users_from,omitempty"`
}

// Application is an IAM application (a non-human principal that holds API keys).
type Application struct {
	Meta
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
}

// Key addresses a.
func (a *Application) Key() Key { return Key{Kind: KindApplication, Name: a.Name} }

// Group is an IAM group of users and applications.
type Group struct {
	Meta
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Members     Members  `json:"members"`
	// AllUsers and AllApplications mark Scaleway's managed groups "All Users" and "All
	// Applications" (live only, BEHAVIOUR.md §10): a policy attached to one reaches every user,
	// or every application the provider does not manage, whether or not Members lists them.
	AllUsers        bool `json:"all_users,omitempty"`
	AllApplications bool `json:"all_applications,omitempty"`
	// MembersFrom says who manages the group's members (desired only; identity.go): ""
	// iamsync, MembersFromIdentityProvider the identity provider, whose memberships iamsync
	// never changes.
	MembersFrom string `json:"members_from,omitempty"`
}

// Key addresses g.
func (g *Group) Key() Key { return Key{Kind: KindGroup, Name: g.Name} }

// Members are a group's members: applications by name, users by email.
type Members struct {
	Applications []string `json:"applications"`
	Users        []string `json:"users"`
}

// PrincipalKind says what a policy is attached to.
type PrincipalKind string

// Principal kinds; PrincipalNone is a policy with no principal.
const (
	PrincipalNone        PrincipalKind = ""
	PrincipalApplication PrincipalKind = "application"
	PrincipalGroup       PrincipalKind = "group"
	PrincipalUser        PrincipalKind = "user"
)

// Principal is the holder of a policy's rules. Name is an application or group name or a user's
// email. ID is set on live values, and on desired values that reference a principal by ID
// (an external reference the manifests do not manage).
type Principal struct {
	Kind PrincipalKind `json:"kind,omitempty"`
	Name string        `json:"name,omitempty"`
	ID   string        `json:"id,omitempty"`
	// External marks a desired reference by name to a resource the manifest set does not
	// declare (another stack's, or nobody's): it must exist in the organization.
	External bool `json:"external,omitempty"`
}

func (p Principal) String() string {
	if p.Kind == PrincipalNone {
		return "none"
	}
	n := p.Name
	if n == "" {
		n = p.ID
	}
	return fmt.Sprintf("%s %s", p.Kind, n)
}

// Policy is an IAM policy: a principal and its rules.
type Policy struct {
	Meta
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Tags        []string  `json:"tags"`
	Principal   Principal `json:"principal"`
	Rules       []Rule    `json:"rules"`
	// RulesUnread is set on a live policy whose rules the reader did not fetch (live.ReadOptions
	// RulesFor): its Rules say nothing, and must not be taken for a policy without rules.
	RulesUnread bool `json:"rules_unread,omitempty"`
}

// Key addresses p.
func (p *Policy) Key() Key { return Key{Kind: KindPolicy, Name: p.Name} }

// Rule grants permission sets on a scope: the whole organization, or a list of projects.
// Rules are identified by content, never by ID (the API renews rule IDs on every set-rules,
// BEHAVIOUR.md §5.3).
type Rule struct {
	PermissionSets []string `json:"permission_sets"`
	// Organization scopes the rule to the organization (for project-level sets: every project).
	Organization bool `json:"organization,omitempty"`
	// Projects are project IDs on live values; names or IDs on desired values until resolved.
	Projects []string `json:"projects,omitempty"`
	// Condition is the rule's condition as the API stores it: on desired values with an
	// ExpiresAt, the manifest's condition with the expiry clause compiled in (WithExpiry).
	Condition string `json:"condition,omitempty"`
	// ExpiresAt is the manifest's expires_at (desired only; live rules carry the instant in
	// their Condition alone, see Rule.Expiry). Scaleway enforces it through the condition; it is
	// kept here so that a plan can drop the rule once the instant has passed.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// ReviewedUntil is the manifest's reviewed_until (the rule's own, or its policy's): the
	// grant is approved until then, and due for review after (review.go). Desired only: Scaleway
	// knows nothing of it, so it never reaches the condition nor the comparison with live.
	ReviewedUntil *time.Time `json:"reviewed_until,omitempty"`
	Pos           Pos        `json:"pos,omitzero"`
	// ReviewPos is where that reviewed_until is written (the rule's line, or the policy's).
	ReviewPos Pos `json:"review_pos,omitzero"`
}

// APIKey is an application's API key. Its identity within the application is Name, which
// iamsync records in the key's description (keys have no tags).
type APIKey struct {
	Meta
	Application string `json:"application"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// DefaultProject is a project name or ID on desired values, an ID on live values.
	DefaultProject string `json:"default_project,omitempty"`
	// Expiry: at most one of ExpiresAt and ExpiresIn is set on desired values; neither means never.
	// Live values only set ExpiresAt.
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	ExpiresIn time.Duration `json:"expires_in,omitempty"`
	// RotateBefore rotates the key when it expires within this window.
	RotateBefore time.Duration `json:"rotate_before,omitempty"`
	// Secret names the secrets-file entry the key's credentials are written to (desired only).
	Secret string `json:"secret,omitempty"`
	// CreatedAt is set on live values.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// RetiredUntil is set on live keys that a rotation replaced and keeps for a grace period;
	// such a key is no longer the manifest's key and is deleted once the instant has passed.
	RetiredUntil *time.Time `json:"retired_until,omitempty"`
}

// Key addresses k.
func (k *APIKey) Key() Key { return Key{Kind: KindAPIKey, Parent: k.Application, Name: k.Name} }

// Project is an Account project. Projects have no tags: ownership is a marker at the end of
// the description (ownership.go), and Description is the description without it. The
// organization's default project, whose ID is the organization's (BEHAVIOUR.md §4), is
// Managed on live values: iamsync never changes nor deletes it.
type Project struct {
	Meta
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Key addresses p.
func (p *Project) Key() Key { return Key{Kind: KindProject, Name: p.Name} }

// User is an organization member (lookup only: users are invited, never created by iamsync).
//
// A user is identified by email, compared without regard to case (resolveDesired spells a
// declared user as the organization does). Ownership is the ownership tag, as for
// applications; the organization's owner is read-only (Managed).
type User struct {
	Meta
	Email string `json:"email"`
	// Username, FirstName and LastName are compared only when the manifest gives them: a member
	// may edit their own profile, and a manifest that says nothing leaves it alone.
	Username  string   `json:"username,omitempty"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Tags      []string `json:"tags"`
	// Locked members cannot log in or use their API keys (offboarding without deletion).
	Locked bool `json:"locked,omitempty"`
	// SendWelcomeEmail (desired, at creation only) has Scaleway email the member; without it
	// iamsync generates an initial password and writes it to the secrets file under Secret.
	SendWelcomeEmail bool   `json:"send_welcome_email,omitempty"`
	Secret           string `json:"secret,omitempty"`
	// Type (owner or member), MFA, CreatedAt and LastLoginAt are set on live values.
	Type        string     `json:"type,omitempty"`
	MFA         bool       `json:"mfa,omitempty"`
	CreatedAt   time.Time  `json:"created_at,omitzero"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	// Sessions is how many console sessions (JWTs) the member has open, on live values whose
	// sessions the reader was asked for (live.ReadOptions.SessionsFor); nil when not read,
	// which must never be taken for "none".
	Sessions *int `json:"sessions,omitempty"`
}

// Key addresses u.
func (u *User) Key() Key { return Key{Kind: KindUser, Name: u.Email} }

// SSHKey is an SSH public key of the organization, attributed to a project. SSH keys have no
// tags and no description: ownership is a marker at the end of the name (ownership.go), and
// Name is the name without it.
type SSHKey struct {
	Meta
	Name string `json:"name"`
	// PublicKey is "TYPE BASE64" (the comment and surrounding white space dropped, as the API
	// answers it).
	PublicKey string `json:"public_key"`
	// Project is a project name or ID on desired values ("" = the organization's default
	// project), an ID on live values.
	Project  string `json:"project,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
	// Fingerprint and CreatedAt are set on live values.
	Fingerprint string    `json:"fingerprint,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// Key addresses k.
func (k *SSHKey) Key() Key { return Key{Kind: KindSSHKey, Name: k.Name} }

// SecuritySettings are the organization's security settings. A nil field is one the
// manifests leave as it is (desired); live values have every field.
type SecuritySettings struct {
	Meta
	EnforcePasswordRenewal    *bool          `json:"enforce_password_renewal,omitempty"`
	GracePeriod               *time.Duration `json:"grace_period,omitempty"`
	LoginAttemptsBeforeLocked *uint32        `json:"login_attempts_before_locked,omitempty"`
	MaxLoginSession           *time.Duration `json:"max_login_session,omitempty"`
	// MaxAPIKeyExpiration bounds the expiry of new API keys; 0 is no bound (and keys may
	// never expire).
	MaxAPIKeyExpiration *time.Duration `json:"max_api_key_expiration,omitempty"`
}

// SecuritySettingsName is the name in the key of the one security settings resource.
const SecuritySettingsName = "organization"

// Key addresses s: there is one per organization.
func (s *SecuritySettings) Key() Key {
	return Key{Kind: KindSecuritySettings, Name: SecuritySettingsName}
}

// Quota is one of the organization's quotas: at most Limit resources, of which Current exist
// (every resource of the kind in the organization, whoever owns it: API keys count users'
// personal keys too).
type Quota struct {
	Name    string `json:"name"`
	Limit   uint64 `json:"limit"`
	Current int    `json:"current"`
}

// Found is a live resource looked up by name (for API keys: by application) after a create
// whose outcome was unknown; live returns it and apply settles on it.
type Found struct {
	ID          string
	Tags        []string
	Description string
	CreatedAt   time.Time
	// Name and Parent (an API key's application ID) are set by lists of a whole kind.
	Name, Parent string
}
