package audit

import (
	"fmt"
	"strings"

	"github.com/iamsync/iamsync/model"
)

// Summary counts a report's findings.
type Summary struct {
	High       int `json:"high"`
	Medium     int `json:"medium"`
	Low        int `json:"low"`
	Drift      int `json:"drift"`
	Suppressed int `json:"suppressed"`
	Unmanaged  int `json:"unmanaged"`
}

// Summary counts r's active findings by severity, the drift among them, the silenced ones and
// the unmanaged resources.
func (r *Report) Summary() Summary {
	s := Summary{Unmanaged: len(r.Unmanaged)}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			s.Suppressed++
			continue
		}
		switch f.Severity {
		case High:
			s.High++
		case Medium:
			s.Medium++
		case Low:
			s.Low++
		}
		if f.Category() == Drift {
			s.Drift++
		}
	}
	return s
}

func (s Summary) String() string {
	n := s.High + s.Medium + s.Low
	if n == 0 {
		t := "No findings."
		if s.Suppressed > 0 {
			t = fmt.Sprintf("No findings (%d silenced in the manifests).", s.Suppressed)
		}
		return t
	}
	t := fmt.Sprintf("%d finding%s (%d high, %d medium, %d low), %d of them drift", n, plural(n), s.High, s.Medium, s.Low, s.Drift)
	if s.Suppressed > 0 {
		t += fmt.Sprintf("; %d silenced in the manifests", s.Suppressed)
	}
	return t + "."
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// unmanagedByKind counts r.Unmanaged per kind, in kind order: "application: 2, policy: 1".
func (r *Report) unmanagedByKind() string {
	counts := map[model.Kind]int{}
	for _, u := range r.Unmanaged {
		counts[u.Key.Kind]++
	}
	var parts []string
	for _, k := range model.Kinds {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}
