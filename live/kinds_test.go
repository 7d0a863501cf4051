package live

import (
	"context"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

// onceKinds exist once per organization: never found by name (a create that finds one set up
// takes it, federation.go).
var onceKinds = map[model.Kind]bool{model.KindSecuritySettings: true, model.KindSAML: true, model.KindSCIM: true, model.KindLoginMethods: true}

// Every kind is in liveKinds with what Read and toModel call unconditionally; a kind that can
// be created must be listable (Find settles its creations). A missing one would panic on the
// first read.
func TestLiveKindsCoverEveryKind(t *testing.T) {
	for _, k := range model.Kinds {
		lk, ok := liveKinds[k]
		switch {
		case !ok:
			t.Errorf("liveKinds lacks %s", k)
		case lk.read == nil || lk.convert == nil || lk.count == nil:
			t.Errorf("liveKinds[%s] lacks read, convert or count", k)
		case lk.pages == nil && !onceKinds[k]:
			t.Errorf("liveKinds[%s] has no pages: Find could not settle a create of it", k)
		}
	}
	if len(liveKinds) != len(model.Kinds) {
		t.Errorf("liveKinds has %d kinds, model.Kinds %d", len(liveKinds), len(model.Kinds))
	}
}

// A key that may not list SSH keys nor read the security settings or the quotas reads the rest,
// and the snapshot says what it could not read and why, instead of holding no SSH keys.
func TestReadRecordsWhatTheKeyMayNotRead(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	// Seed one SSH key, so that "none" and "not read" differ.
	owner := emulatorClient(t, emu, emu.Owner())
	if _, err := owner.CreateSSHKey(context.Background(), "laptop", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM", ""); err != nil {
		t.Fatal(err)
	}
	full, err := owner.Read(context.Background(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.SSHKeys) != 1 || len(full.Unread) != 0 || full.QuotasUnread != "" {
		t.Fatalf("owner's read: %d SSH keys, unread %v %q; want 1 key, nothing unread", len(full.SSHKeys), full.Unread, full.QuotasUnread)
	}

	creds, err := emu.NewCredentials("narrow", "IAMApplicationReadOnly", "IAMGroupReadOnly", "IAMPolicyReadOnly", "IAMUserReadOnly", "ProjectReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	o, err := emulatorClient(t, emu, creds).Read(context.Background(), ReadOptions{})
	if err != nil {
		t.Fatalf("read with a narrow key: %v", err)
	}
	if why := o.Unread[model.KindSSHKey]; !strings.Contains(why, "SSHKeysReadOnly") {
		t.Errorf("Unread[ssh_key] = %q, want the missing right named", why)
	}
	if _, ok := o.Unread[model.KindSecuritySettings]; !ok || o.SecuritySettings != nil {
		t.Errorf("security settings: unread %v, value %+v; want recorded as unread, no value", o.Unread, o.SecuritySettings)
	}
	if o.QuotasUnread == "" {
		t.Error("quotas read as none: QuotasUnread is empty")
	}
	if len(o.Applications) == 0 {
		t.Error("the kinds the key may read came back empty")
	}
}
