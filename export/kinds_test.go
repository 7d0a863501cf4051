package export

import (
	"slices"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// Every kind is in exportKinds, going to one of the files Export writes.
func TestExportKindsCoverEveryKind(t *testing.T) {
	for _, k := range model.Kinds {
		ek, ok := exportKinds[k]
		if !ok || ek.export == nil {
			t.Errorf("exportKinds lacks %s", k)
			continue
		}
		if !slices.Contains(exportFiles, ek.file) {
			t.Errorf("exportKinds[%s] goes to %q, which Export never writes", k, ek.file)
		}
	}
}

// A kind the credentials could not read is neither exported as empty nor silently left out.
func TestExportSaysWhatItCouldNotExport(t *testing.T) {
	live := &model.Org{OrganizationID: "org", Unread: map[model.Kind]string{model.KindSSHKey: "the API key lacks SSHKeysReadOnly"},
		Applications: []*model.Application{{Name: "app"}}}
	files, err := Export(live, Options{Stack: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == "ssh_keys.yaml" {
			t.Errorf("exported %s although SSH keys were not read", f.Name)
		}
	}
	notes := Unexported(live)
	if len(notes) != 1 || !strings.Contains(notes[0], "SSH keys not exported") || !strings.Contains(notes[0], "SSHKeysReadOnly") {
		t.Errorf("Unexported = %q, want SSH keys named with the reason", notes)
	}
}
