package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Every kind is in auditKinds, and every rule it names exists.
func TestAuditKindsCoverEveryKind(t *testing.T) {
	for _, k := range model.Kinds {
		ak, ok := auditKinds[k]
		if !ok {
			t.Errorf("auditKinds lacks %s", k)
			continue
		}
		for _, code := range ak.rules {
			if _, ok := LookupRule(code); !ok {
				t.Errorf("auditKinds[%s] names unknown rule %s", k, code)
			}
		}
	}
	if len(auditKinds) != len(model.Kinds) {
		t.Errorf("auditKinds has %d kinds, model.Kinds %d", len(auditKinds), len(model.Kinds))
	}
}

// Without the right to list SSH keys, audit still runs (the manifests may declare SSH keys),
// and says that IAM403 and SSH-key drift could not run instead of finding nothing.
func TestAuditSaysWhichRulesCouldNotRun(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	desired := &model.Org{Stack: "s", SSHKeys: []*model.SSHKey{{Meta: model.Meta{Pos: model.Pos{File: "k.yaml", Line: 2}}, Name: "laptop", PublicKey: "ssh-ed25519 AAAA"}}}
	const why = "the API key lacks SSHKeysReadOnly"
	live := &model.Org{OrganizationID: "org", Unread: map[model.Kind]string{model.KindSSHKey: why}}
	rep, err := Audit(desired, live, nil, Options{Now: now})
	if err != nil {
		t.Fatalf("audit without SSH-key rights failed: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Key.Kind == model.KindSSHKey {
			t.Errorf("finding on an SSH key that was not read: %+v", f)
		}
	}
	if len(rep.NotRead) != 1 || rep.NotRead[0].Kind != model.KindSSHKey || rep.NotRead[0].Rules[0] != "IAM403" {
		t.Fatalf("NotRead = %+v, want SSH keys with IAM403", rep.NotRead)
	}
	var text, md, js bytes.Buffer
	if err := RenderText(&text, rep, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, rep, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "json": js.String()} {
		if !strings.Contains(out, "SSHKeysReadOnly") || !strings.Contains(out, "IAM403") {
			t.Errorf("%s report does not say SSH keys were not read and IAM403 could not run:\n%s", name, out)
		}
	}
	if desired.SSHKeys == nil {
		t.Error("audit changed its input")
	}
}

// A project the stack owns and no longer declares is drift (IAM003) even when the plan will
// not delete it because it still holds resources: the finding says what it holds.
func TestAuditReportsAHeldProjectAsDrift(t *testing.T) {
	const projectID = "5e1b2c3d-0000-4000-8000-000000000b00"
	desired := &model.Org{Stack: "s"}
	live := &model.Org{OrganizationID: "org",
		Projects: []*model.Project{{Meta: model.Meta{ID: projectID, Owner: "s"}, Name: "analytics"}},
		SSHKeys:  []*model.SSHKey{{Meta: model.Meta{ID: "ssh-1"}, Name: "laptop", PublicKey: "ssh-ed25519 AAAA", Project: projectID}},
	}
	rep, err := Audit(desired, live, nil, Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Key.Kind == model.KindProject {
			got = append(got, f.Code+" "+f.Msg)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "IAM003 ") || !strings.Contains(got[0], `it still holds SSH key "laptop"`) {
		t.Errorf("project findings = %q, want one IAM003 naming the SSH key it holds", got)
	}
}
