package audit

import (
	"fmt"
	"strings"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// Severity ranks a finding; the zero value is invalid so that a forgotten one is caught.
type Severity int

// Severities, in increasing order.
const (
	Low Severity = iota + 1
	Medium
	High
)

var severityNames = map[Severity]string{Low: "low", Medium: "medium", High: "high"}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText writes s by name.
func (s Severity) MarshalText() ([]byte, error) {
	n, ok := severityNames[s]
	if !ok {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(n), nil
}

// UnmarshalText reads a severity written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ParseSeverity reads "low", "medium" or "high".
func ParseSeverity(s string) (Severity, error) {
	for k, n := range severityNames {
		if n == strings.ToLower(s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use low, medium or high", s)
}

// Category separates drift (the organization differs from the manifests) from risk (what is
// declared or live grants too much). Drift always counts towards the exit code.
type Category string

// Categories.
const (
	Drift Category = "drift"
	Risk  Category = "risk"
)

// Source says where a finding was seen.
type Source string

// Sources. Both means the manifests and the live organization agree on it.
const (
	FromManifest Source = "manifest"
	FromLive     Source = "live"
	FromBoth     Source = "both"
)

// KindUserAPIKey addresses a user's personal API key: user_api_key/EMAIL/ACCESS_KEY. Such keys
// are never in a manifest; audit reads them only to report them.
const KindUserAPIKey model.Kind = "user_api_key"

// Finding is one drift or risk found, the same shape as schema.Diagnostic plus where it was seen.
type Finding struct {
	// Pos is the manifest element (or policy rule) the finding is about; zero when the resource
	// is not declared in the manifests.
	Pos model.Pos `json:"pos,omitzero"`
	Key model.Key `json:"key"`
	// ID is the live resource's ID (access key for API keys), when it exists.
	ID       string   `json:"id,omitempty"`
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Msg      string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Source   Source   `json:"source"`
	// Changes are a drifted resource's fields, live value in Old, manifest value in New (IAM001).
	Changes []plan.Change `json:"changes,omitempty"`
	// Suppressed is set when the manifest silences the rule on the element.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Attribution, on a drift finding, says who last changed the resource and when, from the
	// IAM logs (attribution.go); nil when not looked up or nothing was logged.
	Attribution *Attribution `json:"attribution,omitempty"`

	// also lists further elements whose silences apply (IAM101: the application as well as the
	// policy); detail tells apart several findings of one rule on one resource, so that the
	// manifest's and the organization's views of the same problem are merged.
	also   []model.Key
	detail string
	// foreign marks a live finding on a resource that is not the manifests' element.
	foreign bool
}

// Suppression records the silence that applied to a finding.
type Suppression struct {
	// Key is the element that carries the silence.
	Key    model.Key `json:"key"`
	Reason string    `json:"reason"`
	Pos    model.Pos `json:"pos,omitzero"`
}

// Category is the finding's rule's category.
func (f Finding) Category() Category {
	if r, ok := LookupRule(f.Code); ok {
		return r.Category
	}
	return Risk
}

// String formats f compiler-style: file:line:col: message [code].
func (f Finding) String() string {
	var b strings.Builder
	if p := f.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: %s [%s]", f.Key, f.Msg, f.Code)
	return b.String()
}
