package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// logReader serves a fixed organization and fixed logs, and records which resources audit
// looked up. The emulator's logs are exercised end to end (cmd/testdata/script/attribution.txtar);
// this one reaches the failures deterministically.
type logReader struct {
	org    *model.Org
	logs   map[string][]LogEntry
	failAt int // fail the failAt-th ReadLogs call (1-based) with err; 0 never
	err    error
	asked  []string
}

func (r *logReader) ReadOrg(context.Context) (*model.Org, error)     { return r.org, nil }
func (r *logReader) ReadUserKeys(context.Context) ([]UserKey, error) { return nil, nil }
func (r *logReader) ReadLogs(_ context.Context, k model.Kind, id string) ([]LogEntry, error) {
	r.asked = append(r.asked, string(k)+"#"+id)
	if len(r.asked) == r.failAt {
		return nil, r.err
	}
	return r.logs[id], nil
}

// driftedOrg is TestDrift's organization after changes behind iamsync's back: web edited,
// readers deleted, an undeclared group of the stack left over, and a user among the bearers.
const driftBody = `
applications:
  - name: web
    description: frontend
groups:
  - name: readers
  - name: old-gone
`

func driftedOrg() *model.Org {
	l := emptyLive()
	l.Applications = []*model.Application{
		{Meta: model.Meta{ID: "app-web", Owner: "s"}, Name: "web", Description: "edited"},
		{Meta: model.Meta{ID: "app-ops"}, Name: "ops-console"},
	}
	l.Groups = []*model.Group{
		{Meta: model.Meta{ID: "g-old", Owner: "s"}, Name: "old", Members: model.Members{Users: []string{"alice@example.com"}}},
		{Meta: model.Meta{ID: "g-gone", Owner: "s"}, Name: "old-gone", Members: model.Members{Users: []string{"alice@example.com"}}},
	}
	return l
}

func attributions(rep *Report) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Findings {
		if f.Attribution != nil {
			out[f.Code+" "+f.Key.String()] = f.Attribution.String()
		}
	}
	return out
}

// TestAttribution: each drift finding on a live resource takes the newest log entry about it,
// its bearer named from the organization; a resource that does not exist is not looked up;
// a key that may not read the logs, or a failing read, leaves a note and no failure.
func TestAttribution(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 2, 11, 0, time.UTC)
	logs := map[string][]LogEntry{
		"app-web": {{ID: "log-2", At: at, Action: "updated", BearerID: "app-ops"}, {ID: "log-1", At: at.Add(-time.Hour), Action: "created", BearerID: "app-iamsync"}},
		"g-old":   {{ID: "log-3", At: at.Add(time.Minute), Action: "created", BearerID: aliceID}},
		"g-gone":  {{ID: "log-4", At: at, Action: "updated", BearerID: "app-deleted-since"}},
	}
	desired := load(t, driftBody)

	r := &logReader{org: driftedOrg(), logs: logs}
	rep, err := Run(context.Background(), r, desired, opts())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"IAM001 application/web": "updated by application \"ops-console\" (app-ops) at 2026-11-27T10:02:11Z",
		"IAM003 group/old":       "created by user \"alice@example.com\" (" + aliceID + ") at 2026-11-27T10:03:11Z",
		"IAM001 group/old-gone":  "updated by bearer app-deleted-since (not in the organization) at 2026-11-27T10:02:11Z",
	}
	if diff := cmp.Diff(want, attributions(rep)); diff != "" {
		t.Errorf("attributions (-want +got):\n%s", diff)
	}
	if len(found(rep, "IAM002")) != 1 || strings.Contains(strings.Join(r.asked, " "), "readers") || len(r.asked) != 3 {
		t.Errorf("looked up %v: want the three live drifted resources, not the missing group", r.asked)
	}
	if rep.AttributionNote != "" {
		t.Errorf("note %q on a complete attribution", rep.AttributionNote)
	}

	denied := &logReader{org: driftedOrg(), logs: logs, failAt: 1, err: fmt.Errorf("list logs: %w", ErrLogsDenied)}
	rep, err = Run(context.Background(), denied, desired, opts())
	if err != nil {
		t.Fatalf("an audit whose key may not read logs fails: %v", err)
	}
	if len(attributions(rep)) != 0 || len(denied.asked) != 1 || !strings.HasPrefix(rep.AttributionNote, "drift is not attributed: the API key may not read the IAM logs") {
		t.Errorf("denied: attributions %v after %d reads, note %q", attributions(rep), len(denied.asked), rep.AttributionNote)
	}
	if !rep.Fails(0) {
		t.Error("the drift no longer fails the audit without attribution")
	}
	var text, md, js bytes.Buffer
	if err := errors.Join(RenderText(&text, rep, TextOptions{}), RenderMarkdown(&md, rep, TextOptions{}), rep.WriteJSON(&js, TextOptions{})); err != nil {
		t.Fatal(err)
	}
	for out, want := range map[string]string{
		text.String(): "\nNote: drift is not attributed: the API key may not read the IAM logs; give it IAMReadOnly to see who made each change.\n",
		md.String():   "\n_Note:_ drift is not attributed: the API key may not read the IAM logs",
		js.String():   `"attribution_note": "drift is not attributed: the API key may not read the IAM logs`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks the note %q:\n%s", want, out)
		}
	}

	broken := &logReader{org: driftedOrg(), logs: logs, failAt: 2, err: errors.New("HTTP 503")}
	rep, err = Run(context.Background(), broken, desired, opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(attributions(rep)) != 1 || rep.AttributionNote != "the remaining drift findings are not attributed: reading the IAM logs failed (HTTP 503); run audit again to see who made each change" {
		t.Errorf("failing read: attributions %v, note %q", attributions(rep), rep.AttributionNote)
	}
}

// TestAttributionBounded: one audit looks up at most maxAttributed resources and counts the rest.
func TestAttributionBounded(t *testing.T) {
	l := emptyLive()
	var body strings.Builder
	body.WriteString("applications:\n")
	for i := range maxAttributed + 3 {
		name := fmt.Sprintf("app-%02d", i)
		fmt.Fprintf(&body, "  - {name: %s, description: declared}\n", name)
		l.Applications = append(l.Applications, &model.Application{Meta: model.Meta{ID: "id-" + name, Owner: "s"}, Name: name, Description: "edited"})
	}
	r := &logReader{org: l}
	rep, err := Run(context.Background(), r, load(t, body.String()), opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.asked) != maxAttributed || !strings.Contains(rep.AttributionNote, fmt.Sprintf("the first %d drift findings are attributed, 3 more are not", maxAttributed)) {
		t.Errorf("%d lookups, note %q", len(r.asked), rep.AttributionNote)
	}
}
