package emulator

import (
	"net"
	"strings"
	"testing"
	"time"
)

// After Close, a persisted emulator refuses to change what it can no longer write down.
func TestClosedEmulatorRefusesWrites(t *testing.T) {
	s, err := New(Options{StatePath: t.TempDir() + "/state.json"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.AddUser("late@example.com"); err == nil {
		t.Fatal("AddUser after Close claimed success")
	}
	if code, _ := serve(s, "POST", "/iam/v1alpha1/groups", s.Owner().SecretKey, `{"name":"g","organization_id":"`+s.OrganizationID()+`"}`); code != 503 {
		t.Fatalf("a write after Close: %d, want 503", code)
	}
}

// A connection dialled but never used (an HTTP client dials spares) made Close wait 5 s:
// net/http's Shutdown only counts a new connection as idle after 5 s.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %v with an unused connection open", d)
	}
}
