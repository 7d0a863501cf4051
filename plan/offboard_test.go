package plan

import (
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// TestLockRevokesSessions: a member the manifests lock has no console session left open, whether
// the lock is new or was set before; a count not read (nil) plans no revocation of its own.
func TestLockRevokesSessions(t *testing.T) {
	n := func(i int) *int { return &i }
	tests := []struct {
		name         string
		locked       bool // desired
		liveLocked   bool
		sessions     *int
		wantFields   []Field
		wantRendered string
	}{
		{"lock with sessions open", true, false, n(2), []Field{FieldLocked, FieldSessions}, "console_sessions: 2 open → revoked"},
		{"locked before, sessions still open", true, true, n(1), []Field{FieldSessions}, "console_sessions: 1 open → revoked"},
		{"locked, no session", true, true, n(0), nil, ""},
		{"lock, sessions not read", true, false, nil, []Field{FieldLocked}, "locked: false → true"},
		{"not locked: sessions are the member's", false, false, n(3), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &model.Org{Stack: "people", Users: []*model.User{{Email: "dana@example.com", Locked: tt.locked, SendWelcomeEmail: true}}}
			l := liveFrom(t, d)
			for _, u := range l.Users {
				if u.Email == "dana@example.com" {
					u.Locked, u.Sessions = tt.liveLocked, tt.sessions
				}
			}
			p := mustDiff(t, d, l, Options{})
			var got []Field
			for _, a := range p.Actions {
				for _, c := range a.Changes {
					got = append(got, c.Field)
				}
			}
			if strings.Join(fieldStrings(got), ",") != strings.Join(fieldStrings(tt.wantFields), ",") {
				t.Fatalf("changes %v, want %v:\n%s", got, tt.wantFields, render(t, p))
			}
			if tt.wantRendered != "" && !strings.Contains(render(t, p), tt.wantRendered) {
				t.Errorf("the plan does not say %q:\n%s", tt.wantRendered, render(t, p))
			}
		})
	}
}

func fieldStrings(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}
