package live

import (
	"context"
	"testing"

	"github.com/iamsync/iamsync/emulator"
)

func newTestClient(t *testing.T) (*Client, *emulator.Server) {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return newClientFor(t, emu), emu
}

// newClientFor is a client of emu with the owner's key that retries at once and is not paced;
// a second one is another run of iamsync.
func newClientFor(t *testing.T, emu *emulator.Server) *Client {
	return emulatorClientWith(t, emu, emu.Owner(), RetryPolicy{BaseDelay: 1, RatePerSec: -1})
}

// A connection dropped in the middle of an answer's body (issue 7's fault suite found it):
// the SDK reads the body after RoundTrip, so the transport must read it itself to retry a GET
// and to report a POST as ambiguous.
func TestDroppedMidBody(t *testing.T) {
	t.Run("GET is retried", func(t *testing.T) {
		cl, emu := newTestClient(t)
		emu.FailNext("GET /iam/v1alpha1/applications", emulator.FaultDrop, 2)
		if _, err := cl.Read(context.Background(), ReadOptions{}); err != nil {
			t.Fatalf("Read after two dropped answers: %v", err)
		}
		if st := cl.Stats(); st.Retries < 2 {
			t.Fatalf("retries = %d, want at least 2", st.Retries)
		}
	})
	t.Run("POST is ambiguous", func(t *testing.T) {
		cl, emu := newTestClient(t)
		emu.FailNext("POST /iam/v1alpha1/applications", emulator.FaultDrop, 1)
		_, err := cl.CreateApplication(context.Background(), "x", "", nil)
		if !IsAmbiguous(err) {
			t.Fatalf("CreateApplication with its answer cut: %v, want an AmbiguousError", err)
		}
	})
	t.Run("lost response on POST is ambiguous", func(t *testing.T) {
		cl, emu := newTestClient(t)
		emu.FailNext("POST /iam/v1alpha1/applications", emulator.FaultLostResponse, 1)
		_, err := cl.CreateApplication(context.Background(), "x", "", nil)
		if !IsAmbiguous(err) {
			t.Fatalf("CreateApplication whose answer was lost: %v, want an AmbiguousError", err)
		}
	})
}
