package schema

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// Decoding runs after schema validation and is lenient by design: a value of the wrong shape has
// already been reported, so it is skipped here rather than reported twice.

// src remembers where a decoded element was declared, for the checks that run on the whole set.
type src struct {
	f   *file
	ptr string
}

func (s src) pos(sub string) model.Pos  { return s.f.pos(s.ptr + sub) }
func (s src) path(sub string) string    { return s.f.path(s.ptr + sub) }
func (s src) bad(sub string) bool       { return s.f.isBad(s.ptr + sub) }
func (s src) badWithin(sub string) bool { return s.f.badWithin(s.ptr + sub) }

// header is what each file says about the set as a whole.
type header struct {
	version, stack, orgID string
	// review and reviewEvery are the raw review and review_every (review.go).
	review, reviewEvery string
	// usersFrom is the raw users_from (identity.go).
	usersFrom string
}

// decoded is one file's contribution to the set.
type decoded struct {
	header
	// org holds the file's elements, kind by kind (schemaKinds decode them).
	org *model.Org
}

// sources maps each decoded element to its declaration.
type sources struct {
	apps     map[*model.Application]src
	groups   map[*model.Group]src
	policies map[*model.Policy]src
	keys     map[*model.APIKey]src
	users    map[*model.User]src
	sshKeys  map[*model.SSHKey]src
	settings map[*model.SecuritySettings]src
	// federation holds the SAML and SCIM configurations, SCIM tokens and login methods.
	federation map[model.Resource]src
	projects   map[*model.Project]src
	// keyExpiry holds the raw expires_in of keys, "never" included, for the checks.
	keyExpiry map[*model.APIKey]string
	keyRotate map[*model.APIKey]string
	// nestedKey marks keys declared under their application (their application always resolves).
	nestedKey map[*model.APIKey]bool
}

func newSources() *sources {
	return &sources{
		apps:       map[*model.Application]src{},
		groups:     map[*model.Group]src{},
		policies:   map[*model.Policy]src{},
		keys:       map[*model.APIKey]src{},
		users:      map[*model.User]src{},
		sshKeys:    map[*model.SSHKey]src{},
		settings:   map[*model.SecuritySettings]src{},
		federation: map[model.Resource]src{},
		projects:   map[*model.Project]src{},
		keyExpiry:  map[*model.APIKey]string{},
		keyRotate:  map[*model.APIKey]string{},
		nestedKey:  map[*model.APIKey]bool{},
	}
}

// field returns the value of key k in mapping n, or nil.
func field(n *yaml.Node, k string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}

// str is the string value of a scalar that resolved as a string (or a timestamp, which a
// manifest treats as text); "" for anything else.
func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!timestamp") {
		return ""
	}
	return n.Value
}

func strs(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if s := str(c); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func boolean(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!bool" && strings.EqualFold(n.Value, "true")
}

func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func decodeFile(f *file, srcs *sources) decoded {
	r := f.root
	d := decoded{org: &model.Org{}}
	if v := field(r, "version"); v != nil {
		d.version = v.Value
	}
	d.stack = str(field(r, "stack"))
	d.orgID = str(field(r, "organization_id"))
	d.review = str(field(r, "review"))
	d.reviewEvery = str(field(r, "review_every"))
	d.usersFrom = str(field(r, "users_from"))
	for _, k := range model.Kinds {
		schemaKinds[k].decode(f, r, &d, srcs)
	}
	return d
}

// decodeApplications decodes applications, with the API keys nested under them.
func decodeApplications(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "applications")) {
		ptr := "/applications/" + strconv.Itoa(i)
		a := &model.Application{
			Meta:        meta(f, n),
			Name:        str(field(n, "name")),
			Description: str(field(n, "description")),
			Tags:        strs(field(n, "tags")),
		}
		d.org.Applications = append(d.org.Applications, a)
		srcs.apps[a] = src{f, ptr}
		for j, kn := range items(field(n, "api_keys")) {
			k := decodeKey(f, kn, srcs, src{f, ptr + "/api_keys/" + strconv.Itoa(j)})
			k.Application = a.Name
			srcs.nestedKey[k] = true
			d.org.APIKeys = append(d.org.APIKeys, k)
		}
	}
}

// decodeAPIKeys decodes the top-level api_keys.
func decodeAPIKeys(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "api_keys")) {
		k := decodeKey(f, n, srcs, src{f, "/api_keys/" + strconv.Itoa(i)})
		k.Application = str(field(n, "application"))
		d.org.APIKeys = append(d.org.APIKeys, k)
	}
}

// decodeGroups decodes groups.
func decodeGroups(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "groups")) {
		m := field(n, "members")
		g := &model.Group{
			Meta:        meta(f, n),
			Name:        str(field(n, "name")),
			Description: str(field(n, "description")),
			Tags:        strs(field(n, "tags")),
			Members: model.Members{
				Applications: strs(field(m, "applications")),
				Users:        strs(field(m, "users")),
			},
			MembersFrom: fromValue(str(field(n, "members_from"))),
		}
		d.org.Groups = append(d.org.Groups, g)
		srcs.groups[g] = src{f, "/groups/" + strconv.Itoa(i)}
	}
}

// decodePolicies decodes policies, compiling each rule's expires_at into its condition.
func decodePolicies(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "policies")) {
		p := &model.Policy{
			Meta:        meta(f, n),
			Name:        str(field(n, "name")),
			Description: str(field(n, "description")),
			Tags:        strs(field(n, "tags")),
			Principal:   decodePrincipal(field(n, "principal")),
		}
		policyReview, policyReviewPos := reviewedUntil(f, n, "/policies/"+strconv.Itoa(i))
		for j, rn := range items(field(n, "rules")) {
			r := model.Rule{
				PermissionSets: strs(field(rn, "permission_sets")),
				Organization:   boolean(field(rn, "organization")),
				Projects:       projectRefs(strs(field(rn, "projects"))),
				Condition:      str(field(rn, "condition")),
				Pos:            nodePos(f.name, rn),
			}
			// expires_at is compiled into the condition, so that Scaleway enforces it itself;
			// ExpiresAt stays beside it for the differ (model/expiry.go).
			ptr := "/policies/" + strconv.Itoa(i) + "/rules/" + strconv.Itoa(j) + "/expires_at"
			if at := str(field(rn, "expires_at")); at != "" && !f.isBad(ptr) {
				if t, ok := parseTime(at); ok {
					r.ExpiresAt = &t
					r.Condition = model.WithExpiry(r.Condition, t)
				}
			}
			r.ReviewedUntil, r.ReviewPos = reviewedUntil(f, rn, "/policies/"+strconv.Itoa(i)+"/rules/"+strconv.Itoa(j))
			if r.ReviewedUntil == nil {
				r.ReviewedUntil, r.ReviewPos = policyReview, policyReviewPos
			}
			p.Rules = append(p.Rules, r)
		}
		d.org.Policies = append(d.org.Policies, p)
		srcs.policies[p] = src{f, "/policies/" + strconv.Itoa(i)}
	}
}

// decodeUsers decodes members.
func decodeUsers(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "users")) {
		u := &model.User{
			Meta:             meta(f, n),
			Email:            str(field(n, "email")),
			Username:         str(field(n, "username")),
			FirstName:        str(field(n, "first_name")),
			LastName:         str(field(n, "last_name")),
			Tags:             strs(field(n, "tags")),
			Locked:           boolean(field(n, "locked")),
			SendWelcomeEmail: boolean(field(n, "send_welcome_email")),
			Secret:           str(field(n, "secret")),
		}
		d.org.Users = append(d.org.Users, u)
		srcs.users[u] = src{f, "/users/" + strconv.Itoa(i)}
	}
}

// decodeSSHKeys decodes SSH keys.
func decodeSSHKeys(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "ssh_keys")) {
		k := &model.SSHKey{
			Meta:      meta(f, n),
			Name:      str(field(n, "name")),
			PublicKey: model.CanonicalPublicKey(str(field(n, "public_key"))),
			Project:   projectRef(str(field(n, "project"))),
			Disabled:  boolean(field(n, "disabled")),
		}
		d.org.SSHKeys = append(d.org.SSHKeys, k)
		srcs.sshKeys[k] = src{f, "/ssh_keys/" + strconv.Itoa(i)}
	}
}

// decodeSecuritySettings decodes the security settings.
func decodeSecuritySettings(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	if n := field(r, "security_settings"); n != nil && n.Kind == yaml.MappingNode {
		st := &model.SecuritySettings{Meta: meta(f, n)}
		if v := field(n, "enforce_password_renewal"); v != nil {
			b := boolean(v)
			st.EnforcePasswordRenewal = &b
		}
		if v := field(n, "login_attempts_before_locked"); v != nil {
			if a, err := strconv.ParseUint(v.Value, 10, 32); err == nil {
				n := uint32(a)
				st.LoginAttemptsBeforeLocked = &n
			}
		}
		for _, df := range []struct {
			name string
			to   **time.Duration
		}{{"grace_period", &st.GracePeriod}, {"max_login_session", &st.MaxLoginSession}, {"max_api_key_expiration", &st.MaxAPIKeyExpiration}} {
			if v := str(field(n, df.name)); v != "" {
				if dur, err := ParseDuration(v); err == nil {
					*df.to = &dur
				}
			}
		}
		d.org.SecuritySettings = st
		srcs.settings[st] = src{f, "/security_settings"}
	}
}

func meta(f *file, n *yaml.Node) model.Meta {
	return model.Meta{Adopt: boolean(field(n, "adopt")), Pos: nodePos(f.name, n), Ignore: ignores(field(n, "audit"))}
}

// ignores reads audit: {ignore: [{rule, reason}]}; items the schema rejected (no rule or no
// reason) are dropped, so that an invalid silence never hides a finding.
func ignores(n *yaml.Node) []model.Ignore {
	var out []model.Ignore
	for _, in := range items(field(n, "ignore")) {
		rule, reason := str(field(in, "rule")), str(field(in, "reason"))
		if rule != "" && strings.TrimSpace(reason) != "" {
			out = append(out, model.Ignore{Rule: rule, Reason: reason})
		}
	}
	return out
}

// principalFields maps the manifest's principal spellings to the model.
var principalFields = []struct {
	field    string
	kind     model.PrincipalKind
	byID     bool
	external bool
}{
	{"application", model.PrincipalApplication, false, false},
	{"group", model.PrincipalGroup, false, false},
	{"user", model.PrincipalUser, false, false},
	{"external_application", model.PrincipalApplication, false, true},
	{"external_group", model.PrincipalGroup, false, true},
	{"application_id", model.PrincipalApplication, true, false},
	{"group_id", model.PrincipalGroup, true, false},
	{"user_id", model.PrincipalUser, true, false},
}

func decodePrincipal(n *yaml.Node) model.Principal {
	for _, pf := range principalFields {
		if v := str(field(n, pf.field)); v != "" {
			if pf.byID {
				return model.Principal{Kind: pf.kind, ID: strings.ToLower(v)}
			}
			return model.Principal{Kind: pf.kind, Name: v, External: pf.external}
		}
	}
	return model.Principal{}
}

func decodeKey(f *file, n *yaml.Node, srcs *sources, s src) *model.APIKey {
	k := &model.APIKey{
		Meta:           meta(f, n),
		Name:           str(field(n, "name")),
		Description:    str(field(n, "description")),
		DefaultProject: projectRef(str(field(n, "default_project"))),
		Secret:         str(field(n, "secret")),
	}
	// Adopting a key names it by access key: the ID is known up front.
	if ak := str(field(n, "access_key")); ak != "" {
		k.ID, k.Adopt = ak, true
	}
	if at := str(field(n, "expires_at")); at != "" && !s.bad("/expires_at") {
		if t, ok := parseTime(at); ok {
			k.ExpiresAt = &t
		}
	}
	if in := str(field(n, "expires_in")); in != "" {
		srcs.keyExpiry[k] = in
		if d, err := ParseDuration(in); err == nil && in != "never" {
			k.ExpiresIn = d
		}
	}
	if rb := str(field(n, "rotate_before")); rb != "" {
		srcs.keyRotate[k] = rb
		if d, err := ParseDuration(rb); err == nil {
			k.RotateBefore = d
		}
	}
	srcs.keys[k] = s
	return k
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// projectRef lower-cases a project given by ID: the API returns IDs in lower case (BEHAVIOUR.md
// §4), and an upper-case ID in a manifest must not look like a change on every plan. Names are
// kept as written.
func projectRef(s string) string {
	if uuidRE.MatchString(s) {
		return strings.ToLower(s)
	}
	return s
}

func projectRefs(ss []string) []string {
	for i, s := range ss {
		ss[i] = projectRef(s)
	}
	return ss
}

// parseTime reads an RFC 3339 time or a date (midnight UTC), in UTC: the API normalises expiry
// times to UTC (BEHAVIOUR.md §4), so comparing instants needs no zone.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}
