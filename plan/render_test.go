package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsync/iamsync/model"
)

var update = flag.Bool("update", false, "rewrite the want sections of plan/testdata/render/*.txtar")

// canary stands for a secret: the golden inputs put it only where nothing may carry it to a
// plan (an unrelated key's description, an unreferenced project or user, a managed object),
// and every output is checked for it.
const canary = "3c0ffee5-5ec2-47e7-9a11-ca7a21ca7a21"

// TestRender runs each testdata/render/*.txtar case: desired.json and live.json (model.Org as
// JSON) through Diff, then compares the text, Markdown and JSON renderings with want.txt,
// want.md and want.json, or the error with want.err. The archive comment may hold options,
// one per line: "adopt: true", "now: RFC3339 time", "project-sets: A, B" (the project-level
// permission sets, for the access review's scopes).
func TestRender(t *testing.T) {
	files, err := filepath.Glob("testdata/render/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases found (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtarParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts := parseOptions(t, string(ar.Comment))
			desired := decodeOrg(t, section(t, ar, "desired.json", true))
			live := decodeOrg(t, section(t, ar, "live.json", true))

			got := map[string][]byte{}
			p, err := Diff(desired, live, opts)
			if err != nil {
				got["want.err"] = []byte(err.Error() + "\n")
			} else {
				got["want.txt"] = renderText(t, p)
				got["want.md"] = renderMarkdown(t, p)
				var js bytes.Buffer
				if err := p.WriteJSON(&js); err != nil {
					t.Fatal(err)
				}
				got["want.json"] = js.Bytes()
				checkReread(t, p, got["want.txt"])
			}
			for name, b := range got {
				if bytes.Contains(b, []byte(canary)) {
					t.Errorf("%s carries the canary secret:\n%s", name, b)
				}
			}
			if *update {
				writeWant(t, file, ar, got)
				return
			}
			for _, name := range []string{"want.txt", "want.md", "want.json", "want.err"} {
				want := section(t, ar, name, false)
				if want == nil && got[name] == nil {
					continue
				}
				if diff := cmp.Diff(string(want), string(got[name])); diff != "" {
					t.Errorf("%s mismatch (-want +got); run go test ./plan -update to accept:\n%s", name, diff)
				}
			}
		})
	}
}

func parseOptions(t *testing.T, comment string) Options {
	t.Helper()
	var o Options
	for _, l := range strings.Split(comment, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.HasPrefix(l, "#") {
			continue
		}
		switch strings.TrimSpace(k) {
		case "adopt":
			o.Adopt = strings.TrimSpace(v) == "true"
		case "now":
			now, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("option now: %v", err)
			}
			o.Now = now
		case "project-sets":
			// The catalog lives in schema, which plan does not import: a case names the
			// project-level sets it uses.
			sets := map[string]bool{}
			for _, s := range strings.Split(v, ",") {
				sets[strings.TrimSpace(s)] = true
			}
			o.ScopeType = func(set string) string {
				if sets[set] {
					return "projects"
				}
				return "organization"
			}
		}
	}
	return o
}

func section(t *testing.T, ar *txtarArchive, name string, required bool) []byte {
	t.Helper()
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	if required {
		t.Fatalf("no %s section", name)
	}
	return nil
}

func decodeOrg(t *testing.T, b []byte) *model.Org {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var o model.Org
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &o
}

func renderText(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := RenderText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("\x1b[")) {
		t.Error("text rendering without Color holds ANSI escapes")
	}
	return b.Bytes()
}

func renderMarkdown(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkReread saves p, reads it back and renders it again: a saved plan must show exactly
// what was planned.
func checkReread(t *testing.T, p *Plan, text []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	q, err := Read(&b)
	if err != nil {
		t.Fatalf("Read(WriteJSON(p)): %v", err)
	}
	if diff := cmp.Diff(p, q); diff != "" {
		t.Errorf("plan changed through JSON (-wrote +read):\n%s", diff)
	}
	if diff := cmp.Diff(string(text), string(renderText(t, q))); diff != "" {
		t.Errorf("re-rendered plan differs (-first +reread):\n%s", diff)
	}
}

func writeWant(t *testing.T, file string, ar *txtarArchive, got map[string][]byte) {
	t.Helper()
	var files []txtarFile
	for _, f := range ar.Files {
		if !strings.HasPrefix(f.Name, "want.") {
			files = append(files, f)
		}
	}
	for _, name := range []string{"want.txt", "want.md", "want.json", "want.err"} {
		if b, ok := got[name]; ok {
			files = append(files, txtarFile{Name: name, Data: b})
		}
	}
	ar.Files = files
	if err := os.WriteFile(file, txtarFormat(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
