package live

import (
	"context"
	"testing"

	"github.com/iamsync/iamsync/emulator"
)

// TestSessions: Read counts the open console sessions of the members SessionsFor selects, over
// several pages, and leaves the others unread (nil, never 0); ListSessions and DeleteSession
// revoke them, a session already gone being done.
func TestSessions(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com", "bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	c := emulatorClient(t, emu, emu.Owner())
	ctx := context.Background()
	ids := map[string]string{}
	org, err := c.Read(ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range org.Users {
		ids[u.Email] = u.ID
		if u.Sessions != nil {
			t.Errorf("%s: sessions %d counted, none selected", u.Email, *u.Sessions)
		}
	}
	const open = maxPageSize + 20 // two pages
	for range open {
		if _, err := emu.AddSession(ids["alice@example.com"]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := emu.AddSession(ids["bob@example.com"]); err != nil {
		t.Fatal(err)
	}
	org, err = c.Read(ctx, ReadOptions{SessionsFor: func(email string) bool { return email == "alice@example.com" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range org.Users {
		switch {
		case u.Email == "alice@example.com" && (u.Sessions == nil || *u.Sessions != open):
			t.Errorf("alice: sessions %v, want %d", u.Sessions, open)
		case u.Email != "alice@example.com" && u.Sessions != nil:
			t.Errorf("%s: sessions %d counted, not selected", u.Email, *u.Sessions)
		}
	}
	jtis, err := c.ListSessions(ctx, ids["alice@example.com"])
	if err != nil || len(jtis) != open {
		t.Fatalf("ListSessions: %d sessions, %v; want %d", len(jtis), err, open)
	}
	for _, jti := range jtis {
		if err := c.DeleteSession(ctx, jti); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteSession(ctx, jtis[0]); err != nil {
		t.Errorf("deleting a session already gone: %v, want done", err)
	}
	if jtis, err := c.ListSessions(ctx, ids["alice@example.com"]); err != nil || len(jtis) != 0 {
		t.Errorf("after revoking: %d sessions left, %v", len(jtis), err)
	}
	if jtis, err := c.ListSessions(ctx, ids["bob@example.com"]); err != nil || len(jtis) != 1 {
		t.Errorf("bob's session: %d, %v; want 1, untouched", len(jtis), err)
	}
}
