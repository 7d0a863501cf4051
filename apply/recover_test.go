package apply

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// tokenWriter is a Writer that lists SCIM tokens and records their deletions; any other call
// panics (the embedded nil interface), which the recovery must not make.
type tokenWriter struct {
	Writer
	tokens  []model.Found
	finds   int
	deleted []string
}

func (w *tokenWriter) Find(_ context.Context, kind model.Kind, _, parent string) ([]model.Found, error) {
	w.finds++
	if kind != model.KindSCIMToken || parent != "scim-1" {
		return nil, nil
	}
	return w.tokens, nil
}

func (w *tokenWriter) DeleteSCIMToken(_ context.Context, id string) error {
	w.deleted = append(w.deleted, id)
	return nil
}

// The recovery of SCIM tokens judges only what it can: a dead run's token (made around the
// intent, neither there before nor stored anywhere) is deleted; a token stored in the file or in
// the store, one there before, one made long after by someone else, are kept; unread SCIM keeps
// the journal for a run that can read it; SCIM turned off since leaves nothing to do.
func TestRecoverLostTokens(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	scimOn := &model.Org{SCIM: &model.SCIM{Meta: model.Meta{ID: "scim-1"}, Enabled: true}}
	for _, tc := range []struct {
		name        string
		live        *model.Org
		storeTokens map[string]string
		wantDeleted []string
		wantPending bool
		wantFinds   int
	}{
		{"judged", scimOn, map[string]string{"SCIM_TOKEN_OKTA": "in-file", "SCIM_TOKEN_SM": "in-store"}, []string{"lost", "undated"}, false, 1},
		{"SCIM unread", &model.Org{Unread: map[model.Kind]string{model.KindSCIMToken: "the key lacks IAMReadOnly"}}, nil, nil, true, 0},
		{"SCIM turned off since", &model.Org{}, nil, nil, false, 0},
		{"another SCIM configuration", &model.Org{SCIM: &model.SCIM{Meta: model.Meta{ID: "scim-2"}, Enabled: true}}, nil, nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.env")
			if err := secrets.Open(path).PutAll(map[string]secrets.Credentials{"SCIM_TOKEN_OKTA": {TokenID: "in-file", BearerToken: secrets.New("b")}}); err != nil {
				t.Fatal(err)
			}
			j := secrets.JournalFor(path)
			if err := j.Add(secrets.Intent{SCIMID: "scim-1", Description: "SCIM token", Exclude: []string{"before"}, At: at}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			w := &tokenWriter{tokens: []model.Found{
				{ID: "before", CreatedAt: at.Add(-48 * time.Hour)},
				{ID: "in-file", CreatedAt: at.Add(time.Second)},
				{ID: "in-store", CreatedAt: at.Add(time.Second)},
				{ID: "lost", CreatedAt: at.Add(2 * time.Second)},
				{ID: "undated"},
				{ID: "someone-elses", CreatedAt: at.Add(3 * time.Hour)},
			}}
			var warnings []string
			n, pending, err := recoverLostKeys(context.Background(), func(m string) { warnings = append(warnings, m) }, w, path, tc.live, tc.storeTokens)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(w.deleted, tc.wantDeleted) || n != len(tc.wantDeleted) || pending != tc.wantPending || w.finds != tc.wantFinds {
				t.Errorf("deleted %v (%d), pending %v, %d finds; want %v, pending %v, %d finds", w.deleted, n, pending, w.finds, tc.wantDeleted, tc.wantPending, tc.wantFinds)
			}
			_, statErr := os.Stat(j.Path)
			if kept := statErr == nil; kept != tc.wantPending {
				t.Errorf("journal kept: %v, want %v", kept, tc.wantPending)
			}
			if tc.wantPending && !strings.Contains(strings.Join(warnings, "\n"), "the key lacks IAMReadOnly") {
				t.Errorf("warnings %q do not say why the tokens were not checked", warnings)
			}
		})
	}
}
