package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsync/iamsync/model"
)

// FuzzLoad feeds arbitrary bytes to the loader. Properties: no panic; every diagnostic is
// documented and points inside the input; the same input gives the same diagnostics; a loadable
// input survives Marshal and loads back to an equal model.
// Seeds: the examples, testdata/valid, every file of testdata/invalid, and hostile shapes.
func FuzzLoad(f *testing.F) {
	var seeds [][]byte
	_ = filepath.WalkDir("../examples", func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".yaml") {
			if data, err := os.ReadFile(p); err == nil {
				seeds = append(seeds, data)
			}
		}
		return nil
	})
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, p := range valid {
		if data, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, data)
		}
	}
	invalid, _ := filepath.Glob("testdata/invalid/*.txtar")
	for _, p := range invalid {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, fl := range parseArchive(data).files {
			if fl.Name != "want" {
				seeds = append(seeds, fl.Data)
			}
		}
	}
	head := "version: 1\nstack: s\n"
	seeds = append(seeds,
		[]byte(head+aliasBomb()),
		[]byte(head+"x: "+strings.Repeat("[", 100)+strings.Repeat("]", 100)+"\n"),
		[]byte(head+nestedBlock(40)),
		[]byte("\xef\xbb\xbf"+head),
		[]byte(head+"---\n"+head),
		[]byte(""),
	)
	if len(seeds) < 20 {
		f.Fatalf("only %d seeds", len(seeds))
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := Loader{Now: testNow}
		org, ds := l.LoadFiles([]File{{Name: "f.yaml", Data: data}})
		_, again := l.LoadFiles([]File{{Name: "f.yaml", Data: data}})
		if diff := cmp.Diff(ds, again); diff != "" {
			t.Fatalf("same input, different diagnostics (-first +second):\n%s", diff)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, d := range ds {
			if _, ok := Codes[d.Code]; !ok {
				t.Errorf("undocumented code in %v", d)
			}
			if d.Msg == "" || d.Severity != SeverityError && d.Severity != SeverityWarning {
				t.Errorf("empty message or bad severity: %#v", d)
			}
			if d.Pos.File != "f.yaml" || d.Pos.Line < 1 || d.Pos.Line > lines || d.Pos.Col < 1 {
				t.Errorf("position outside the input (%d lines): %v", lines, d)
			}
		}
		if (org == nil) != ds.HasErrors() {
			t.Fatalf("org %v with diagnostics %v", org != nil, ds)
		}
		if org == nil {
			return
		}
		out, err := Marshal(org)
		if err != nil {
			t.Fatal(err)
		}
		back, ds := l.LoadFiles([]File{{Name: "f.yaml", Data: out}})
		if ds.HasErrors() {
			t.Fatalf("marshalled manifest does not load:\n%s\n%s", out, render(ds))
		}
		if diff := cmp.Diff(org, back, cmpopts.IgnoreTypes(model.Pos{})); diff != "" {
			t.Fatalf("round trip changed the model (-loaded +reloaded):\n%s\nmanifest:\n%s", diff, out)
		}
	})
}
