package access

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsOnlyModel: access is pure and sits just above model (and escape, for its renderers), so that plan, audit and cmd
// can all use it without an import cycle and without it reaching the organization.
func TestImportsOnlyModel(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources (%v)", err)
	}
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
			if strings.Contains(path, ".") && path != "github.com/iamsync/iamsync/model" && path != "github.com/iamsync/iamsync/escape" {
				t.Errorf("%s imports %s: access may only import model and escape besides the standard library", name, path)
			}
			if path == "os" || path == "net/http" || path == "net" {
				t.Errorf("%s imports %s: access does no I/O", name, path)
			}
		}
	}
}
