package emulator

import (
	"net/http"
	"time"
)

// Authentication and authorization.
//
// Every Scaleway path needs X-Auth-Token = the secret key of an existing API key (§1); the
// answers are the recorded 401 for an unknown key, and (emulator's choice, not recorded)
// reason "invalid_argument" for a missing token and reason "expired" for a key whose
// expires_at is past.
//
// Rights come from the policies reaching the key's bearer: policies whose principal is the
// application (or user), and policies on groups it belongs to. Only rules scoped to the
// organization (organization_id) count: IAM and projects are organization-level products.
// The owner key, and keys of the owner user, always have every right.

// bearer is the authenticated caller.
type bearer struct {
	key   *apiKey
	owner bool
	// read and write map a resource class ("application", "policy", …) to a right; "*" = all.
	read, write map[string]bool
	// projRead and projWrite map a project-level resource class ("ssh_key") to the projects
	// the right holds on; "*" = every project (a rule scoped to the organization).
	projRead, projWrite map[string]map[string]bool
}

func (b *bearer) can(write bool, resource string) bool {
	if b.owner {
		return true
	}
	if projectLevel[resource] {
		m := b.projRead
		if write {
			m = b.projWrite
		}
		return len(m[resource]) > 0
	}
	m := b.read
	if write {
		m = b.write
	}
	return m["*"] || m[resource]
}

// canProject reports a project-level right on one project.
func (b *bearer) canProject(write bool, resource, projectID string) bool {
	if b.owner {
		return true
	}
	m := b.projRead
	if write {
		m = b.projWrite
	}
	return m[resource]["*"] || m[resource][projectID]
}

// checkProject is canProject answered as the recorded 403.
func (b *bearer) checkProject(write bool, resource, projectID string) *apiError {
	if b.canProject(write, resource, projectID) {
		return nil
	}
	if write {
		return errDenied("write", resource)
	}
	return errDenied("read", resource)
}

// projectToWrite validates the project_id of a create (required, existing) and the
// bearer's right to write resource there.
func (s *Server) projectToWrite(c *call, id, resource string) (string, *apiError) {
	if id == "" {
		return "", errInvalid("project_id", "required", "value is required")
	}
	project, e := s.checkProjectArg("project_id", id)
	if e != nil {
		return "", e
	}
	return project, c.bearer.checkProject(true, resource, project)
}

// projectLevel lists the resource classes granted per project: SSH keys and secrets belong
// to a project, and their permission sets are project-level (permission-sets.tsv).
// secret_access is reading a secret version's data.
var projectLevel = map[string]bool{"ssh_key": true, "secret": true, "secret_access": true}

// setProjectRights is what project-level sets grant, on the projects of the rule. IAM sets
// grant nothing on SSH keys: IAMManager covers "users, groups, applications, policies and
// API keys" (Scaleway permission-set reference).
var setProjectRights = map[string]struct{ read, write []string }{
	"SSHKeysReadOnly":       {[]string{"ssh_key"}, nil},
	"SSHKeysFullAccess":     {[]string{"ssh_key"}, []string{"ssh_key"}},
	"AllProductsReadOnly":   {[]string{"ssh_key", "secret"}, nil},
	"AllProductsFullAccess": {[]string{"ssh_key", "secret", "secret_access"}, []string{"ssh_key", "secret"}},
	// Secret Manager: read-only sees secrets and versions but not their data; the narrow
	// sets are read as their names say (create and write: secrets and versions).
	"SecretManagerReadOnly":      {[]string{"secret"}, nil},
	"SecretManagerSecretAccess":  {[]string{"secret", "secret_access"}, nil},
	"SecretManagerSecretCreate":  {[]string{"secret"}, []string{"secret"}},
	"SecretManagerSecretWrite":   {[]string{"secret"}, []string{"secret"}},
	"SecretManagerSecretDelete":  {[]string{"secret"}, []string{"secret"}},
	"SecretManagerSecretRestore": {[]string{"secret"}, nil},
	"SecretManagerFullAccess":    {[]string{"secret", "secret_access"}, []string{"secret"}},
}

func grant(m map[string]map[string]bool, resource string, projects []string) {
	if m[resource] == nil {
		m[resource] = map[string]bool{}
	}
	for _, p := range projects {
		m[resource][p] = true
	}
}

// iamReads is what IAMReadOnly reads: "users, groups, applications, policies and API keys"
// (Scaleway's permission-set reference), with what IAM serves beside them. Not projects:
// those are Account's, read with ProjectReadOnly, whereas IAMManager "includes all
// ProjectManager permissions" (same reference).
var iamReads = []string{"application", "api_key", "group", "policy", "permission_set", "user", "security_settings", "log", "quota",
	"organization", "saml", "scim", "jwt"}

// setRights is what each permission set grants on the emulated resources. Project-level sets
// (AllProductsFullAccess among them, permission-sets.tsv) grant nothing here: IAM and
// projects are organization-level products.
var setRights = map[string]struct{ read, write []string }{
	"IAMManager":             {[]string{"*"}, []string{"*"}},
	"OrganizationManager":    {[]string{"*"}, []string{"*"}},
	"IAMReadOnly":            {iamReads, nil},
	"OrganizationReadOnly":   {[]string{"*"}, nil},
	"IAMApplicationManager":  {[]string{"application", "api_key"}, []string{"application", "api_key"}},
	"IAMApplicationReadOnly": {[]string{"application", "api_key"}, nil},
	"IAMGroupManager":        {[]string{"group"}, []string{"group"}},
	"IAMGroupReadOnly":       {[]string{"group"}, nil},
	"IAMPolicyManager":       {[]string{"policy", "permission_set"}, []string{"policy"}},
	"IAMPolicyReadOnly":      {[]string{"policy", "permission_set"}, nil},
	"IAMUserManager":         {[]string{"user"}, []string{"user"}},
	"IAMUserReadOnly":        {[]string{"user"}, nil},
	"ProjectManager":         {[]string{"project"}, []string{"project"}},
	"ProjectReadOnly":        {[]string{"project"}, nil},
}

func (s *Server) authenticate(r *http.Request, now time.Time) (*bearer, *apiError) {
	token := r.Header.Get("X-Auth-Token")
	if token == "" {
		return nil, errAuth("invalid_argument")
	}
	key := s.keyBySecret(token)
	if key == nil {
		return nil, errAuth("not_found")
	}
	if key.ExpiresAt != nil && !key.ExpiresAt.After(now) {
		return nil, errAuth("expired")
	}
	return s.bearerFor(key), nil
}

// bearerFor computes the rights of key's bearer from the policies reaching it.
func (s *Server) bearerFor(key *apiKey) *bearer {
	b := &bearer{key: key, read: map[string]bool{}, write: map[string]bool{},
		projRead: map[string]map[string]bool{}, projWrite: map[string]map[string]bool{}}
	if key.AccessKey == s.st.OwnerAccessKey || (key.UserID != "" && key.UserID == s.st.OwnerUserID) {
		b.owner = true
		return b
	}
	if u := s.st.Users[key.UserID]; u != nil && u.Locked {
		// "A locked member cannot log in or use API keys" (iam_sdk.go:3887); the docs say its
		// keys "lose their permissions": the key still authenticates and every call is 403.
		return b
	}
	for _, p := range s.st.Policies {
		if !s.policyReaches(p, key) {
			continue
		}
		for _, rule := range p.Rules {
			projects := rule.ProjectIDs
			if rule.OrganizationID != "" {
				projects = []string{"*"}
			}
			for _, name := range rule.PermissionSetNames {
				pr := setProjectRights[name]
				for _, res := range pr.read {
					grant(b.projRead, res, projects)
				}
				for _, res := range pr.write {
					grant(b.projWrite, res, projects)
				}
			}
			if rule.OrganizationID == "" {
				continue
			}
			for _, name := range rule.PermissionSetNames {
				rights := setRights[name]
				for _, res := range rights.read {
					b.read[res] = true
				}
				for _, res := range rights.write {
					b.write[res] = true
				}
			}
		}
	}
	return b
}

// policyReaches reports whether p applies to the key's bearer, directly or through a group.
func (s *Server) policyReaches(p *policy, k *apiKey) bool {
	switch {
	case p.ApplicationID != "":
		return p.ApplicationID == k.ApplicationID
	case p.UserID != "":
		return p.UserID == k.UserID
	case p.GroupID != "":
		g := s.st.Groups[p.GroupID]
		if g == nil {
			return false
		}
		if g.managed() {
			return s.managedGroupReaches(g, k)
		}
		if k.ApplicationID != "" {
			return inList(g.ApplicationIDs, k.ApplicationID)
		}
		return inList(g.UserIDs, k.UserID)
	}
	return false
}

// authorize answers the recorded 403 shape; the action is "read" for GET and "write"
// otherwise (the recordings only show "read").
func (s *Server) authorize(b *bearer, rd *routeDef, write bool) *apiError {
	if b.can(write, rd.resource) {
		return nil
	}
	action := "read"
	if write {
		action = "write"
	}
	return errDenied(action, rd.resource)
}
