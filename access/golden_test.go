package access

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
	"golang.org/x/tools/txtar"

	"github.com/iamsync/iamsync/model"
)

var update = flag.Bool("update", false, "rewrite the want sections of access/testdata/render/*.txtar")

// canary stands for a secret: the golden inputs put it where nothing may carry it into an
// access report (a key's description), and every output is checked for it.
const canary = "3c0ffee5-5ec2-47e7-9a11-ca7a21ca7a21"

// TestRender runs each testdata/render/*.txtar case: before.json and after.json (model.Org as
// JSON) through Diff, and compares the text, Markdown and JSON renderings with want.txt,
// want.md and want.json. The archive comment may hold options, one per line:
// "now: RFC3339 time" (Options.Now), "projected: true" (after is a stack's manifests, applied
// to before with Projected, as a plan does).
func TestRender(t *testing.T) {
	files, err := filepath.Glob("testdata/render/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases found (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			o := Options{ScopeType: scopeType}
			projected := false
			for _, l := range strings.Split(string(ar.Comment), "\n") {
				k, v, ok := strings.Cut(l, ":")
				if !ok || strings.HasPrefix(l, "#") {
					continue
				}
				switch strings.TrimSpace(k) {
				case "now":
					if o.Now, err = time.Parse(time.RFC3339, strings.TrimSpace(v)); err != nil {
						t.Fatalf("option now: %v", err)
					}
				case "projected":
					projected = strings.TrimSpace(v) == "true"
				}
			}
			before := decodeOrg(t, section(t, ar, "before.json"))
			after := decodeOrg(t, section(t, ar, "after.json"))
			if projected {
				after = Projected(before, after)
			}
			rep := Diff(before, after, o)
			got := map[string][]byte{}
			var txt, md bytes.Buffer
			if err := RenderText(&txt, rep); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&md, rep, MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			js, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got["want.txt"], got["want.md"], got["want.json"] = txt.Bytes(), md.Bytes(), append(js, '\n')
			for name, b := range got {
				if bytes.Contains(b, []byte(canary)) {
					t.Errorf("%s carries the canary secret:\n%s", name, b)
				}
				// JSON is data and keeps names as they are (encoding/json escapes control
				// characters itself); the renderings for people must not pass them through.
				if name != "want.json" && bytes.ContainsAny(b, "\x1b\u202e") {
					t.Errorf("%s carries a terminal escape or a bidi override:\n%q", name, b)
				}
			}
			var back Report
			if err := json.Unmarshal(got["want.json"], &back); err != nil {
				t.Errorf("the JSON report does not read back: %v", err)
			} else if diff := cmp.Diff(rep, &back); diff != "" {
				t.Errorf("the JSON report does not round-trip (-rendered +read back):\n%s", diff)
			}
			if *update {
				for i, f := range ar.Files {
					if b, ok := got[f.Name]; ok {
						ar.Files[i].Data = b
						delete(got, f.Name)
					}
				}
				for _, name := range []string{"want.txt", "want.md", "want.json"} {
					if b, ok := got[name]; ok {
						ar.Files = append(ar.Files, txtar.File{Name: name, Data: b})
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, name := range []string{"want.txt", "want.md", "want.json"} {
				if diff := cmp.Diff(string(section(t, ar, name)), string(got[name])); diff != "" {
					t.Errorf("%s mismatch (-want +got); run go test ./access -update to accept:\n%s", name, diff)
				}
			}
		})
	}
}

func section(t *testing.T, ar *txtar.Archive, name string) []byte {
	t.Helper()
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	if !*update || !strings.HasPrefix(name, "want.") {
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
