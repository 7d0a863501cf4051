package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	secret "github.com/scaleway/scaleway-sdk-go/api/secret/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// Secret Manager as the secrets store (apply --secrets-to scaleway-secret-manager, issue 13).
// Each new key's credentials become a new version of the secret named after the manifest's
// `secret` (the entry name a secrets file would use), in one project and region, through
// scaleway-sdk-go's api/secret/v1beta1:
//
//   - the secret is of type key_value at path "/", its data the JSON object
//     {"access_key": ..., "secret_key": ...}, and the version's description the access key (not
//     a secret), so that a version can be told from the console without reading its data;
//   - the secrets iamsync creates carry the stack's ownership tag; a secret of that name at
//     "/" in the project that does not carry it is someone else's, and nothing is written to
//     it (the key is then deleted again, as when a secrets file cannot be written);
//   - a version is added, never replaced: "latest" is the newest key, and older versions hold
//     keys a rotation replaced (deleted, or retired with --keep-old);
//   - a store that cannot write (403, 5xx after the transport's retries) fails the PutAll: apply
//     deletes the key, so none exists without its secret stored. A secret this call created is
//     deleted again when its first version fails, so nothing is left half-written; a version
//     whose creation was ambiguous (a 5xx on the POST) is looked for and deleted.
//
// Where the recordings are silent (BEHAVIOUR.md covers IAM; Secret Manager's shapes are those
// of the two api-key-ephemeral-resource-* cassettes): whether name filters match exactly (they
// are checked again here), and whether a name can be used twice at one path (the emulator
// answers 409, which is taken as "look it up").

// SecretManager is the Secret Manager secrets store. It is safe for concurrent use.
type SecretManager struct {
	api       *secret.API
	region    scw.Region
	ProjectID string
	tag       string

	mu  sync.Mutex
	ids map[string]string // secret name → ID, this stack's secrets
	// tokenSecrets are the secrets (name → ID) that hold SCIM tokens' bearers (tokenSecretDesc).
	tokenSecrets map[string]string
	locks        map[string]*sync.Mutex // one writer per secret name
	added        map[string]smVersion   // access key → the version written for it
	// maxObjects bounds its lists, as the client's (pages.go).
	maxObjects int
}

func secretID(s *secret.Secret) string { return s.ID }

type smVersion struct {
	secretID string
	revision uint32
}

// SecretManager opens the store in project (a name or an ID; "" = the profile's default
// project, else the organization's default project, whose ID is the organization's,
// BEHAVIOUR.md §4) and the profile's default region (fr-par when none). It lists the stack's
// secrets there first, which needs the read right: credentials without Secret Manager rights
// are refused before anything is created.
func (c *Client) SecretManager(ctx context.Context, project, stack string) (*SecretManager, error) {
	region := scw.RegionFrPar
	if r, ok := c.sdk.GetDefaultRegion(); ok {
		region = r
	}
	projectID, err := c.secretsProject(ctx, project)
	if err != nil {
		return nil, err
	}
	m := &SecretManager{api: secret.NewAPI(c.sdk), region: region, ProjectID: projectID, tag: model.OwnerTag(stack),
		ids: map[string]string{}, tokenSecrets: map[string]string{}, locks: map[string]*sync.Mutex{}, added: map[string]smVersion{}}
	size := uint32(maxPageSize)
	list, err := pageThrough(c.maxObjects, "secrets", func(page int32) ([]*secret.Secret, uint64, error) {
		r, err := m.api.ListSecrets(&secret.ListSecretsRequest{Region: region, ProjectID: &projectID, Tags: []string{m.tag}, Page: &page, PageSize: &size},
			scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.Secrets, r.TotalCount, nil
	}, secretID)
	if err != nil {
		return nil, fmt.Errorf("list the secrets of project %s in Secret Manager (%s): %w", projectID, region, err)
	}
	m.maxObjects = c.maxObjects
	for _, s := range list {
		if m.ours(s) {
			m.ids[s.Name] = s.ID
			if s.Description != nil && *s.Description == tokenSecretDesc {
				m.tokenSecrets[s.Name] = s.ID
			}
		}
	}
	return m, nil
}

// The descriptions of the secrets this store creates: what they hold, never a secret.
const (
	keySecretDesc   = "API key credentials (access_key, secret_key) written by iamsync; the latest version is the current key"
	tokenSecretDesc = "SCIM token (token_id, bearer_token) written by iamsync; the latest version is the current token"
)

// StoredTokens returns the SCIM token ID each token secret's latest version holds (secret name →
// token ID), from the versions' descriptions: the bearers are not read. The plan pairs declared
// tokens with live ones by it (plan.Options.StoredTokens).
func (m *SecretManager) StoredTokens(ctx context.Context) (map[string]string, error) {
	m.mu.Lock()
	names := make(map[string]string, len(m.tokenSecrets))
	for name, id := range m.tokenSecrets {
		names[name] = id
	}
	m.mu.Unlock()
	out := map[string]string{}
	for name, id := range names {
		v, err := m.api.GetSecretVersion(&secret.GetSecretVersionRequest{Region: m.region, SecretID: id, Revision: "latest"}, scw.WithContext(ctx))
		if IsNotFound(err) {
			continue // no version left: the secret holds no token
		}
		if err != nil {
			return nil, fmt.Errorf("read which SCIM token Secret Manager secret %s holds: %w", name, err)
		}
		if v.Description != nil {
			out[name] = *v.Description
		}
	}
	return out, nil
}

// secretsProject resolves the --secrets-project value to a project ID.
func (c *Client) secretsProject(ctx context.Context, project string) (string, error) {
	if project == "" {
		if id, ok := c.sdk.GetDefaultProjectID(); ok && id != "" {
			return id, nil
		}
		return c.OrganizationID, nil
	}
	size := uint32(maxPageSize)
	projects, err := pageThrough(c.maxObjects, "projects", func(page int32) ([]*account.Project, uint64, error) {
		r, err := c.projects.ListProjects(&account.ProjectAPIListProjectsRequest{OrganizationID: c.OrganizationID, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.Projects, r.TotalCount, nil
	}, func(p *account.Project) string { return p.ID })
	if err != nil {
		return "", fmt.Errorf("list the projects to find %q: %w", project, err)
	}
	var byName []string
	for _, p := range projects {
		if p.ID == project {
			return p.ID, nil
		}
		if p.Name == project {
			byName = append(byName, p.ID)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return "", fmt.Errorf("no project is named or has the ID %q: give --secrets-project an existing project's name or ID", project)
	}
	// Project names are not unique (BEHAVIOUR.md §5.6).
	return "", fmt.Errorf("%d projects are named %q (%s): give --secrets-project the ID of the one to use", len(byName), project, strings.Join(byName, ", "))
}

func (m *SecretManager) ours(s *secret.Secret) bool {
	return s.DeletionRequestedAt == nil && s.Path == "/" && hasString(s.Tags, m.tag)
}

// Concurrent tells apply that PutAll may be called from several goroutines at once.
func (m *SecretManager) Concurrent() bool { return true }

// String names the store in messages.
func (m *SecretManager) String() string {
	return fmt.Sprintf("Secret Manager (project %s, region %s)", m.ProjectID, m.region)
}

// PutAll stores each entry as a new version of the secret of its name.
func (m *SecretManager) PutAll(entries map[string]secrets.Credentials) error {
	for name, c := range entries {
		if err := m.put(name, c); err != nil {
			return err
		}
	}
	return nil
}

func (m *SecretManager) lock(name string) func() {
	m.mu.Lock()
	l := m.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		m.locks[name] = l
	}
	m.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (m *SecretManager) put(name string, c secrets.Credentials) error {
	defer m.lock(name)()
	// Writes outlive an interrupt, as apply's other calls do: a half-done store is worse.
	ctx := context.Background()
	m.mu.Lock()
	id := m.ids[name]
	m.mu.Unlock()
	created := false
	if id == "" {
		desc := keySecretDesc
		if c.TokenID != "" {
			desc = tokenSecretDesc
		}
		var err error
		if id, created, err = m.create(ctx, name, desc); err != nil {
			return err
		}
	}
	// An API key's pair, a member's initial login or a SCIM token; the description names it without its
	// secret.
	fields, desc := map[string]string{"access_key": c.AccessKey, "secret_key": c.SecretKey.Reveal()}, c.AccessKey
	switch {
	case c.TokenID != "":
		fields, desc = map[string]string{"token_id": c.TokenID, "bearer_token": c.BearerToken.Reveal()}, c.TokenID
	case c.AccessKey == "" && c.Email != "":
		fields, desc = map[string]string{"email": c.Email, "password": c.Password.Reveal()}, c.Email
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	v, err := m.api.CreateSecretVersion(&secret.CreateSecretVersionRequest{Region: m.region, SecretID: id, Data: data, Description: &desc}, scw.WithContext(ctx))
	if err != nil {
		werr := fmt.Errorf("store the credentials of %s in Secret Manager secret %s: %w", desc, name, err)
		if IsAmbiguous(err) {
			// The version may exist: it holds a key apply is about to delete.
			m.deleteVersionsOf(ctx, id, desc)
		}
		if created {
			_ = m.api.DeleteSecret(&secret.DeleteSecretRequest{Region: m.region, SecretID: id}, scw.WithContext(ctx))
			m.mu.Lock()
			delete(m.ids, name)
			delete(m.tokenSecrets, name)
			m.mu.Unlock()
		}
		return werr
	}
	m.mu.Lock()
	m.added[desc] = smVersion{secretID: id, revision: v.Revision}
	m.mu.Unlock()
	return nil
}

// create makes the secret name, or finds it when another writer just did (409, or an answer
// lost).
func (m *SecretManager) create(ctx context.Context, name, desc string) (string, bool, error) {
	s, err := m.api.CreateSecret(&secret.CreateSecretRequest{Region: m.region, ProjectID: m.ProjectID, Name: name,
		Tags: []string{m.tag}, Description: &desc, Type: secret.SecretTypeKeyValue}, scw.WithContext(ctx))
	if err == nil {
		m.remember(name, s.ID, desc)
		return s.ID, true, nil
	}
	var re *scw.ResponseError
	if !IsAmbiguous(err) && !(errors.As(err, &re) && re.StatusCode == http.StatusConflict) {
		return "", false, fmt.Errorf("create Secret Manager secret %s in project %s: %w", name, m.ProjectID, err)
	}
	size := uint32(maxPageSize)
	list, lerr := pageThrough(m.maxObjects, "secrets", func(page int32) ([]*secret.Secret, uint64, error) {
		r, err := m.api.ListSecrets(&secret.ListSecretsRequest{Region: m.region, ProjectID: &m.ProjectID, Name: &name, Page: &page, PageSize: &size},
			scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.Secrets, r.TotalCount, nil
	}, secretID)
	if lerr != nil {
		return "", false, fmt.Errorf("create Secret Manager secret %s: %w; looking it up failed too: %v", name, err, lerr)
	}
	for _, s := range list {
		if s.Name != name || s.Path != "/" || s.DeletionRequestedAt != nil {
			continue
		}
		if !m.ours(s) {
			return "", false, fmt.Errorf("Secret Manager secret %s (%s) in project %s is not this stack's (it lacks the tag %s): rename the manifest's `secret`, or delete that secret, or add the tag to it if it is iamsync's", name, s.ID, m.ProjectID, m.tag)
		}
		found := ""
		if s.Description != nil {
			found = *s.Description
		}
		m.remember(name, s.ID, found)
		return s.ID, false, nil
	}
	return "", false, fmt.Errorf("create Secret Manager secret %s in project %s: %w", name, m.ProjectID, err)
}

// remember records this stack's secret name, and whether it holds a SCIM token.
func (m *SecretManager) remember(name, id, desc string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ids[name] = id
	if desc == tokenSecretDesc {
		m.tokenSecrets[name] = id
	}
}

// deleteVersionsOf deletes the versions of secret id written for accessKey (best effort).
func (m *SecretManager) deleteVersionsOf(ctx context.Context, id, accessKey string) {
	size := uint32(maxPageSize)
	versions, err := pageThrough(m.maxObjects, "secret versions", func(page int32) ([]*secret.SecretVersion, uint64, error) {
		r, err := m.api.ListSecretVersions(&secret.ListSecretVersionsRequest{Region: m.region, SecretID: id, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.Versions, r.TotalCount, nil
	}, func(v *secret.SecretVersion) string { return strconv.FormatUint(uint64(v.Revision), 10) })
	if err != nil {
		return
	}
	for _, v := range versions {
		if v.Description != nil && *v.Description == accessKey && v.Status != secret.SecretVersionStatusDeleted {
			_ = m.api.DeleteSecretVersion(&secret.DeleteSecretVersionRequest{Region: m.region, SecretID: id, Revision: strconv.FormatUint(uint64(v.Revision), 10)}, scw.WithContext(ctx))
		}
	}
}

// Forget deletes the version this store wrote for accessKey (a key deleted again because
// another apply's twin won), so that "latest" is what it was before.
func (m *SecretManager) Forget(name, accessKey string) error {
	defer m.lock(name)()
	m.mu.Lock()
	v, ok := m.added[accessKey]
	m.mu.Unlock()
	if !ok {
		return nil
	}
	err := m.api.DeleteSecretVersion(&secret.DeleteSecretVersionRequest{Region: m.region, SecretID: v.secretID, Revision: strconv.FormatUint(uint64(v.revision), 10)},
		scw.WithContext(context.Background()))
	if err != nil {
		return fmt.Errorf("delete version %d of Secret Manager secret %s: %w", v.revision, name, err)
	}
	m.mu.Lock()
	delete(m.added, accessKey)
	m.mu.Unlock()
	return nil
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
