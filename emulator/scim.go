package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SCIM provisioning, as SDK v1.39 builds the calls (iam_sdk.go:5592-5766; no recording,
// BEHAVIOUR.md §10):
//
//	GET/POST /organizations/{id}/scim      GetOrganizationScim, EnableOrganizationScim
//	DELETE /scim/{id}                      DeleteScim
//	GET/POST /scim/{id}/tokens             ListScimTokens, CreateScimToken
//	GET/DELETE /scim-tokens/{id}           GetScimToken, DeleteScimToken
//
// The SCIM protocol endpoint the identity provider calls is not part of the SDK and is not
// served; tests play the identity provider with ProvisionUser, DeprovisionUser,
// ProvisionGroup and SetProvisionedGroupMembers instead.

type scimConfig struct {
	ID        string       `json:"id"`
	CreatedAt time.Time    `json:"created_at"`
	Tokens    []*scimToken `json:"tokens"` // in creation order
}

type scimToken struct {
	ID        string    `json:"id"`
	Seq       uint64    `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// BearerSHA256 lets SCIMTokenActive check a bearer token; the token itself is only in
	// state.Issued (the secret canaries).
	BearerSHA256 string `json:"bearer_sha256"`
}

// maxActiveScimTokens and scimTokenExpiry: "SCIM tokens live one year and at most two are
// active at once" (Scaleway documentation, BEHAVIOUR.md §10).
const maxActiveScimTokens = 2

func scimTokenExpiry(created time.Time) time.Time { return created.AddDate(1, 0, 0) }

// scimJSON is the SDK's Scim (iam_sdk.go:3155).
type scimJSON struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
}

// scimTokenJSON is the SDK's ScimToken (iam_sdk.go:1182).
type scimTokenJSON struct {
	ID        string `json:"id"`
	ScimID    string `json:"scim_id"`
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at"`
}

func scimTokenOut(scimID string, t *scimToken) scimTokenJSON {
	return scimTokenJSON{t.ID, scimID, stamp(t.CreatedAt), stamp(t.ExpiresAt)}
}

func (s *Server) orgScim(c *call) (*scimConfig, *apiError) {
	if e := s.checkOrgPath(c, "scim"); e != nil {
		return nil, e
	}
	return s.st.Scim, nil
}

// getOrganizationScim: SCIM not enabled is 404 resource "scim" naming the organization
// (emulator's choice, as for SAML).
func getOrganizationScim(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.orgScim(c)
	if e != nil {
		return 0, nil, e
	}
	if cfg == nil {
		return 0, nil, errNotFound("scim", s.st.OrganizationID)
	}
	return http.StatusOK, scimJSON{cfg.ID, stamp(cfg.CreatedAt)}, nil
}

// enableOrganizationScim creates the configuration without a token (the console creates one
// in the same click; the API has a separate call). Enabling twice is 409 already_exists.
func enableOrganizationScim(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.orgScim(c)
	if e != nil {
		return 0, nil, e
	}
	if cfg != nil {
		return 0, nil, errAlreadyExists("scim", cfg.ID, "SCIM is already enabled for this organization")
	}
	cfg = &scimConfig{ID: s.st.newID(), CreatedAt: c.now, Tokens: []*scimToken{}}
	s.st.Scim = cfg
	return http.StatusOK, scimJSON{cfg.ID, stamp(cfg.CreatedAt)}, nil
}

func (s *Server) lookupScim(c *call) (*scimConfig, *apiError) {
	id, e := pathID(c, "scim_id")
	if e != nil {
		return nil, e
	}
	if s.st.Scim == nil || s.st.Scim.ID != id {
		return nil, errNotFound("scim", id)
	}
	return s.st.Scim, nil
}

// deleteScim disables SCIM ("Disable SCIM for an Organization", iam_sdk.go:5650); its tokens
// go with it. Provisioned users and groups stay, as ordinary ones.
func deleteScim(s *Server, c *call) (int, any, *apiError) {
	if _, e := s.lookupScim(c); e != nil {
		return 0, nil, e
	}
	s.st.Scim = nil
	return http.StatusNoContent, nil, nil
}

// listScimTokens: order_by created_at_asc (default) or created_at_desc, page and page_size
// as other IAM lists (ListScimTokensRequest, iam_sdk.go:2882-2895; default page size 20).
// Expired tokens are listed too, with their expires_at.
func listScimTokens(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	orderBy := q.enum("order_by", "created_at_asc", "created_at_asc", "created_at_desc")
	page, size := q.page(iamDefaultPageSize)
	if q.err != nil {
		return 0, nil, q.err
	}
	cfg, e := s.lookupScim(c)
	if e != nil {
		return 0, nil, e
	}
	items := append([]*scimToken{}, cfg.Tokens...)
	orderSlice(items, func(t *scimToken) sortable { return sortable{seq: t.Seq, created: t.CreatedAt} }, orderBy)
	out := []scimTokenJSON{}
	for _, t := range paginate(items, page, size) {
		out = append(out, scimTokenOut(cfg.ID, t))
	}
	return http.StatusOK, struct {
		ScimTokens []scimTokenJSON `json:"scim_tokens"`
		TotalCount int             `json:"total_count"`
	}{out, len(items)}, nil
}

// createScimToken answers CreateScimTokenResponse (iam_sdk.go:2016): the token and its
// bearer_token, once; later reads have no field for it. The bearer token joins
// IssuedSecrets. It expires a year after creation; a third token while two are unexpired
// is 403 quotas_exceeded on resource scim_token, quota 2 (the limit is documented, its
// answer is not: this is the layout of the emulator's other quotas).
func createScimToken(s *Server, c *call) (int, any, *apiError) {
	cfg, e := s.lookupScim(c)
	if e != nil {
		return 0, nil, e
	}
	active := 0
	for _, t := range cfg.Tokens {
		if t.ExpiresAt.After(c.now) {
			active++
		}
	}
	if active >= maxActiveScimTokens && !s.replaying {
		return 0, nil, errQuota("scim_token", s.st.OrganizationID, maxActiveScimTokens, active)
	}
	t := &scimToken{ID: s.st.newID(), Seq: s.st.Counter, CreatedAt: c.now, ExpiresAt: scimTokenExpiry(c.now)}
	b := s.st.next("scim-token")
	bearer := "scim_" + hex.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(bearer))
	t.BearerSHA256 = hex.EncodeToString(sum[:])
	s.st.Issued = append(s.st.Issued, bearer)
	cfg.Tokens = append(cfg.Tokens, t)
	return http.StatusOK, struct {
		Token       scimTokenJSON `json:"token"`
		BearerToken string        `json:"bearer_token"`
	}{scimTokenOut(cfg.ID, t), bearer}, nil
}

func (s *Server) lookupScimToken(c *call) (int, *scimToken, *apiError) {
	id, e := pathID(c, "token_id")
	if e != nil {
		return 0, nil, e
	}
	if s.st.Scim != nil {
		for i, t := range s.st.Scim.Tokens {
			if t.ID == id {
				return i, t, nil
			}
		}
	}
	return 0, nil, errNotFound("scim_token", id)
}

func getScimToken(s *Server, c *call) (int, any, *apiError) {
	_, t, e := s.lookupScimToken(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, scimTokenOut(s.st.Scim.ID, t), nil
}

func deleteScimToken(s *Server, c *call) (int, any, *apiError) {
	i, _, e := s.lookupScimToken(c)
	if e != nil {
		return 0, nil, e
	}
	toks := s.st.Scim.Tokens
	s.st.Scim.Tokens = append(toks[:i:i], toks[i+1:]...)
	return http.StatusNoContent, nil, nil
}

// SCIMTokenActive reports whether bearer is a SCIM token of the organization that exists and
// has not expired: what the SCIM endpoint would check, for tests of token rotation.
func (s *Server) SCIMTokenActive(bearer string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.st.Scim == nil {
		return false
	}
	sum := sha256.Sum256([]byte(bearer))
	h := hex.EncodeToString(sum[:])
	now := s.now()
	for _, t := range s.st.Scim.Tokens {
		if t.BearerSHA256 == h && t.ExpiresAt.After(now) {
			return true
		}
	}
	return false
}

// The identity provider's side, for tests: what an IdP does through SCIM (create, delete
// members; create groups and set their members; "the same APIs as regular actions", Scaleway
// audit-trail docs), applied directly. Each needs SCIM enabled, as the real endpoint needs a
// token. Whether a member or group came from SCIM is kept (user.SCIM, group.SCIM) but never
// answered: SDK v1.39's User and Group have no field for it (iam_sdk.go:1773-1835,
// 1363-1408), so clients cannot tell provisioned members from others.

func (s *Server) requireScim(op string) error {
	if s.st.Scim == nil {
		return fmt.Errorf("%s: SCIM is not enabled in the organization (POST /iam/v1alpha1/organizations/{id}/scim first)", op)
	}
	return nil
}

// ProvisionUser creates a member as the identity provider would and returns its ID.
func (s *Server) ProvisionUser(email string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireScim("provision user"); err != nil {
		return "", err
	}
	u, err := s.addUserLocked(email)
	if err != nil {
		return "", fmt.Errorf("provision user: %w", err)
	}
	u.SCIM = true
	return u.ID, s.persistLocked()
}

// DeprovisionUser deletes a member as the identity provider would (API keys, memberships and
// sessions go with it; its policies lose their principal, as DELETE /users does).
func (s *Server) DeprovisionUser(userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireScim("deprovision user"); err != nil {
		return err
	}
	u := s.st.Users[strings.ToLower(userID)]
	if u == nil || u.Owner {
		return fmt.Errorf("deprovision user: no member %s", userID)
	}
	s.removeUser(u)
	return s.persistLocked()
}

// ProvisionGroup creates an empty group as the identity provider would and returns its ID.
// Names are unique in the organization, as for POST /groups.
func (s *Server) ProvisionGroup(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireScim("provision group"); err != nil {
		return "", err
	}
	if e := firstErr(checkName("name", name), s.checkGroupName(name, "")); e != nil {
		return "", fmt.Errorf("provision group: name %q is invalid or taken", name)
	}
	g := s.newGroup(name, "", nil, s.now().UTC().Truncate(time.Microsecond))
	g.SCIM = true
	return g.ID, s.persistLocked()
}

// SetProvisionedGroupMembers replaces a group's users as the identity provider would (its
// applications stay). Any non-managed group will do: SCIM may take over existing groups.
func (s *Server) SetProvisionedGroupMembers(groupID string, userIDs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireScim("set group members"); err != nil {
		return err
	}
	g := s.st.Groups[strings.ToLower(groupID)]
	if g == nil || g.managed() {
		return fmt.Errorf("set group members: no editable group %s", groupID)
	}
	ids := dedupe(userIDs)
	if e := s.checkMembers(ids, nil, "user_ids", "application_ids"); e != nil {
		return fmt.Errorf("set group members: unknown or malformed user in %v", userIDs)
	}
	g.UserIDs = sorted(ids)
	return s.persistLocked()
}
