package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// TestRenderers: the text report groups active findings by severity with file:line and hides
// silenced ones; Markdown folds them; JSON keeps them with the reason; the unmanaged resources
// are counted everywhere and listed only on request.
func TestRenderers(t *testing.T) {
	rep := sampleReport(t)
	render := func(f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	text := render(func(b *bytes.Buffer) error { return RenderText(b, rep, TextOptions{}) })
	for _, want := range []string{
		"HIGH (",
		"iam.yaml:16:13: policy/ci: application \"ci\" holds AllProductsFullAccess on the whole organization [IAM101 risk]",
		"live SCWUSER: user_api_key/alice@example.com/SCWUSER: personal API key of \"alice@example.com\"",
		"Unmanaged resources (owned by no stack): 1 (application: 1); list them with --list-unmanaged",
		"silenced in the manifests",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "application breakglass holds") || strings.Contains(text, "application/stray (app-x)") {
		t.Errorf("text report shows a silenced finding or an unrequested list:\n%s", text)
	}
	if i, j := strings.Index(text, "HIGH"), strings.Index(text, "MEDIUM"); i < 0 || j < i {
		t.Errorf("severities out of order:\n%s", text)
	}
	listed := render(func(b *bytes.Buffer) error { return RenderText(b, rep, TextOptions{ListUnmanaged: true}) })
	if !strings.Contains(listed, "application/stray (app-x)") {
		t.Errorf("--list-unmanaged does not list:\n%s", listed)
	}

	md := render(func(b *bytes.Buffer) error { return RenderMarkdown(b, rep, TextOptions{}) })
	for _, want := range []string{"| Severity | Rule | Resource | Where | Finding |", "[IAM101](" + DocURL + "#iam101)", "`iam.yaml:16:13`", "<details><summary>1 silenced", "break-glass account"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	js := render(func(b *bytes.Buffer) error { return rep.WriteJSON(b, TextOptions{}) })
	var doc struct {
		FormatVersion int `json:"format_version"`
		Summary       Summary
		Findings      []struct {
			Code       string
			Category   string
			Suppressed *struct{ Reason string }
		}
		Unmanaged struct {
			Count     int
			Resources []Resource
		}
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != 2 || len(doc.Findings) != len(rep.Findings) || doc.Summary.Suppressed != 1 || doc.Unmanaged.Count != 1 || doc.Unmanaged.Resources != nil {
		t.Errorf("JSON report: %+v\n%s", doc, js)
	}
	var reason string
	for _, f := range doc.Findings {
		if f.Suppressed != nil {
			reason = f.Suppressed.Reason
		}
		if f.Category == "" {
			t.Errorf("finding %s has no category", f.Code)
		}
	}
	if reason != "break-glass account" {
		t.Errorf("JSON loses the silence's reason:\n%s", js)
	}
}

// TestMarkdownEscapes: a name or a message cannot break the table, open HTML, or link.
func TestMarkdownEscapes(t *testing.T) {
	rep := &Report{Stack: "s", Findings: []Finding{{
		Key:  model.Key{Kind: model.KindApplication, Name: "x|<img src=x>\n| forged | row |"},
		Code: "IAM102", Severity: Medium, Source: FromLive,
		Msg: `description is "[Approve](https://evil) @team"`, Hint: "see https://evil",
	}}}
	var md strings.Builder
	if err := RenderMarkdown(&md, rep, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(l, "| medium") {
			rows++
			if cells := strings.Count(l, "|") - strings.Count(l, `\|`); cells != 6 {
				t.Errorf("the row has %d cell separators, want 6: %s", cells, l)
			}
			if !strings.Contains(l, "`[Approve](https://evil) @team`") || !strings.Contains(l, "`https://evil`") {
				t.Errorf("the message is not code: %s", l)
			}
		}
	}
	if rows != 1 || strings.Contains(md.String(), "\n| forged") {
		t.Errorf("the table was broken (%d rows):\n%s", rows, md.String())
	}
	var text strings.Builder
	if err := RenderText(&text, rep, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "\n| forged") || !strings.Contains(text.String(), `"application/x|<img src=x>\x0a| forged | row |"`) {
		t.Errorf("the name forged a line or was dropped:\n%s", text.String())
	}
}

// TestFails: drift fails whatever --fail-on says; risk only at or above it; silenced never.
func TestFails(t *testing.T) {
	risk := Finding{Code: "IAM102", Severity: Medium}
	drift := Finding{Code: "IAM001", Severity: Medium}
	silenced := Finding{Code: "IAM101", Severity: High, Suppressed: &Suppression{Reason: "r"}}
	tests := []struct {
		name     string
		findings []Finding
		failOn   Severity
		want     bool
	}{
		{"medium risk, fail on high", []Finding{risk}, High, false},
		{"medium risk, fail on medium", []Finding{risk}, Medium, true},
		{"medium risk, fail on low", []Finding{risk}, Low, true},
		{"risk, fail on none", []Finding{risk}, 0, false},
		{"drift, fail on none", []Finding{drift}, 0, true},
		{"silenced high", []Finding{silenced}, Low, false},
		{"nothing", nil, Low, false},
	}
	for _, tt := range tests {
		if got := (&Report{Findings: tt.findings}).Fails(tt.failOn); got != tt.want {
			t.Errorf("%s: Fails = %v, want %v", tt.name, got, tt.want)
		}
	}
}
