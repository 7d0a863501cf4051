package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Console sessions: GET /jwts, GET and DELETE /jwts/{jti} (ListJWTs, GetJWT, DeleteJWT,
// iam_sdk.go:5024-5128; no recording). A JWT is a user's console session; the API cannot
// open one (POST /jwts, CreateJWT, exchanges a console credential and is not served), so
// tests open them with AddSession.
//
//   - Lock does not end a member's sessions (emulator's choice: nothing says it does, and
//     issue 17 asks iamsync to revoke them itself on offboarding); deleting a member does.
//   - Read with the IAM/Organization read sets, deleted with IAMManager or
//     OrganizationManager, like the other organization-wide IAM settings.

type jwtSession struct {
	Jti        string    `json:"jti"`
	Seq        uint64    `json:"seq"`
	IssuerID   string    `json:"issuer_id"`
	AudienceID string    `json:"audience_id"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

// jwtJSON is the SDK's JWT (iam_sdk.go:1119) without srn; ip is a string, which the SDK's
// net.IP reads from JSON.
type jwtJSON struct {
	Jti        string `json:"jti"`
	IssuerID   string `json:"issuer_id"`
	AudienceID string `json:"audience_id"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	ExpiresAt  string `json:"expires_at"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
}

func jwtOut(j *jwtSession) jwtJSON {
	return jwtJSON{j.Jti, j.IssuerID, j.AudienceID, stamp(j.CreatedAt), stamp(j.UpdatedAt), stamp(j.ExpiresAt), j.IP, j.UserAgent}
}

// listJWTs: order_by created_at_asc (default), created_at_desc, updated_at_asc,
// updated_at_desc (ListJWTsRequestOrderBy, iam_sdk.go:289-295); audience_id narrows to one
// user; expired=true lists only expired sessions and expired=false only live ones, as the
// emulator reads the api-keys filter of the same name; absent, both.
func listJWTs(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	orderBy := q.enum("order_by", "created_at_asc", "created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc")
	page, size := q.page(iamDefaultPageSize)
	audience := q.uuids("audience_id")
	expired := q.boolean("expired")
	if q.err != nil {
		return 0, nil, q.err
	}
	var items []*jwtSession
	for _, j := range s.st.JWTs {
		isExpired := !j.ExpiresAt.After(c.now)
		if len(audience) > 0 && !inList(audience, j.AudienceID) || expired != nil && *expired != isExpired {
			continue
		}
		items = append(items, j)
	}
	orderSlice(items, func(j *jwtSession) sortable { return sortable{j.Seq, j.CreatedAt, j.UpdatedAt, j.Jti} }, orderBy)
	out := []jwtJSON{}
	for _, j := range paginate(items, page, size) {
		out = append(out, jwtOut(j))
	}
	return http.StatusOK, struct {
		Jwts       []jwtJSON `json:"jwts"`
		TotalCount int       `json:"total_count"`
	}{out, len(items)}, nil
}

func (s *Server) lookupJWT(c *call) (*jwtSession, *apiError) {
	id, e := pathID(c, "jti")
	if e != nil {
		return nil, e
	}
	j := s.st.JWTs[id]
	if j == nil {
		return nil, errNotFound("jwt", id)
	}
	return j, nil
}

func getJWT(s *Server, c *call) (int, any, *apiError) {
	j, e := s.lookupJWT(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, jwtOut(j), nil
}

// deleteJWT ends the session: 204, then 404 resource "jwt".
func deleteJWT(s *Server, c *call) (int, any, *apiError) {
	j, e := s.lookupJWT(c)
	if e != nil {
		return 0, nil, e
	}
	delete(s.st.JWTs, j.Jti)
	return http.StatusNoContent, nil, nil
}

// AddSession opens a console session for userID, as a login would, and returns its jti. The
// session lives max_login_session_duration (security settings, 30 days by default) and the
// user's last_login_at becomes now. A locked member cannot log in ("A locked member cannot
// log in", iam_sdk.go:3887): that is an error.
func (s *Server) AddSession(userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.Users[strings.ToLower(userID)]
	if u == nil {
		return "", fmt.Errorf("add session: no user %s", userID)
	}
	if u.Locked {
		return "", fmt.Errorf("add session: user %s is locked and cannot log in", userID)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	j := &jwtSession{Jti: s.st.newID(), Seq: s.st.Counter, IssuerID: u.ID, AudienceID: u.ID, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(s.st.Security.MaxLoginSessionDuration), IP: "127.0.0.1", UserAgent: "iamsync-emulator console session"}
	s.st.JWTs[j.Jti] = j
	u.LastLoginAt = &now
	return j.Jti, s.persistLocked()
}
