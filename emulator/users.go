package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Users: the owner and members. Members are created, edited, locked and deleted through the
// API (user-member, data-source-user-basic, list-iam-users-* recordings) or seeded with
// Options.Users / AddUser. Guest invitations (CreateUserRequest.email without member) are not
// served: Scaleway is retiring them and the SDK's UserType has no guest (iam_sdk.go:1035).

type user struct {
	ID        string    `json:"id"`
	Seq       uint64    `json:"seq"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	Owner     bool      `json:"owner"`
	Tags      []string  `json:"tags"`
	MFA       bool      `json:"mfa"`
	// The fields below came with member writes; a state file written before them loads with
	// their zero values, which userOut reads as the seeded defaults.
	Username    string    `json:"username,omitempty"`
	FirstName   string    `json:"first_name,omitempty"`
	LastName    string    `json:"last_name,omitempty"`
	PhoneNumber string    `json:"phone_number,omitempty"`
	Locale      string    `json:"locale,omitempty"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
	Locked      bool      `json:"locked,omitempty"`
	// HasPassword records that a password was set; the password itself is only in
	// state.Issued (the secret canaries), never answered. PasswordSHA256 lets tests check
	// which password a member has (Server.HasPassword) without the state holding it twice.
	HasPassword    bool   `json:"has_password,omitempty"`
	PasswordSHA256 string `json:"password_sha256,omitempty"`
	// LastLoginAt is set by AddSession and SetLastLogin (no API call logs a user in).
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	// SCIM marks a member the identity provider created (scim.go); never answered.
	SCIM bool `json:"scim,omitempty"`
}

func (u *user) setPassword(s *Server, password string) {
	u.HasPassword = true
	sum := sha256.Sum256([]byte(password))
	u.PasswordSHA256 = hex.EncodeToString(sum[:])
	s.st.Issued = append(s.st.Issued, password)
}

// defaultLocale is what the API answers for a member created with locale "" (user-member,
// data-source-user-basic #0).
const defaultLocale = "en_US"

func (u *user) username() string {
	if u.Username == "" {
		return u.Email // seeded users, like the recorded staff users, have username = email
	}
	return u.Username
}

func (u *user) updatedAt() time.Time {
	if u.UpdatedAt.IsZero() {
		return u.CreatedAt
	}
	return u.UpdatedAt
}

// userJSON: keys as recorded (group-membership-user #0, user-member #0). status stays
// "activated" when locked: the SDK documents status as the (deprecated) invitation status
// (iam_sdk.go:1817) and locking as its own flag (1830).
type userJSON struct {
	ID                string   `json:"id"`
	Email             string   `json:"email"`
	Username          string   `json:"username"`
	FirstName         string   `json:"first_name"`
	LastName          string   `json:"last_name"`
	PhoneNumber       string   `json:"phone_number"`
	Locale            string   `json:"locale"`
	CreatedAt         string   `json:"created_at"`
	UpdatedAt         string   `json:"updated_at"`
	OrganizationID    string   `json:"organization_id"`
	Deletable         bool     `json:"deletable"`
	LastLoginAt       *string  `json:"last_login_at"`
	Type              string   `json:"type"`
	TwoFactorEnabled  bool     `json:"two_factor_enabled"`
	Status            string   `json:"status"`
	MFA               bool     `json:"mfa"`
	AccountRootUserID string   `json:"account_root_user_id"`
	Tags              []string `json:"tags"`
	Locked            bool     `json:"locked"`
}

func (s *Server) userOut(u *user) userJSON {
	locale := u.Locale
	if locale == "" {
		locale = defaultLocale
	}
	out := userJSON{ID: u.ID, Email: u.Email, Username: u.username(), FirstName: u.FirstName, LastName: u.LastName, PhoneNumber: u.PhoneNumber,
		Locale: locale, CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.updatedAt()), OrganizationID: s.st.OrganizationID,
		Deletable: !u.Owner, Type: "member", TwoFactorEnabled: u.MFA, Status: "activated", MFA: u.MFA, Tags: tagsOut(u.Tags), Locked: u.Locked}
	if u.LastLoginAt != nil {
		at := stamp(*u.LastLoginAt)
		out.LastLoginAt = &at
	}
	if u.Owner {
		// The owner has an account root user ID; members have "" (§4).
		out.Type = "owner"
		out.AccountRootUserID = s.st.RootUserID
	}
	return out
}

var userOrders = []string{"created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc", "email_asc", "email_desc", "last_login_asc", "last_login_desc", "username_asc", "username_desc"}

func listUsers(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", userOrders...)
	page, size := q.page(iamDefaultPageSize)
	ids := q.uuids("user_ids")
	mfa := q.boolean("mfa")
	tag, _ := q.str("tag")
	// unknown_type is the SDK's zero value, not a filter (§1, trap 13).
	typ := q.enum("type", "unknown_type", "unknown_type", "owner", "member", "guest")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "user"); e != nil {
		return 0, nil, e
	}
	var items []*user
	for _, u := range s.st.Users {
		switch {
		case len(ids) > 0 && !inList(ids, u.ID),
			mfa != nil && *mfa != u.MFA,
			tag != "" && !hasTag(u.Tags, tag),
			typ == "owner" && !u.Owner,
			typ == "member" && u.Owner,
			typ == "guest":
			continue
		}
		items = append(items, u)
	}
	orderSlice(items, func(u *user) sortable {
		name := u.Email
		switch {
		case strings.HasPrefix(orderBy, "last_login"):
			// Fixed-width stamps sort as times; never logged in ("") sorts first ascending
			// (emulator's choice).
			name = ""
			if u.LastLoginAt != nil {
				name = stamp(*u.LastLoginAt)
			}
		case strings.HasPrefix(orderBy, "username"):
			name = u.username()
		}
		return sortable{u.Seq, u.CreatedAt, u.updatedAt(), name}
	}, orderBy)
	out := []userJSON{}
	for _, u := range paginate(items, page, size) {
		out = append(out, s.userOut(u))
	}
	return http.StatusOK, struct {
		Users      []userJSON `json:"users"`
		TotalCount int        `json:"total_count"`
	}{out, len(items)}, nil
}

func (s *Server) lookupUser(c *call) (*user, *apiError) {
	id, e := pathID(c, "user_id")
	if e != nil {
		return nil, e
	}
	u := s.st.Users[id]
	if u == nil {
		return nil, errNotFound("user", id)
	}
	return u, nil
}

func getUser(s *Server, c *call) (int, any, *apiError) {
	u, e := s.lookupUser(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.userOut(u), nil
}

type createMemberReq struct {
	Email             string `json:"email"`
	SendPasswordEmail bool   `json:"send_password_email"`
	SendWelcomeEmail  bool   `json:"send_welcome_email"`
	Username          string `json:"username"`
	Password          string `json:"password"`
	FirstName         string `json:"first_name"`
	LastName          string `json:"last_name"`
	PhoneNumber       string `json:"phone_number"`
	Locale            string `json:"locale"`
}

// createUserReq is the SDK's CreateUserRequest (iam_sdk.go:2031): exactly one of email (a
// guest invitation) and member.
type createUserReq struct {
	OrganizationID string           `json:"organization_id"`
	Email          *string          `json:"email"`
	Tags           []string         `json:"tags"`
	Member         *createMemberReq `json:"member"`
}

// checkEmail refuses a malformed address or one another user of the organization has; the
// SDK does not say emails are unique, the brief of this emulator does (one person, one
// member), and the console identifies members by email. Compared case-insensitively.
func (s *Server) checkEmail(arg, email, self string) *apiError {
	if email == "" {
		return errInvalid(arg, "required", "value is required")
	}
	at := strings.IndexByte(email, '@')
	if at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n") || len(email) > 254 {
		return errInvalid(arg, "format", "value must be an email address")
	}
	for _, u := range s.st.Users {
		if u.ID != self && strings.EqualFold(u.Email, email) {
			return errAlreadyExists("user", u.ID, fmt.Sprintf("a user with email %q already exists in this organization", email))
		}
	}
	return nil
}

// checkUsername refuses an empty username (the console and Terraform require one) or one
// another user holds: "user identifier unique to the Organization" (iam_sdk.go:1780).
func (s *Server) checkUsername(arg, name, self string) *apiError {
	if strings.TrimSpace(name) == "" {
		return errInvalid(arg, "required", "value is required")
	}
	if len([]rune(name)) > 64 {
		return errInvalid(arg, "constraint", "value length must be between 1 and 64")
	}
	for _, u := range s.st.Users {
		if u.ID != self && u.username() == name {
			return errAlreadyExists("user", u.ID, fmt.Sprintf("the username %q is taken in this organization", name))
		}
	}
	return nil
}

// createUser creates a member. With no password the member exists without one and logs in
// with an emailed code ("Passwords are not required for a first Member login", Scaleway
// docs "comply with security requirements as a Member"); the three recorded creates with
// password "" and both e-mails off answer 200 (data-source-user-basic, list-iam-users-basic,
// list-iam-users-mfa #0). The emulator never generates one, whatever send_password_email
// says (it sends no e-mail). A given password is kept only among the issued secrets.
func createUser(s *Server, c *call) (int, any, *apiError) {
	var req createUserReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.OrganizationID == "" {
		return 0, nil, errInvalid("organization_id", "required", "value is required")
	}
	if e := s.checkOrg(req.OrganizationID, "user"); e != nil {
		return 0, nil, e
	}
	switch {
	case req.Member != nil && req.Email != nil:
		return 0, nil, errInvalid("member", "constraint", "exactly one of email and member must be set")
	case req.Member == nil:
		return 0, nil, errInvalid("member", "required", "guest invitations are retired: create a member with the member block")
	}
	m := req.Member
	if e := firstErr(s.checkEmail("member.email", m.Email, ""), s.checkUsername("member.username", m.Username, ""), checkTags(req.Tags)); e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("users"); e != nil {
		return 0, nil, e
	}
	u := &user{ID: s.st.newID(), Seq: s.st.Counter, Email: m.Email, Username: m.Username, FirstName: m.FirstName, LastName: m.LastName,
		PhoneNumber: m.PhoneNumber, Locale: m.Locale, CreatedAt: c.now, UpdatedAt: c.now, Tags: tagsOut(req.Tags)}
	if u.Locale == "" {
		u.Locale = defaultLocale
	}
	if m.Password != "" {
		u.setPassword(s, m.Password)
	}
	s.st.Users[u.ID] = u
	return http.StatusOK, s.userOut(u), nil
}

type updateUserReq struct {
	Tags        *[]string `json:"tags"`
	Email       *string   `json:"email"`
	FirstName   *string   `json:"first_name"`
	LastName    *string   `json:"last_name"`
	PhoneNumber *string   `json:"phone_number"`
	Locale      *string   `json:"locale"`
}

// updateUser is partial. It does not move updated_at: user-member #6 changed email, names,
// phone, locale and tags and answered the creation's updated_at.
func updateUser(s *Server, c *call) (int, any, *apiError) {
	u, e := s.lookupUser(c)
	if e != nil {
		return 0, nil, e
	}
	var req updateUserReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.Tags != nil {
		if e := checkTags(*req.Tags); e != nil {
			return 0, nil, e
		}
	}
	if req.Email != nil {
		if e := s.checkEmail("email", *req.Email, u.ID); e != nil {
			return 0, nil, e
		}
	}
	if req.Tags != nil {
		u.Tags = tagsOut(*req.Tags)
	}
	if req.Email != nil {
		u.Email = *req.Email
	}
	for _, f := range []struct {
		from *string
		to   *string
	}{{req.FirstName, &u.FirstName}, {req.LastName, &u.LastName}, {req.PhoneNumber, &u.PhoneNumber}, {req.Locale, &u.Locale}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if u.Locale == "" {
		u.Locale = defaultLocale
	}
	return http.StatusOK, s.userOut(u), nil
}

// updateUsername moves updated_at (user-member #7).
func updateUsername(s *Server, c *call) (int, any, *apiError) {
	u, e := s.lookupUser(c)
	if e != nil {
		return 0, nil, e
	}
	var req struct {
		Username string `json:"username"`
	}
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkUsername("username", req.Username, u.ID); e != nil {
		return 0, nil, e
	}
	u.Username = req.Username
	u.UpdatedAt = c.now
	return http.StatusOK, s.userOut(u), nil
}

// updatePassword answers the user (UpdateUserPassword returns *User). Not recorded; it moves
// updated_at as update-username does. The password joins the issued secrets.
func updatePassword(s *Server, c *call) (int, any, *apiError) {
	u, e := s.lookupUser(c)
	if e != nil {
		return 0, nil, e
	}
	var req struct {
		Password string `json:"password"`
	}
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.Password == "" {
		return 0, nil, errInvalid("password", "required", "value is required")
	}
	u.setPassword(s, req.Password)
	u.UpdatedAt = c.now
	return http.StatusOK, s.userOut(u), nil
}

// setLocked serves lock and unlock. Only members can be locked ("Locking is an action that
// only applies to IAM Members", Scaleway docs "manage members"): the owner is 403, as its
// deletion is. Locking a locked member changes nothing. Not recorded; updated_at moves.
func setLocked(locked bool) handlerFunc {
	return func(s *Server, c *call) (int, any, *apiError) {
		u, e := s.lookupUser(c)
		if e != nil {
			return 0, nil, e
		}
		if u.Owner {
			return 0, nil, errDenied("write", "user")
		}
		if u.Locked != locked {
			u.Locked = locked
			u.UpdatedAt = c.now
		}
		return http.StatusOK, s.userOut(u), nil
	}
}

// deleteUser removes a member with its API keys, takes it out of groups, and leaves its
// policies without principal ("removing a user ... automatically deletes their API keys, and
// any policies directly attached to them become orphaned", iam_sdk.go:3694). The owner
// cannot be deleted (deletable:false, iam_sdk.go:1804): 403.
func deleteUser(s *Server, c *call) (int, any, *apiError) {
	u, e := s.lookupUser(c)
	if e != nil {
		return 0, nil, e
	}
	if u.Owner {
		return 0, nil, errDenied("write", "user")
	}
	s.removeUser(u)
	return http.StatusNoContent, nil, nil
}

// removeUser deletes member u with its API keys and console sessions, takes it out of
// groups and leaves its policies without principal.
func (s *Server) removeUser(u *user) {
	delete(s.st.Users, u.ID)
	for jti, j := range s.st.JWTs {
		if j.AudienceID == u.ID {
			delete(s.st.JWTs, jti)
		}
	}
	for _, k := range s.st.APIKeys {
		if k.UserID == u.ID {
			s.dropKey(k)
		}
	}
	for _, g := range s.st.Groups {
		g.UserIDs = without(g.UserIDs, u.ID)
	}
	for _, p := range s.st.Policies {
		if p.UserID == u.ID {
			p.UserID = ""
		}
	}
}

// HasPassword reports whether the member userID's password is password: what a sign-in would
// check, for tests that must know whether a stored password is the real one.
func (s *Server) HasPassword(userID, password string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.Users[userID]
	if !ok || !u.HasPassword {
		return false
	}
	sum := sha256.Sum256([]byte(password))
	return u.PasswordSHA256 == hex.EncodeToString(sum[:])
}

// AddUser seeds a member user and returns its ID. Emails are unique in an organization.
func (s *Server) AddUser(email string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.addUserLocked(email)
	if err != nil {
		return "", err
	}
	if err := s.persistLocked(); err != nil {
		return "", err
	}
	return u.ID, nil
}

func (s *Server) addUserLocked(email string) (*user, error) {
	email = strings.TrimSpace(email)
	if !strings.Contains(email, "@") {
		return nil, fmt.Errorf("add user: %q is not an email address", email)
	}
	for _, u := range s.st.Users {
		if strings.EqualFold(u.Email, email) {
			return nil, fmt.Errorf("add user: %s already exists", email)
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	u := &user{ID: s.st.newID(), Seq: s.st.Counter, Email: email, CreatedAt: now, Tags: []string{}}
	s.st.Users[u.ID] = u
	return u, nil
}

// SetUserMFA marks a user as having MFA enabled or not (mfa and two_factor_enabled), for
// tests: the API has no call that turns MFA on without an authenticator app.
func (s *Server) SetUserMFA(userID string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.Users[strings.ToLower(userID)]
	if u == nil {
		return fmt.Errorf("set MFA: no user %s", userID)
	}
	u.MFA = enabled
	return s.persistLocked()
}

// SetLastLogin sets a user's last_login_at (nil: never logged in), for tests of inactivity:
// no API call logs a user in. The time is kept to the microsecond, as the API answers it
// (§4).
func (s *Server) SetLastLogin(userID string, at *time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.Users[strings.ToLower(userID)]
	if u == nil {
		return fmt.Errorf("set last login: no user %s", userID)
	}
	if at == nil {
		u.LastLoginAt = nil
	} else {
		t := at.UTC().Truncate(time.Microsecond)
		u.LastLoginAt = &t
	}
	return s.persistLocked()
}
