package cmd_test

// The hostile-name suite (issue 16): names and descriptions that anyone with IAM write rights
// can set are put into a live organization, then run through every output a person reviews or
// audits from: plan text, Markdown and JSON (with the access review), audit text, Markdown,
// JSON and SARIF, the pull-request comment, the exported YAML, and error messages. Whatever the
// names hold, no output may carry a raw control, bidirectional or invisible character, Markdown
// must show them only as code (no link, image, mention or HTML, no broken table row), and each
// name must still be there in its escaped form, so that dropping it cannot pass.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

// hostileNames are live application names; shown is how each must appear in text and inside
// Markdown code (the part of it a table cell does not change).
var hostileNames = []struct{ label, name, shown string }{
	{"newline forging a line", "evil\nPlan: 0 to add", `evil\x0aPlan: 0 to add`},
	{"ANSI colour", "red\x1b[31mALERT", `red\x1b[31mALERT`},
	{"OSC 8 hyperlink", "\x1b]8;;https://evil\x07click\x1b]8;;\x07", `\x1b]8;;https://evil\x07click\x1b]8;;\x07`},
	{"OSC window title", "t\x1b]0;pwned\x07", `t\x1b]0;pwned\x07`},
	{"carriage return", "ok\rEVIL", `ok\x0dEVIL`},
	{"backspaces", "admin\b\b\b\b\bguest", `admin\x08\x08\x08\x08\x08guest`},
	{"right-to-left override", "invoice\u202efdp.exe", `invoice\u202efdp.exe`},
	{"zero-width space", "ad\u200bmins", `ad\u200bmins`},
	{"Cyrillic a", "\u0430dmins", "\u0430dmins"},
	{"trailing space", "admins ", `admins "`},
	{"Markdown link", "[Approve this PR](https://evil)", "[Approve this PR](https://evil)"},
	{"Markdown image", "![x](https://evil/img.png)", "![x](https://evil/img.png)"},
	{"mention", "@team", "@team"},
	{"HTML", "<img src=x>", "<img src=x>"},
	{"pipe and backticks", "a|b`c``d", "b`c``d"},
	{"very long", strings.Repeat("long-", 12) + "name", strings.Repeat("long-", 12) + "name"},
}

// hostileDescription is the live description of the declared application "web".
const hostileDescription = "[Approve this PR](https://evil) ![i](https://evil/i.png) @team <img src=x>\x1b[31m\nforged: line\u202e"

// dupName is the name of two unowned live applications a manifest refers to: the error says so.
const dupName = "dup\u202e\u200b@team"

const hostileManifest = `version: 1
stack: hostile
applications:
  - name: admins
  - name: web
    description: the web application
`

const hostileRefManifest = `version: 1
stack: refs
policies:
  - name: refs
    principal: {external_application: "dup\u202e\u200b@team"}
    rules:
      - permission_sets: [IAMReadOnly]
        organization: true
`

func TestHostileNamesInEveryOutput(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{Users: []string{"member@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	api := iam.NewAPI(client)
	owned := []string{model.OwnerTagPrefix + "hostile"}
	for _, h := range hostileNames {
		// Owned by the stack but no longer declared: the plan deletes each, the audit reports
		// each, and its policy's deletion puts it in the access review.
		app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: h.name, Description: h.name, Tags: owned, OrganizationID: o.OrganizationID})
		if err != nil {
			t.Fatalf("%s: %v", h.label, err)
		}
		sets := []string{"AllProductsFullAccess"}
		if _, err := api.CreatePolicy(&iam.CreatePolicyRequest{Name: h.name, Description: h.name, Tags: owned, OrganizationID: o.OrganizationID,
			ApplicationID: &app.ID, Rules: []*iam.RuleSpecs{{PermissionSetNames: &sets, OrganizationID: &o.OrganizationID}}}); err != nil {
			t.Fatalf("%s: %v", h.label, err)
		}
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: h.name, Description: h.name, Tags: owned, OrganizationID: o.OrganizationID}); err != nil {
			t.Fatalf("%s: %v", h.label, err)
		}
	}
	if _, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "web", Description: hostileDescription, Tags: owned, OrganizationID: o.OrganizationID}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: dupName, OrganizationID: o.OrganizationID}); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("iam.yaml", hostileManifest)
	write("refs.yaml", hostileRefManifest)
	write("event.json", `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"sha":"abcdef1234567890"}}}`)
	vars := map[string]string{
		"SCW_API_URL": emu.URL(), "SCW_ACCESS_KEY": o.AccessKey, "SCW_SECRET_KEY": o.SecretKey,
		"SCW_DEFAULT_ORGANIZATION_ID": o.OrganizationID, "SCW_DEFAULT_PROJECT_ID": o.ProjectID,
		"HOME": dir, "NO_COLOR": "1",
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/iam", "GITHUB_EVENT_PATH": filepath.Join(dir, "event.json"),
		"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
	}
	// The SDK reads its configuration from the process environment.
	for k, v := range vars {
		t.Setenv(k, v)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		env := cmd.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return vars[k] }}
		code := cmd.Main(context.Background(), args, env)
		return code, out.String(), errb.String()
	}
	output := func(wantCodes []int, args ...string) string {
		t.Helper()
		code, out, stderr := run(args...)
		if !slices.Contains(wantCodes, code) {
			t.Fatalf("iamsync %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, stderr)
		}
		checkNoRawUnsafe(t, strings.Join(args, " ")+" (stderr)", stderr, true)
		return out
	}

	planText := output([]int{0, 2}, "plan", "iam.yaml")
	planMD := output([]int{0, 2}, "plan", "--format", "markdown", "iam.yaml")
	planJSON := output([]int{0, 2}, "plan", "--format", "json", "iam.yaml")
	auditText := output([]int{0, 2}, "audit", "--fail-on", "none", "--list-unmanaged", "iam.yaml")
	auditMD := output([]int{0, 2}, "audit", "--format", "markdown", "--fail-on", "none", "--list-unmanaged", "iam.yaml")
	auditJSON := output([]int{0, 2}, "audit", "--format", "json", "--fail-on", "none", "iam.yaml")
	auditSARIF := output([]int{0, 2}, "audit", "--format", "sarif", "--fail-on", "none", "iam.yaml")
	code, _, refErr := run("plan", "refs.yaml")
	if code != cmd.ExitError {
		t.Fatalf("plan of a reference to two live applications: exit %d, want %d\n%s", code, cmd.ExitError, refErr)
	}
	write("plan.md", planMD)
	write("audit.md", auditMD)
	write("refs.txt", refErr)
	commentBody := output([]int{0}, "comment", "--github", "--dry-run", "--log", "iamsync plan failed=refs.txt", "plan.md", "audit.md")
	output([]int{0}, "export", "--stack", "hostile", "--out", "exported")

	t.Run("text", func(t *testing.T) {
		for what, out := range map[string]string{"plan": planText, "audit": auditText} {
			checkNoRawUnsafe(t, what, out, true)
			for _, h := range hostileNames {
				if !strings.Contains(out, h.shown) {
					t.Errorf("%s text: the %s name is missing (want %q shown)", what, h.label, h.shown)
				}
			}
		}
		// The access review is in the plan: each name loses its grant there.
		access := planText[strings.Index(planText, "Access changes"):]
		for _, h := range hostileNames {
			if !strings.Contains(access, h.shown) {
				t.Errorf("plan's access review: the %s name is missing", h.label)
			}
		}
		for _, forged := range []string{"\nPlan: 0 to add", "\nforged: line"} {
			if strings.Contains(planText+auditText, forged) {
				t.Errorf("a name forged the line %q", forged)
			}
		}
		if !strings.Contains(planText, `looks like "application/admins" (U+0430 CYRILLIC SMALL LETTER A at 1)`) ||
			!strings.Contains(planText, `looks like "application/admins" (U+200B ZERO WIDTH SPACE at 3)`) ||
			!strings.Contains(planText, `looks like "application/admins" (trailing U+0020 SPACE at 7)`) {
			t.Errorf("the plan does not warn about the look-alikes of application/admins:\n%s", planText)
		}
	})

	t.Run("markdown", func(t *testing.T) {
		for what, md := range map[string]string{"plan": planMD, "audit": auditMD, "comment": commentBody} {
			checkNoRawUnsafe(t, what, md, true)
			checkMarkdown(t, what, md)
			for _, h := range hostileNames {
				if !strings.Contains(md, h.shown) {
					t.Errorf("%s Markdown: the %s name is missing (want %q shown)", what, h.label, h.shown)
				}
			}
		}
		if !strings.Contains(planMD, "looks like `application/admins` (U+0430 CYRILLIC SMALL LETTER A at 1)") {
			t.Errorf("the Markdown plan does not warn about the Cyrillic look-alike")
		}
		if !strings.Contains(commentBody, `dup\u202e\u200b@team`) {
			t.Errorf("the comment's log section lost the error's name")
		}
	})

	t.Run("json", func(t *testing.T) {
		// JSON carries the exact names (a parser needs them, and escapes what it must); only
		// control characters must not appear raw.
		for what, js := range map[string]string{"plan": planJSON, "audit": auditJSON, "sarif": auditSARIF} {
			checkNoRawUnsafe(t, what, js, false)
			var doc any
			if err := json.Unmarshal([]byte(js), &doc); err != nil {
				t.Fatalf("%s JSON: %v", what, err)
			}
			if what == "sarif" {
				continue
			}
			names := map[string]bool{}
			collectNames(doc, names)
			for _, h := range hostileNames {
				if !names[h.name] {
					t.Errorf("%s JSON: no key names the %s name exactly", what, h.label)
				}
			}
		}
		var sarif struct {
			Runs []struct {
				Results []struct {
					Message struct{ Text string }
				}
			}
		}
		if err := json.Unmarshal([]byte(auditSARIF), &sarif); err != nil {
			t.Fatal(err)
		}
		var texts strings.Builder
		for _, r := range sarif.Runs[0].Results {
			texts.WriteString(r.Message.Text + "\n")
		}
		checkNoRawUnsafe(t, "SARIF messages", texts.String(), true)
		if strings.Contains(texts.String(), "[Approve this PR](") || !strings.Contains(texts.String(), `\[Approve this PR\](https://evil)`) {
			t.Errorf("SARIF messages: the link is not escaped as SARIF reads embedded links (§3.11.6):\n%s", texts.String())
		}
		for _, h := range hostileNames {
			if !strings.Contains(texts.String(), strings.NewReplacer("[", `\[`, "]", `\]`).Replace(h.shown)) {
				t.Errorf("SARIF messages: the %s name is missing", h.label)
			}
		}
	})

	t.Run("export", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(dir, "exported", "applications.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var comments strings.Builder
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				comments.WriteString(l + "\n")
			}
		}
		checkNoRawUnsafe(t, "export comments", comments.String(), true)
		checkNoRawUnsafe(t, "export", string(data), false)
		var doc struct {
			Applications []map[string]any `yaml:"applications"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("the export does not parse: %v\n%s", err, data)
		}
		byName := map[string]map[string]any{}
		for _, a := range doc.Applications {
			name, _ := a["name"].(string)
			byName[name] = a
			for k := range a {
				if !slices.Contains([]string{"name", "description", "tags", "api_keys", "adopt"}, k) {
					t.Errorf("exported application %q has the key %q: a name or description forged it", name, k)
				}
			}
		}
		for _, h := range hostileNames {
			a, ok := byName[h.name]
			if !ok {
				t.Errorf("export: the %s name does not round-trip exactly", h.label)
			} else if a["description"] != h.name {
				t.Errorf("export: the %s description does not round-trip exactly: %q", h.label, a["description"])
			}
		}
		if a := byName["web"]; a == nil || a["description"] != hostileDescription {
			t.Errorf("export: the hostile description does not round-trip exactly: %v", a)
		}
	})

	t.Run("errors", func(t *testing.T) {
		checkNoRawUnsafe(t, "error", refErr, true)
		if !strings.Contains(refErr, `named "dup\u202e\u200b@team"`) || strings.Count(refErr, "iamsync: error:") == 0 {
			t.Errorf("the error does not name the applications in escaped form:\n%s", refErr)
		}
	})
}

// checkNoRawUnsafe fails when out holds a raw control character (other than newline and tab),
// or, with strict, a bidirectional or invisible one. The list is written out here rather than
// taken from package escape, so that a change there cannot quietly weaken the test.
func checkNoRawUnsafe(t *testing.T, what, out string, strict bool) {
	t.Helper()
	for i, r := range out {
		bad := (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
		if strict {
			bad = bad || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
				r == 0x061c || r == 0xfeff || r == 0x00ad || r == 0x2060 || r == 0x2028 || r == 0x2029
		}
		if bad {
			t.Errorf("%s: raw %U at byte %d: %q", what, r, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
}

var (
	fenceLine   = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	htmlCode    = regexp.MustCompile(`(?s)<code>.*?</code>`)
	ourLink     = regexp.MustCompile(`\]\((https://github\.com/iamsync/iamsync/[^)]*|https://github\.com/acme/iam/actions/runs/42)\)`)
	mention     = regexp.MustCompile(`(^|[^\w\\])@\w`)
	delimiterRe = regexp.MustCompile(`^\|(\s*:?-+:?\s*\|)+\s*$`)
)

// checkMarkdown checks what GitHub would render outside code: no link but iamsync's own, no
// image, no HTML but iamsync's own elements, no mention, no hostile URL, and table rows that
// keep their header's number of cells.
func checkMarkdown(t *testing.T, what, md string) {
	t.Helper()
	var prose []string
	cells := 0
	inFence := ""
	for _, l := range strings.Split(md, "\n") {
		if inFence != "" {
			if strings.HasPrefix(strings.TrimSpace(l), inFence) {
				inFence = ""
			}
			continue
		}
		if m := fenceLine.FindStringSubmatch(l); m != nil {
			inFence = m[1]
			continue
		}
		if strings.HasPrefix(l, "|") {
			n := strings.Count(l, "|") - strings.Count(l, `\|`)
			if delimiterRe.MatchString(l) {
				cells = n
			} else if cells != 0 && n != cells && !strings.HasPrefix(l, "| Severity") {
				t.Errorf("%s: a table row has %d cell separators, its table %d: %s", what, n, cells, l)
			}
		} else {
			cells = 0
		}
		prose = append(prose, stripCodeSpans(l))
	}
	text := htmlCode.ReplaceAllString(strings.Join(prose, "\n"), "")
	text = ourLink.ReplaceAllString(text, "]")
	for _, bad := range []string{"](", "![", "https://evil", "<img", "<a ", "<script"} {
		if i := strings.Index(text, bad); i >= 0 {
			t.Errorf("%s: %q outside code: %q", what, bad, text[max(0, i-60):min(len(text), i+60)])
		}
	}
	if loc := mention.FindStringIndex(text); loc != nil {
		t.Errorf("%s: a mention outside code: %q", what, text[max(0, loc[0]-60):min(len(text), loc[1]+60)])
	}
	for _, tag := range regexp.MustCompile(`</?[A-Za-z][^>]*>`).FindAllString(text, -1) {
		if !slices.Contains([]string{"<details>", "</details>", "<summary>", "</summary>", "<br>", "<sub>", "</sub>"}, tag) {
			t.Errorf("%s: HTML outside code: %s", what, tag)
		}
	}
}

// stripCodeSpans removes CommonMark code spans from one line: a run of n backticks up to the
// next run of exactly n; an unmatched run is literal text.
func stripCodeSpans(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		if l[i] != '`' {
			if l[i] == '\\' && i+1 < len(l) {
				b.WriteString(l[i : i+2])
				i += 2
				continue
			}
			b.WriteByte(l[i])
			i++
			continue
		}
		n := 0
		for i+n < len(l) && l[i+n] == '`' {
			n++
		}
		end := -1
		for j := i + n; j < len(l); {
			if l[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(l) && l[j+m] == '`' {
				m++
			}
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(l[i : i+n])
			i += n
			continue
		}
		b.WriteString("CODE")
		i = end
	}
	return b.String()
}

// collectNames gathers every "name" string and every key's name in a decoded JSON document.
func collectNames(v any, names map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "name" {
				names[s] = true
			}
			collectNames(e, names)
		}
	case []any:
		for _, e := range x {
			collectNames(e, names)
		}
	}
}
