package model

import (
	"fmt"
	"iter"
	"regexp"
	"strings"
)

// Resource is one managed resource of any kind: what the differ matches, apply acts on and a
// plan carries. Every kind embeds Meta, which provides Metadata.
type Resource interface {
	Key() Key
	Metadata() *Meta
}

// Tagged is a resource that carries tags (and so the ownership tag, see ownership.go).
type Tagged interface {
	Resource
	TagList() []string
}

// Metadata returns m itself; embedded in every kind, it makes the kind a Resource.
func (m *Meta) Metadata() *Meta { return m }

// TagList returns a's tags.
func (a *Application) TagList() []string { return a.Tags }

// TagList returns g's tags.
func (g *Group) TagList() []string { return g.Tags }

// TagList returns p's tags.
func (p *Policy) TagList() []string { return p.Tags }

// TagList returns u's tags.
func (u *User) TagList() []string { return u.Tags }

// kindSpec is what the model knows of one kind: how to make an empty value (to decode a plan)
// and where an Org keeps its values. It is the one table a new kind is added to here.
type kindSpec struct {
	new  func() Resource
	each func(o *Org, yield func(Resource) bool) bool
	add  func(o *Org, r Resource)
	// drop removes every value of the kind from o.
	drop func(o *Org)
}

// eachOf yields the values of one of an Org's slices as Resources.
func eachOf[T Resource](s []T, yield func(Resource) bool) bool {
	for _, r := range s {
		if !yield(r) {
			return false
		}
	}
	return true
}

var kindSpecs = map[Kind]kindSpec{
	KindSAML: {
		new:  func() Resource { return new(SAML) },
		each: func(o *Org, y func(Resource) bool) bool { return o.SAML == nil || y(o.SAML) },
		add:  func(o *Org, r Resource) { o.SAML = r.(*SAML) },
		drop: func(o *Org) { o.SAML = nil },
	},
	KindSCIM: {
		new:  func() Resource { return new(SCIM) },
		each: func(o *Org, y func(Resource) bool) bool { return o.SCIM == nil || y(o.SCIM) },
		add:  func(o *Org, r Resource) { o.SCIM = r.(*SCIM) },
		drop: func(o *Org) { o.SCIM = nil },
	},
	KindSCIMToken: {
		new:  func() Resource { return new(SCIMToken) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.SCIMTokens, y) },
		add:  func(o *Org, r Resource) { o.SCIMTokens = append(o.SCIMTokens, r.(*SCIMToken)) },
		drop: func(o *Org) { o.SCIMTokens = nil },
	},
	KindLoginMethods: {
		new:  func() Resource { return new(LoginMethods) },
		each: func(o *Org, y func(Resource) bool) bool { return o.LoginMethods == nil || y(o.LoginMethods) },
		add:  func(o *Org, r Resource) { o.LoginMethods = r.(*LoginMethods) },
		drop: func(o *Org) { o.LoginMethods = nil },
	},
	KindSecuritySettings: {
		new: func() Resource { return new(SecuritySettings) },
		each: func(o *Org, y func(Resource) bool) bool {
			return o.SecuritySettings == nil || y(o.SecuritySettings)
		},
		add:  func(o *Org, r Resource) { o.SecuritySettings = r.(*SecuritySettings) },
		drop: func(o *Org) { o.SecuritySettings = nil },
	},
	KindProject: {
		new:  func() Resource { return new(Project) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.Projects, y) },
		add:  func(o *Org, r Resource) { o.Projects = append(o.Projects, r.(*Project)) },
		drop: func(o *Org) { o.Projects = nil },
	},
	KindUser: {
		new:  func() Resource { return new(User) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.Users, y) },
		add:  func(o *Org, r Resource) { o.Users = append(o.Users, r.(*User)) },
		drop: func(o *Org) { o.Users = nil },
	},
	KindSSHKey: {
		new:  func() Resource { return new(SSHKey) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.SSHKeys, y) },
		add:  func(o *Org, r Resource) { o.SSHKeys = append(o.SSHKeys, r.(*SSHKey)) },
		drop: func(o *Org) { o.SSHKeys = nil },
	},
	KindApplication: {
		new:  func() Resource { return new(Application) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.Applications, y) },
		add:  func(o *Org, r Resource) { o.Applications = append(o.Applications, r.(*Application)) },
		drop: func(o *Org) { o.Applications = nil },
	},
	KindGroup: {
		new:  func() Resource { return new(Group) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.Groups, y) },
		add:  func(o *Org, r Resource) { o.Groups = append(o.Groups, r.(*Group)) },
		drop: func(o *Org) { o.Groups = nil },
	},
	KindAPIKey: {
		new:  func() Resource { return new(APIKey) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.APIKeys, y) },
		add:  func(o *Org, r Resource) { o.APIKeys = append(o.APIKeys, r.(*APIKey)) },
		drop: func(o *Org) { o.APIKeys = nil },
	},
	KindPolicy: {
		new:  func() Resource { return new(Policy) },
		each: func(o *Org, y func(Resource) bool) bool { return eachOf(o.Policies, y) },
		add:  func(o *Org, r Resource) { o.Policies = append(o.Policies, r.(*Policy)) },
		drop: func(o *Org) { o.Policies = nil },
	},
}

// NewResource returns an empty value of kind k, to decode into.
func NewResource(k Kind) (Resource, error) {
	s, ok := kindSpecs[k]
	if !ok {
		return nil, fmt.Errorf("unknown resource kind %q", k)
	}
	return s.new(), nil
}

// Resources yields every managed resource of o, kind by kind in dependency order (Kinds), each
// kind in the order o holds it.
func (o *Org) Resources() iter.Seq[Resource] {
	return func(yield func(Resource) bool) {
		for _, k := range Kinds {
			if !kindSpecs[k].each(o, yield) {
				return
			}
		}
	}
}

// ResourcesOf yields o's resources of kind k.
func (o *Org) ResourcesOf(k Kind) iter.Seq[Resource] {
	return func(yield func(Resource) bool) {
		if s, ok := kindSpecs[k]; ok {
			s.each(o, yield)
		}
	}
}

// Add appends r to the slice of o that holds its kind.
func (o *Org) Add(r Resource) {
	kindSpecs[r.Key().Kind].add(o, r)
}

// Drop removes o's resources of kind k: audit compares without the kinds the credentials could
// not read (Org.Unread).
func (o *Org) Drop(k Kind) {
	if s, ok := kindSpecs[k]; ok {
		s.drop(o)
	}
}

// Member is one member of a group: an application by name or a user by email (or, on live
// values, by ID when the reader could not name it).
type Member struct {
	Kind PrincipalKind `json:"kind"` // PrincipalApplication or PrincipalUser
	Name string        `json:"name"`
}

// List returns m's members, applications first, each list in its order.
func (m Members) List() []Member {
	out := make([]Member, 0, len(m.Applications)+len(m.Users))
	for _, a := range m.Applications {
		out = append(out, Member{Kind: PrincipalApplication, Name: a})
	}
	for _, u := range m.Users {
		out = append(out, Member{Kind: PrincipalUser, Name: u})
	}
	return out
}

// UserSecretName is the secrets-file entry a member's generated initial password goes to: the
// manifest's secret, or one derived from the email (alice@example.com: ALICE_EXAMPLE_COM, written
// as ALICE_EXAMPLE_COM_EMAIL and ALICE_EXAMPLE_COM_PASSWORD in a dotenv file).
func UserSecretName(u *User) string {
	if u.Secret != "" {
		return u.Secret
	}
	return EnvName(u.Email)
}

var nonEnv = regexp.MustCompile(`[^A-Z0-9_]+`)

// EnvName makes s an environment-variable-style name: upper case, runs of anything else "_".
func EnvName(s string) string { return nonEnv.ReplaceAllString(strings.ToUpper(s), "_") }
