package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// A kind the credentials could not read is never compared as "none": declaring it refuses the
// plan with the reason; not declaring it plans without it and says so in every rendering.
func TestUnreadKindIsNeverNone(t *testing.T) {
	const why = "the API key lacks SSHKeysReadOnly"
	live := func() *model.Org {
		return &model.Org{OrganizationID: "org", Unread: map[model.Kind]string{model.KindSSHKey: why}, QuotasUnread: "no quota right"}
	}
	declares := &model.Org{Stack: "s", SSHKeys: []*model.SSHKey{
		{Meta: model.Meta{Pos: model.Pos{File: "ssh.yaml", Line: 3, Col: 5}}, Name: "laptop", PublicKey: "ssh-ed25519 AAAA"},
		{Meta: model.Meta{Pos: model.Pos{File: "ssh.yaml", Line: 6, Col: 5}}, Name: "ci", PublicKey: "ssh-ed25519 AAAB"},
	}}
	_, err := Diff(declares, live(), Options{})
	if err == nil {
		t.Fatal("a plan declaring SSH keys that were not read was made: it would create keys that may exist")
	}
	if msg := err.Error(); !strings.Contains(msg, "SSH keys not read: "+why) || strings.Count(msg, "not read") != 1 {
		t.Errorf("error = %q, want the kind and the reason said once", msg)
	}

	p, err := Diff(&model.Org{Stack: "s", Applications: []*model.Application{{Name: "app"}}}, live(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Unread{{What: "ssh_key", Reason: why}, {What: UnreadQuotas, Reason: "no quota right"}}
	if len(p.Unread) != 2 || p.Unread[0] != want[0] || p.Unread[1] != want[1] {
		t.Fatalf("Unread = %+v, want %+v", p.Unread, want)
	}
	var text, md, js bytes.Buffer
	if err := RenderText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if !strings.Contains(out, "SSH keys not read: "+why) || !strings.Contains(out, "quotas not read: no quota right") {
			t.Errorf("%s rendering does not say what was not read:\n%s", name, out)
		}
	}
	back, err := Read(&js)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Unread) != 2 || back.Unread[0] != want[0] {
		t.Errorf("read back: %+v", back.Unread)
	}
}
