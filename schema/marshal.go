package schema

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// The manifest's wire types, used only to write manifests; field order is the order a reader
// expects (name first).
type (
	manifestFile struct {
		Version        int               `yaml:"version"`
		Stack          string            `yaml:"stack"`
		OrganizationID string            `yaml:"organization_id,omitempty"`
		Review         string            `yaml:"review,omitempty"`
		ReviewEvery    string            `yaml:"review_every,omitempty"`
		UsersFrom      string            `yaml:"users_from,omitempty"`
		Projects       []manifestProject `yaml:"projects,omitempty"`
		Applications   []manifestApp     `yaml:"applications,omitempty"`
		Groups         []manifestGroup   `yaml:"groups,omitempty"`
		Policies       []manifestPolicy  `yaml:"policies,omitempty"`
		APIKeys        []manifestKey     `yaml:"api_keys,omitempty"`
		Users          []manifestUser    `yaml:"users,omitempty"`
		SSHKeys        []manifestSSHKey  `yaml:"ssh_keys,omitempty"`
		Settings       *manifestSettings `yaml:"security_settings,omitempty"`
		// IdentityProvider and LoginMethods: marshal_federation.go.
		IdentityProvider *manifestIdentityProvider `yaml:"identity_provider,omitempty"`
		LoginMethods     *manifestLoginMethods     `yaml:"login_methods,omitempty"`
	}
	manifestUser struct {
		Email            string         `yaml:"email"`
		Username         string         `yaml:"username,omitempty"`
		FirstName        string         `yaml:"first_name,omitempty"`
		LastName         string         `yaml:"last_name,omitempty"`
		Tags             []string       `yaml:"tags,omitempty,flow"`
		Locked           bool           `yaml:"locked,omitempty"`
		SendWelcomeEmail bool           `yaml:"send_welcome_email,omitempty"`
		Secret           string         `yaml:"secret,omitempty"`
		Adopt            bool           `yaml:"adopt,omitempty"`
		Audit            *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestSSHKey struct {
		Name      string         `yaml:"name"`
		PublicKey string         `yaml:"public_key"`
		Project   string         `yaml:"project,omitempty"`
		Disabled  bool           `yaml:"disabled,omitempty"`
		Adopt     bool           `yaml:"adopt,omitempty"`
		Audit     *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestSettings struct {
		EnforcePasswordRenewal    *bool          `yaml:"enforce_password_renewal,omitempty"`
		GracePeriod               string         `yaml:"grace_period,omitempty"`
		LoginAttemptsBeforeLocked *uint32        `yaml:"login_attempts_before_locked,omitempty"`
		MaxLoginSession           string         `yaml:"max_login_session,omitempty"`
		MaxAPIKeyExpiration       string         `yaml:"max_api_key_expiration,omitempty"`
		Audit                     *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestApp struct {
		Name        string         `yaml:"name"`
		Description string         `yaml:"description,omitempty"`
		Tags        []string       `yaml:"tags,omitempty,flow"`
		Adopt       bool           `yaml:"adopt,omitempty"`
		Audit       *manifestAudit `yaml:"audit,omitempty"`
		APIKeys     []manifestKey  `yaml:"api_keys,omitempty"`
	}
	manifestGroup struct {
		Name        string         `yaml:"name"`
		Description string         `yaml:"description,omitempty"`
		Tags        []string       `yaml:"tags,omitempty,flow"`
		Adopt       bool           `yaml:"adopt,omitempty"`
		Audit       *manifestAudit `yaml:"audit,omitempty"`
		MembersFrom string         `yaml:"members_from,omitempty"`
		Members     struct {
			Applications []string `yaml:"applications,omitempty,flow"`
			Users        []string `yaml:"users,omitempty,flow"`
		} `yaml:"members,omitempty"`
	}
	manifestPolicy struct {
		Name        string         `yaml:"name"`
		Description string         `yaml:"description,omitempty"`
		Tags        []string       `yaml:"tags,omitempty,flow"`
		Adopt       bool           `yaml:"adopt,omitempty"`
		Audit       *manifestAudit `yaml:"audit,omitempty"`
		Principal   any            `yaml:"principal"`
		Rules       []manifestRule `yaml:"rules"`
	}
	manifestRule struct {
		PermissionSets []string `yaml:"permission_sets,flow"`
		Organization   bool     `yaml:"organization,omitempty"`
		Projects       []string `yaml:"projects,omitempty,flow"`
		Condition      string   `yaml:"condition,omitempty"`
		ExpiresAt      string   `yaml:"expires_at,omitempty"`
		ReviewedUntil  string   `yaml:"reviewed_until,omitempty"`
	}
	manifestKey struct {
		Application    string         `yaml:"application,omitempty"`
		Name           string         `yaml:"name"`
		Description    string         `yaml:"description,omitempty"`
		DefaultProject string         `yaml:"default_project,omitempty"`
		ExpiresIn      string         `yaml:"expires_in,omitempty"`
		ExpiresAt      string         `yaml:"expires_at,omitempty"`
		RotateBefore   string         `yaml:"rotate_before,omitempty"`
		Secret         string         `yaml:"secret"`
		AccessKey      string         `yaml:"access_key,omitempty"`
		Audit          *manifestAudit `yaml:"audit,omitempty"`
	}
	manifestAudit struct {
		Ignore []model.Ignore `yaml:"ignore"`
	}
)

// Marshal writes a desired-state org as one manifest file that Load reads back into an equal
// Org (positions aside). Keys are nested under their application when the org declares it.
func Marshal(org *model.Org) ([]byte, error) {
	if org.Stack == "" {
		return nil, fmt.Errorf("marshal manifest: the org has no stack")
	}
	m := manifestFile{Version: 1, Stack: org.Stack, OrganizationID: org.OrganizationID, UsersFrom: org.UsersFrom}
	if org.Review.Enforce {
		m.Review = "enforce"
	}
	if org.Review.Every > 0 {
		m.ReviewEvery = FormatDuration(org.Review.Every)
	}
	appIndex := map[string]int{}
	for _, k := range model.Kinds {
		schemaKinds[k].marshal(org, &m, appIndex)
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return out, nil
}

func principalValue(p model.Principal) any {
	if p.Kind == model.PrincipalNone {
		return "none"
	}
	if p.ID != "" {
		return map[string]string{string(p.Kind) + "_id": p.ID}
	}
	if p.External {
		return map[string]string{"external_" + string(p.Kind): p.Name}
	}
	return map[string]string{string(p.Kind): p.Name}
}

func audit(ignore []model.Ignore) *manifestAudit {
	if len(ignore) == 0 {
		return nil
	}
	return &manifestAudit{Ignore: ignore}
}

// marshalApplications writes applications, remembering where each is for its keys.
func marshalApplications(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, a := range org.Applications {
		appIndex[a.Name] = len(m.Applications)
		m.Applications = append(m.Applications, manifestApp{Name: a.Name, Description: a.Description, Tags: a.Tags, Adopt: a.Adopt, Audit: audit(a.Ignore)})
	}
}

// marshalAPIKeys writes API keys, under their application when the org declares it.
func marshalAPIKeys(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, k := range org.APIKeys {
		mk := manifestKey{Name: k.Name, Description: k.Description, DefaultProject: k.DefaultProject, Secret: k.Secret, AccessKey: k.ID, Audit: audit(k.Ignore)}
		switch {
		case k.ExpiresAt != nil:
			mk.ExpiresAt = k.ExpiresAt.UTC().Format(time.RFC3339Nano)
		case k.ExpiresIn > 0:
			mk.ExpiresIn = FormatDuration(k.ExpiresIn)
		default:
			mk.ExpiresIn = "never"
		}
		if k.RotateBefore > 0 {
			mk.RotateBefore = FormatDuration(k.RotateBefore)
		}
		if i, ok := appIndex[k.Application]; ok {
			m.Applications[i].APIKeys = append(m.Applications[i].APIKeys, mk)
			continue
		}
		mk.Application = k.Application
		m.APIKeys = append(m.APIKeys, mk)
	}
}

// marshalGroups writes groups.
func marshalGroups(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, g := range org.Groups {
		mg := manifestGroup{Name: g.Name, Description: g.Description, Tags: g.Tags, Adopt: g.Adopt, Audit: audit(g.Ignore), MembersFrom: g.MembersFrom}
		mg.Members.Applications = g.Members.Applications
		mg.Members.Users = g.Members.Users
		m.Groups = append(m.Groups, mg)
	}
}

// marshalPolicies writes policies, writing expires_at apart from the condition.
func marshalPolicies(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, p := range org.Policies {
		mp := manifestPolicy{Name: p.Name, Description: p.Description, Tags: p.Tags, Adopt: p.Adopt, Audit: audit(p.Ignore), Principal: principalValue(p.Principal)}
		for _, r := range p.Rules {
			mr := manifestRule{PermissionSets: r.PermissionSets, Organization: r.Organization, Projects: r.Projects, Condition: r.Condition}
			// The loader compiled expires_at into the condition: write them apart again, or
			// loading the output would compile the expiry twice.
			if r.ExpiresAt != nil {
				if base, _, ok := model.SplitExpiry(r.Condition); ok {
					mr.Condition = base
				}
				mr.ExpiresAt = r.ExpiresAt.UTC().Format(time.RFC3339Nano)
			}
			// A policy's reviewed_until was copied to its rules: each rule says its own.
			if r.ReviewedUntil != nil {
				mr.ReviewedUntil = r.ReviewedUntil.UTC().Format(time.RFC3339Nano)
			}
			mp.Rules = append(mp.Rules, mr)
		}
		m.Policies = append(m.Policies, mp)
	}
}

// marshalUsers writes members.
func marshalUsers(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, u := range org.Users {
		m.Users = append(m.Users, manifestUser{Email: u.Email, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName,
			Tags: u.Tags, Locked: u.Locked, SendWelcomeEmail: u.SendWelcomeEmail, Secret: u.Secret, Adopt: u.Adopt, Audit: audit(u.Ignore)})
	}
}

// marshalSSHKeys writes SSH keys.
func marshalSSHKeys(org *model.Org, m *manifestFile, appIndex map[string]int) {
	for _, k := range org.SSHKeys {
		m.SSHKeys = append(m.SSHKeys, manifestSSHKey{Name: k.Name, PublicKey: k.PublicKey, Project: k.Project, Disabled: k.Disabled, Adopt: k.Adopt, Audit: audit(k.Ignore)})
	}
}

// marshalSecuritySettings writes the security settings.
func marshalSecuritySettings(org *model.Org, m *manifestFile, appIndex map[string]int) {
	if st := org.SecuritySettings; st != nil {
		dur := func(d *time.Duration) string {
			switch {
			case d == nil:
				return ""
			case *d == 0:
				return "0s"
			}
			return FormatDuration(*d)
		}
		m.Settings = &manifestSettings{EnforcePasswordRenewal: st.EnforcePasswordRenewal, GracePeriod: dur(st.GracePeriod),
			LoginAttemptsBeforeLocked: st.LoginAttemptsBeforeLocked, MaxLoginSession: dur(st.MaxLoginSession),
			MaxAPIKeyExpiration: dur(st.MaxAPIKeyExpiration), Audit: audit(st.Ignore)}
	}
}
