package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// user is seeded, never created through the API (user writes are out of scope).
type user struct {
	ID        string    `json:"id"`
	Seq       uint64    `json:"seq"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	Owner     bool      `json:"owner"`
	Tags      []string  `json:"tags"`
	MFA       bool      `json:"mfa"`
}

// userJSON: keys as recorded (group-membership-user #0). Seeded users get synthetic
// details: username = email, empty names and phone, locale en_US, status activated, never
// logged in.
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
	out := userJSON{ID: u.ID, Email: u.Email, Username: u.Email, Locale: "en_US", CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.CreatedAt),
		OrganizationID: s.st.OrganizationID, Deletable: !u.Owner, Type: "member", TwoFactorEnabled: u.MFA, Status: "activated",
		MFA: u.MFA, Tags: tagsOut(u.Tags)}
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
		if strings.HasPrefix(orderBy, "last_login") {
			name = "" // nobody ever logged in
		}
		return sortable{u.Seq, u.CreatedAt, u.CreatedAt, name}
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

func getUser(s *Server, c *call) (int, any, *apiError) {
	id, e := pathID(c, "user_id")
	if e != nil {
		return 0, nil, e
	}
	u := s.st.Users[id]
	if u == nil {
		return 0, nil, errNotFound("user", id)
	}
	return http.StatusOK, s.userOut(u), nil
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
