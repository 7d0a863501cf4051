package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/iamsync/iamsync/model"
)

// Severity of a diagnostic. Warnings (E108 for a skipped file, E508, E705, E706, E708) are reported
// but do not stop a set from loading.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a manifest set, pointing at the exact place to fix.
type Diagnostic struct {
	Pos model.Pos `json:"pos"`
	// Path is the YAML path of the offending value, such as policies[0].rules[1].permission_sets[0];
	// empty for problems of a whole file.
	Path string `json:"path,omitempty"`
	// Key is the resource the problem belongs to, when there is one.
	Key      model.Key `json:"key,omitzero"`
	Code     string    `json:"code"`
	Severity Severity  `json:"severity"`
	Msg      string    `json:"message"`
	// Hint is the next step for the user, when the message alone does not say it.
	Hint string `json:"hint,omitempty"`
}

// String formats d compiler-style: file:line:col: message (path) [code], with "warning: "
// before the message of a warning.
func (d Diagnostic) String() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	if d.Path != "" {
		fmt.Fprintf(&b, " (%s)", d.Path)
	}
	fmt.Fprintf(&b, " [%s]", d.Code)
	return b.String()
}

// Diagnostics is a sorted list of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns ds as an error when it holds an error, nil otherwise.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return &Error{Diagnostics: ds}
}

// Error is the error form of a manifest set's diagnostics, for callers that only pass errors on.
type Error struct {
	Diagnostics Diagnostics
}

func (e *Error) Error() string {
	n := 0
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			n++
		}
	}
	first := ""
	for _, d := range e.Diagnostics {
		if d.Severity == SeverityError {
			first = d.String()
			break
		}
	}
	if n == 1 {
		return "invalid manifests: " + first
	}
	return fmt.Sprintf("invalid manifests: %s (and %d more errors)", first, n-1)
}

// sortDiagnostics orders ds by file, line, column, code and message and drops exact repeats, so
// that output is stable and one mistake found twice is reported once.
func sortDiagnostics(ds Diagnostics) Diagnostics {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(ds, func(a, b Diagnostic) bool {
		return a.Pos == b.Pos && a.Code == b.Code && a.Path == b.Path && a.Msg == b.Msg
	})
}
