package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata fixtures")

// testNow is the clock of every test: expiry checks must not depend on the day the tests run.
var testNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// archive is a txtar file: a comment, then "-- name --" sections. Parsed here rather than with
// go-internal/txtar to keep the byte-exact content (invalid UTF-8 included) of each section.
type archive struct {
	comment []byte
	files   []File
}

func parseArchive(data []byte) archive {
	var a archive
	cur := &a.comment
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		if s := string(line); strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			a.files = append(a.files, File{Name: strings.TrimSpace(s[3 : len(s)-3])})
			cur = &a.files[len(a.files)-1].Data
			continue
		}
		*cur = append(append(*cur, line...), '\n')
	}
	return a
}

func formatArchive(a archive) []byte {
	var b bytes.Buffer
	b.Write(a.comment)
	for _, f := range a.files {
		fmt.Fprintf(&b, "-- %s --\n", f.Name)
		b.Write(f.Data)
	}
	return b.Bytes()
}

func render(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
		if d.Hint != "" {
			b.WriteString("\thint: " + d.Hint + "\n")
		}
	}
	return b.String()
}

// TestInvalid loads each testdata/invalid/*.txtar through the production loader (its sections,
// in order, are the files of one set) and compares the diagnostics with its "want" section.
func TestInvalid(t *testing.T) {
	paths, _ := filepath.Glob("testdata/invalid/*.txtar")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(data)
			var files []File
			want := -1
			for i, f := range a.files {
				if f.Name == "want" {
					want = i
					continue
				}
				files = append(files, f)
			}
			if want < 0 {
				t.Fatal("no want section")
			}
			l := Loader{Now: testNow}
			org, ds := l.LoadFiles(files)
			if org != nil || !ds.HasErrors() {
				t.Fatalf("loaded without error; an invalid fixture must fail")
			}
			got := render(ds)
			if *update {
				a.files[want].Data = []byte(got)
				if err := os.WriteFile(p, formatArchive(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(a.files[want].Data), got); diff != "" {
				t.Errorf("diagnostics mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryErrorKindHasAFixture proves each kind of error the loader knows with a fixture.
func TestEveryErrorKindHasAFixture(t *testing.T) {
	seen := map[string]bool{}
	paths, _ := filepath.Glob("testdata/invalid/*.txtar")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range parseArchive(data).files {
			if f.Name != "want" {
				continue
			}
			for _, line := range strings.Split(string(f.Data), "\n") {
				if i := strings.LastIndex(line, " [E"); i >= 0 && strings.HasSuffix(line, "]") {
					seen[line[i+2:len(line)-1]] = true
				}
			}
		}
	}
	// E100 (unreadable file), E104 (limits), E108 (special files) and E199 (too many errors)
	// need generated input or the file system: TestFiles, TestSpecialFiles and TestHostileInput
	// cover them. E512 needs the organization's live catalogue: TestCheckCatalog, and the
	// catalogue script test of cmd.
	for code := range Codes {
		if !seen[code] && code != "E100" && code != "E104" && code != "E108" && code != "E199" && code != "E512" {
			t.Errorf("no testdata/invalid fixture produces %s (%s)", code, Codes[code])
		}
	}
	for code := range seen {
		if _, ok := Codes[code]; !ok {
			t.Errorf("fixture expects %s, which Codes does not document", code)
		}
	}
}

// TestValid loads each testdata/valid/*.yaml and compares the model with the .json beside it.
func TestValid(t *testing.T) {
	paths, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(paths) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			l := Loader{Dir: "testdata/valid", Now: testNow}
			org, ds := l.Load([]string{name})
			if len(ds) > 0 || org == nil {
				t.Fatalf("unexpected diagnostics:\n%s", render(ds))
			}
			got, err := json.MarshalIndent(org, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(p, ".yaml") + ".json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("model mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExamples validates every manifest set under examples/: each directory holding *.yaml
// files is one set, and each example has a README.
func TestExamples(t *testing.T) {
	root := filepath.Join("..", "examples")
	sets := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			sets[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) < 4 {
		t.Fatalf("found %d example sets, want at least 4", len(sets))
	}
	for dir := range sets {
		t.Run(strings.TrimPrefix(filepath.ToSlash(dir), "../examples/"), func(t *testing.T) {
			org, ds := (&Loader{Now: testNow}).Load([]string{dir})
			if len(ds) > 0 {
				t.Fatalf("diagnostics:\n%s", render(ds))
			}
			n := 0
			for range org.Resources() {
				n++
			}
			if n < 2 {
				t.Errorf("example declares %d resource(s): too little to teach anything", n)
			}
			top := filepath.Join(root, strings.Split(strings.TrimPrefix(filepath.ToSlash(dir), "../examples/"), "/")[0])
			if _, err := os.Stat(filepath.Join(top, "README.md")); err != nil {
				t.Errorf("example %s has no README.md", top)
			}
		})
	}
}

// TestFiles covers path expansion: deterministic order, hidden entries skipped, duplicates read
// once, missing paths and empty directories reported.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a/z.yml", "a/y.yaml", "notes.txt", ".hidden/x.yaml", ".x.yaml", "empty/.keep"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("version: 1\nstack: s\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := Loader{Dir: dir}
	tests := []struct {
		name  string
		paths []string
		want  []string
		codes []string
	}{
		{"directory", []string{"."}, []string{"a/y.yaml", "a/z.yml", "b.yaml"}, nil},
		{"file and its directory", []string{"b.yaml", "."}, []string{"b.yaml", "a/y.yaml", "a/z.yml"}, nil},
		{"explicit file of any extension", []string{"notes.txt"}, []string{"notes.txt"}, nil},
		{"missing", []string{"nope.yaml", "b.yaml"}, []string{"b.yaml"}, []string{"E100"}},
		{"empty directory", []string{"empty"}, nil, []string{"E100"}},
		{"nothing", nil, nil, []string{"E100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ds := l.Files(tt.paths)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.codes, codes(ds)); diff != "" {
				t.Errorf("codes mismatch (-want +got):\n%s", diff)
			}
		})
	}
	org, ds := l.Load([]string{"."})
	if len(ds) != 0 || org == nil || org.Stack != "s" {
		t.Errorf("Load(.) = %v, %s", org, render(ds))
	}
}

func codes(ds Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return out
}

// TestHostileInput feeds generated input the fixtures cannot hold conveniently; each must fail
// with the expected code, promptly and without a panic.
func TestHostileInput(t *testing.T) {
	head := "version: 1\nstack: s\n"
	tests := []struct {
		name string
		data string
		lim  Limits
		code string
	}{
		{"file too large", head + "x: " + strings.Repeat("a", 200) + "\n", Limits{MaxFileSize: 100}, "E104"},
		{"deep flow nesting", head + "x: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n", Limits{}, "E104"},
		{"deep block nesting", head + nestedBlock(40), Limits{}, "E104"},
		{"parser depth limit", head + "x: " + strings.Repeat("[", 20000) + "\n", Limits{}, "E101"},
		{"too many nodes", head + "x: [" + strings.Repeat("1,", 2000) + "1]\n", Limits{MaxNodes: 1000}, "E104"},
		{"alias bomb", head + aliasBomb(), Limits{}, "E105"},
		{"utf-16", "\xff\xfev\x00e\x00", Limits{}, "E102"},
		{"nul byte", head + "x: \x00\n", Limits{}, "E102"},
		{"merge key without alias", head + "<<: {a: 1}\n", Limits{}, "E201"},
		{"complex key", head + "? [a]\n: 1\n", Limits{}, "E105"},
		{"infinite number", "version: .inf\nstack: s\n", Limits{}, "E204"},
		{"huge integer", "version: 123456789012345678901234567890\nstack: s\n", Limits{}, "E204"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			l := Loader{Now: testNow, Limits: tt.lim}
			org, ds := l.LoadFiles([]File{{Name: "in.yaml", Data: []byte(tt.data)}})
			if org != nil {
				t.Fatal("loaded hostile input")
			}
			if !slices.Contains(codes(ds), tt.code) {
				t.Errorf("codes %v, want %s:\n%s", codes(ds), tt.code, render(ds))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("too many errors", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(head + "applications:\n")
		for i := range 50 {
			fmt.Fprintf(&b, "  - {name: a%d, colour: red}\n", i)
		}
		l := Loader{Limits: Limits{MaxDiags: 10}}
		_, ds := l.LoadFiles([]File{{Name: "in.yaml", Data: []byte(b.String())}})
		if len(ds) != 11 || ds[10].Code != "E199" {
			t.Errorf("got %d diagnostics, last %v", len(ds), ds[len(ds)-1])
		}
	})
	t.Run("set too large", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"a.yaml", "b.yaml"} {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(head+strings.Repeat("#\n", 40)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		l := Loader{Dir: dir, Limits: Limits{MaxSetSize: 100}}
		if _, ds := l.Load([]string{"."}); !slices.Contains(codes(ds), "E104") {
			t.Errorf("codes %v, want E104", codes(ds))
		}
		l = Loader{Dir: dir, Limits: Limits{MaxFiles: 1}}
		if _, ds := l.Load([]string{"."}); !slices.Contains(codes(ds), "E104") {
			t.Errorf("codes %v, want E104", codes(ds))
		}
	})
}

func nestedBlock(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat("  ", i), i)
	}
	fmt.Fprintf(&b, "%sv: 1\n", strings.Repeat("  ", depth))
	return b.String()
}

func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestPositions checks that model elements point at their declarations, which plan and audit
// report against.
func TestPositions(t *testing.T) {
	src := "version: 1\nstack: s\napplications:\n  - name: a\n    api_keys:\n      - name: k\n        expires_in: 1d\n        secret: K\npolicies:\n  - name: p\n    principal: {application: a}\n    rules:\n      - permission_sets: [IAMReadOnly]\n        organization: true\n"
	org, ds := LoadBytes("m.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatal(render(ds))
	}
	want := map[string]model.Pos{
		"app":  {File: "m.yaml", Line: 4, Col: 5},
		"key":  {File: "m.yaml", Line: 6, Col: 9},
		"pol":  {File: "m.yaml", Line: 10, Col: 5},
		"rule": {File: "m.yaml", Line: 13, Col: 9},
	}
	got := map[string]model.Pos{
		"app":  org.Applications[0].Pos,
		"key":  org.APIKeys[0].Pos,
		"pol":  org.Policies[0].Pos,
		"rule": org.Policies[0].Rules[0].Pos,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions mismatch (-want +got):\n%s", diff)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"90d", 90 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"1h30m", 90 * time.Minute, false},
		{"1w2d", 9 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"", 0, true},
		{"90", 0, true},
		{"d", 0, true},
		{"3y", 0, true},
		{"99999999999999w", 0, true},
		{"9223372036854775807ns1s", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
			}
			if err == nil {
				back, err := ParseDuration(FormatDuration(got))
				if err != nil || back != got {
					t.Errorf("FormatDuration(%v) = %q does not read back (%v, %v)", got, FormatDuration(got), back, err)
				}
			}
		})
	}
}

func TestErrorForm(t *testing.T) {
	_, ds := LoadBytes("m.yaml", []byte("version: 1\nstack: s\nx: 1\ny: 2\n"))
	err := ds.Err()
	if err == nil {
		t.Fatal("no error")
	}
	want := `invalid manifests: m.yaml:3:1: unknown field "x" (x) [E201] (and 1 more errors)`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if _, ds := LoadBytes("m.yaml", []byte("version: 1\nstack: s\n")); ds.Err() != nil {
		t.Errorf("valid set: Err() = %v", ds.Err())
	}
}

// TestDiagnosticKeys: diagnostics name the resource they concern, from the schema and from the
// set-level checks alike.
func TestDiagnosticKeys(t *testing.T) {
	src := "version: 1\nstack: s\napplications:\n  - name: a\n    colour: red\n    api_keys:\n      - {name: k, expires_in: 1d, secret: bad}\npolicies:\n  - name: p\n    principal: {group: nope}\n    rules:\n      - {permission_sets: [IAMReadOnly], organization: true}\n"
	_, ds := LoadBytes("m.yaml", []byte(src))
	var got []string
	for _, d := range ds {
		got = append(got, d.Code+" "+d.Key.String())
	}
	want := []string{"E201 application/a", "E204 api_key/a/k", "E402 policy/p"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys mismatch (-want +got):\n%s", diff)
	}
}

// TestMemberPositionsSkipBadItems: an item of the wrong type must not shift the position of
// the next item's error.
func TestMemberPositionsSkipBadItems(t *testing.T) {
	src := "version: 1\nstack: s\ngroups:\n  - name: g\n    members:\n      applications: [12, nope]\n"
	_, ds := LoadBytes("m.yaml", []byte(src))
	var got []string
	for _, d := range ds {
		got = append(got, d.Pos.String()+" "+d.Code)
	}
	want := []string{"m.yaml:6:22 E203", "m.yaml:6:26 E401"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions mismatch (-want +got):\n%s", diff)
	}
}
