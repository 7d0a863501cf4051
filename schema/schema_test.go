package schema

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSchemaCompiles(t *testing.T) {
	if _, err := compiled(); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(JSON(), &m); err != nil {
		t.Fatal(err)
	}
	if m["$schema"] != "https://json-schema.org/draft/2020-12/schema" || m["$id"] != schemaURL {
		t.Errorf("$schema = %v, $id = %v", m["$schema"], m["$id"])
	}
}

// TestSchemaDescriptions requires a description on every property (directly or on the schema
// it refers to), so that editors can explain each field while completing it.
func TestSchemaDescriptions(t *testing.T) {
	var walk func(path string, s map[string]any)
	n := 0
	walk = func(path string, s map[string]any) {
		for k, v := range s {
			switch k {
			case "properties":
				for name, p := range v.(map[string]any) {
					ps := p.(map[string]any)
					n++
					if description(ps) == "" {
						t.Errorf("%s/properties/%s has no description", path, name)
					}
					walk(path+"/properties/"+name, ps)
				}
			case "enum", "const", "required":
			default:
				switch c := v.(type) {
				case map[string]any:
					walk(path+"/"+k, c)
				case []any:
					for _, x := range c {
						if m, ok := x.(map[string]any); ok {
							walk(path+"/"+k, m)
						}
					}
				}
			}
		}
	}
	walk("#", raw())
	if n < 40 {
		t.Errorf("walked %d properties; the walk is broken", n)
	}
}

// TestSchemaEnumMatchesCatalog keeps the editor's completion list equal to the catalog the
// loader checks against.
func TestSchemaEnumMatchesCatalog(t *testing.T) {
	var enum []string
	for _, v := range rawAt("/$defs/permissionSet")["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	slices.Sort(enum)
	if diff := cmp.Diff(permissionSetNames(), enum); diff != "" {
		t.Errorf("schema enum and permission-sets.tsv differ (-catalog +schema):\n%s", diff)
	}
}

// TestTopLevelKeyMatchesNested: a key has the same fields wherever it is declared, plus its
// application at the top level.
func TestTopLevelKeyMatchesNested(t *testing.T) {
	nested := propertyNames(rawAt("/$defs/apiKey"))
	top := propertyNames(rawAt("/$defs/topLevelAPIKey"))
	want := append(slices.Clone(nested), "application")
	slices.Sort(want)
	if diff := cmp.Diff(want, top); diff != "" {
		t.Errorf("topLevelAPIKey properties (-want +got):\n%s", diff)
	}
}

// TestSchemaPatternsAreECMACompatible: the same patterns run in Go (here) and in editors
// (ECMA-262); refuse constructs only one of them knows.
func TestSchemaPatternsAreECMACompatible(t *testing.T) {
	var patterns []string
	var walk func(v any)
	walk = func(v any) {
		switch c := v.(type) {
		case map[string]any:
			for k, x := range c {
				if s, ok := x.(string); ok && k == "pattern" {
					patterns = append(patterns, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range c {
				walk(x)
			}
		}
	}
	walk(raw())
	if len(patterns) < 10 {
		t.Fatalf("found %d patterns", len(patterns))
	}
	for _, p := range patterns {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("pattern %q: %v", p, err)
		}
		for _, bad := range []string{`\A`, `\z`, `(?`, `\p{`, `[[:`} {
			if strings.Contains(p, bad) {
				t.Errorf("pattern %q uses %s, which ECMA-262 reads differently", p, bad)
			}
		}
	}
}

func TestCatalog(t *testing.T) {
	for line := range strings.Lines(permissionSetsTSV) {
		line = strings.TrimRight(line, "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			t.Errorf("malformed catalog line %q", line)
			continue
		}
		if f[0] != "name" && f[1] != string(ScopeOrganization) && f[1] != string(ScopeProjects) {
			t.Errorf("%s: unknown scope type %q", f[0], f[1])
		}
	}
	sets := PermissionSets()
	if len(sets) < 150 || !slices.IsSortedFunc(sets, func(a, b PermissionSet) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("catalog has %d sets (sorted: %v)", len(sets), slices.IsSortedFunc(sets, func(a, b PermissionSet) int { return strings.Compare(a.Name, b.Name) }))
	}
	for name, want := range map[string]ScopeType{"IAMReadOnly": ScopeOrganization, "InstancesFullAccess": ScopeProjects, "AllProductsReadOnly": ScopeProjects} {
		if p, ok := LookupPermissionSet(name); !ok || p.ScopeType != want {
			t.Errorf("LookupPermissionSet(%s) = %+v, %v; want scope %s", name, p, ok, want)
		}
	}
	if _, ok := LookupPermissionSet("name"); ok {
		t.Error("the header line is in the catalog")
	}
}

// TestCodesDocumented: every code the sources emit is in Codes, and every code in Codes is used.
func TestCodesDocumented(t *testing.T) {
	re := regexp.MustCompile(`"(E\d{3})"`)
	used := map[string]bool{}
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") || f.Name() == "codes.go" {
			continue
		}
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = true
		}
	}
	for c := range used {
		if _, ok := Codes[c]; !ok {
			t.Errorf("%s is emitted but not documented in Codes", c)
		}
	}
	for c := range Codes {
		if !used[c] {
			t.Errorf("%s is documented but never emitted", c)
		}
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"applications", "groups", "policies", "IAMReadOnly"}
	tests := map[string]string{"aplications": "applications", "iamreadonly": "IAMReadOnly", "group": "groups", "zzzz": "", "policies": ""}
	for in, want := range tests {
		if got := suggest(in, cands); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := suggest(strings.Repeat("a", 10000), cands); got != "" {
		t.Errorf("suggest(long) = %q", got)
	}
}

// TestReadmeListsCodes keeps the user-facing code table in step with Codes.
func TestReadmeListsCodes(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for code, title := range Codes {
		if !strings.Contains(string(data), "| "+code+" | "+title+" |") {
			t.Errorf("README.md does not list %s (%s)", code, title)
		}
	}
}
