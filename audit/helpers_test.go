package audit

import (
	"os"
	"reflect"
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
