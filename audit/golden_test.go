package audit

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*")

// TestGolden pins every output format of one report, so that a change to a documented format
// shows as a diff a reviewer reads. go test ./audit -update rewrites the files.
func TestGolden(t *testing.T) {
	rep := sampleReport(t)
	outputs := map[string]func(*bytes.Buffer) error{
		"report.txt":  func(b *bytes.Buffer) error { return RenderText(b, rep, TextOptions{ListUnmanaged: true}) },
		"report.md":   func(b *bytes.Buffer) error { return RenderMarkdown(b, rep, TextOptions{ListUnmanaged: true}) },
		"report.json": func(b *bytes.Buffer) error { return rep.WriteJSON(b, TextOptions{ListUnmanaged: true}) },
		"report.sarif": func(b *bytes.Buffer) error {
			return rep.WriteSARIF(b, SARIFOptions{Version: "test"})
		},
	}
	for name, render := range outputs {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./audit -update to create it)", err)
			}
			if !bytes.Equal(want, b.Bytes()) {
				t.Errorf("%s differs from %s (run go test ./audit -update and review the diff):\n%s", name, path, b.String())
			}
		})
	}
}
