package apply_test

import (
	"context"
	"strings"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
)

// Members' generated passwords (issue 16): a password stored is the member's, or none is.

func oneMember() *model.Org {
	return &model.Org{Stack: "s", Users: []*model.User{{Email: "dana@example.com", Secret: "DANA"}}}
}

// memberEvent returns the event of user/dana@example.com.
func memberEvent(t *testing.T, res *apply.Result) apply.Event {
	t.Helper()
	if !res.OK() || len(res.Done) != 1 {
		t.Fatalf("apply: done %d, failed %+v, skipped %d", len(res.Done), res.Failed, len(res.Skipped))
	}
	return res.Done[0]
}

func (e *env) memberID(t *testing.T, email string) string {
	t.Helper()
	l, err := e.client.Read(context.Background(), live.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range l.Users {
		if u.Email == email {
			return u.ID
		}
	}
	t.Fatalf("no member %s", email)
	return ""
}

func TestMemberCreatedStoresThePasswordItHas(t *testing.T) {
	e := setup(t)
	res, _ := e.racedApply(t, oneMember(), func(*iam.API, *model.Org) {})
	ev := memberEvent(t, res)
	if ev.Secret != "DANA" || ev.Note != "" {
		t.Fatalf("event: secret %q, note %q", ev.Secret, ev.Note)
	}
	c, ok, err := e.secrets.Get("DANA")
	if err != nil || !ok {
		t.Fatalf("entry DANA: %v %v", ok, err)
	}
	if !e.emu.HasPassword(e.memberID(t, "dana@example.com"), c.Password.Reveal()) {
		t.Fatal("the stored password is not the member's")
	}
}

// Another apply of the stack created the member since the plan: this run's create is refused,
// its generated password never reached the member, so it is not kept, and the report says so.
func TestMemberTakenByAnotherApplyKeepsNoPassword(t *testing.T) {
	e := setup(t)
	const theirs = "their-password-Aa1!"
	res, _ := e.racedApply(t, oneMember(), func(api *iam.API, _ *model.Org) {
		_, err := api.CreateUser(&iam.CreateUserRequest{OrganizationID: e.emu.OrganizationID(), Tags: []string{model.OwnerTag("s")},
			Member: &iam.CreateUserRequestMember{Email: "dana@example.com", Username: "dana@example.com", Password: theirs}})
		if err != nil {
			t.Fatal(err)
		}
	})
	ev := memberEvent(t, res)
	if ev.Secret != "" || !strings.Contains(ev.Note, "another apply of this stack created the member") || !strings.Contains(ev.Note, "entry DANA was removed") {
		t.Fatalf("event: secret %q, note %q", ev.Secret, ev.Note)
	}
	if _, ok, _ := e.secrets.Get("DANA"); ok {
		t.Fatal("entry DANA kept, though its password was never the member's")
	}
	if !e.emu.HasPassword(e.memberID(t, "dana@example.com"), theirs) {
		t.Fatal("the other apply's password was changed")
	}
}

// The create's answer was lost and the member found: whether this run made it cannot be told
// (another apply may have), so the password is not vouched for.
func TestMemberLostAnswerKeepsNoUnprovenPassword(t *testing.T) {
	e := setup(t)
	e.emu.FailNext("POST /iam/v1alpha1/users", emulator.FaultLostResponse, 1)
	d := oneMember()
	res, _ := e.racedApply(t, d, func(*iam.API, *model.Org) {})
	ev := memberEvent(t, res)
	if ev.Secret != "" || !strings.Contains(ev.Note, "answer to this run's create was lost") {
		t.Fatalf("event: secret %q, note %q", ev.Secret, ev.Note)
	}
	if _, ok, _ := e.secrets.Get("DANA"); ok {
		t.Fatal("entry DANA kept, though nothing proves it is the member's password")
	}
	e.memberID(t, "dana@example.com")
	e.converged(t, d)
}
