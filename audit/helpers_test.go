package audit

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReaderReadsOnly: audit's only door to the organization has read methods and nothing
// else. Adding a write method to Reader should be a deliberate, reviewed change.
func TestReaderReadsOnly(t *testing.T) {
	rt := reflect.TypeFor[Reader]()
	for i := range rt.NumMethod() {
		if name := rt.Method(i).Name; !strings.HasPrefix(name, "Read") {
			t.Errorf("audit.Reader has method %s: audit must stay read-only", name)
		}
	}
}

// TestImports: audit reaches the organization only through Reader. It imports none of live,
// apply or the SDK, so no write method is reachable from it; access (pure, importing only model)
// gives it the risk tiers' notion of an admin set.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"github.com/iamsync/iamsync/model": true, "github.com/iamsync/iamsync/plan": true, "github.com/iamsync/iamsync/access": true,
		"github.com/iamsync/iamsync/escape": true}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, ".") && !allowed[path] {
				t.Errorf("%s imports %s: audit may only import model, plan, access and escape besides the standard library", name, path)
			}
		}
	}
}
