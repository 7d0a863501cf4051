package live

import (
	"context"
	"math"
	"strings"
	"sync"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"
)

// Console sessions (offboarding). A member's console session is a JWT (ListJWTs, DeleteJWT;
// scaleway-sdk-go v1.39 iam_sdk.go:5024, 5110). Locking a member does not end the sessions
// they have open (nothing in the API says it does, and the emulator keeps them on purpose), so
// iamsync revokes them itself when it locks someone.
//
// Sessions are read for the members ReadOptions.SessionsFor selects (the ones the manifests
// lock), one list per member narrowed by audience_id: a stack locks few members, while an
// organization-wide list would read every active member's sessions on every plan. A refusal
// leaves the count unread (nil), never zero.

// sessionCounts holds the open sessions counted per user ID during a Read.
type sessionCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *sessionCounts) set(userID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[userID] = n
}

// get returns the count for userID, or nil when it was not read.
func (s *sessionCounts) get(userID string) *int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.n[userID]
	if !ok {
		return nil
	}
	return &n
}

// readSessions starts, in g, the count of the open sessions of every user opts selects.
func (c *Client) readSessions(ctx context.Context, g *errgroup.Group, sem chan struct{}, s *snapshot, opts ReadOptions) {
	if opts.SessionsFor == nil {
		return
	}
	for _, u := range s.users {
		if !opts.SessionsFor(strings.ToLower(u.Email)) {
			continue
		}
		g.Go(func() error {
			jtis, err := c.listSessions(ctx, sem, u.ID)
			switch {
			case IsPermissionDenied(err):
				return nil // unread: the plan shows the lock without a count
			case err != nil:
				return err
			}
			s.sessions.set(u.ID, len(jtis))
			return nil
		})
	}
}

// listSessions lists the IDs (jti) of userID's open console sessions.
func (c *Client) listSessions(ctx context.Context, sem chan struct{}, userID string) ([]string, error) {
	size := uint32(maxPageSize)
	open := false
	jwts, err := listAll(ctx, sem, c.maxObjects, "console sessions of user "+userID, func(page int32) ([]*iam.JWT, uint32, error) {
		r, err := c.iam.ListJWTs(&iam.ListJWTsRequest{AudienceID: userID, Expired: &open, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		// The list's total is 64-bit; a total beyond 32 bits is refused by --max-objects anyway.
		return r.Jwts, uint32(min(r.TotalCount, math.MaxUint32)), nil
	}, func(j *iam.JWT) string { return j.Jti })
	if err != nil {
		return nil, err
	}
	out := make([]string, len(jwts))
	for i, j := range jwts {
		out[i] = j.Jti
	}
	return out, nil
}

// ListSessions lists the IDs of a member's open console sessions, for apply to revoke them.
func (c *Client) ListSessions(ctx context.Context, userID string) ([]string, error) {
	return c.listSessions(ctx, make(chan struct{}, 1), userID)
}

// DeleteSession ends one console session. A session already ended (404) is done.
func (c *Client) DeleteSession(ctx context.Context, jti string) error {
	return ignoreNotFound(c.iam.DeleteJWT(&iam.DeleteJWTRequest{Jti: jti}, scw.WithContext(ctx)))
}
