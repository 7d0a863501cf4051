package audit

import (
	"encoding/json"
	"io"

	"github.com/iamsync/iamsync/model"
)

// jsonReport is the JSON report's wire form (README.md, "JSON report").
type jsonReport struct {
	FormatVersion  int             `json:"format_version"`
	Stack          string          `json:"stack"`
	OrganizationID string          `json:"organization_id,omitempty"`
	Now            string          `json:"now"`
	Summary        Summary         `json:"summary"`
	Findings       []jsonFinding   `json:"findings"`
	UnusedSilences []UnusedSilence `json:"unused_silences"`
	Unmanaged      jsonUnmanaged   `json:"unmanaged"`
	// NotRead lists the kinds not read and the rules that could not run (kinds.go).
	NotRead []NotRead `json:"not_read,omitempty"`
	// AttributionNote says why drift is not (all) attributed (attribution.go).
	AttributionNote string `json:"attribution_note,omitempty"`
	// Reviews are the rules under review and their last recertification (review.go).
	Reviews     []Review `json:"reviews"`
	ReviewsNote string   `json:"reviews_note,omitempty"`
}

type jsonFinding struct {
	Finding
	Category Category `json:"category"`
	Title    string   `json:"title"`
	HelpURI  string   `json:"help_uri"`
}

type jsonUnmanaged struct {
	Count     int                `json:"count"`
	ByKind    map[model.Kind]int `json:"by_kind"`
	Resources []Resource         `json:"resources,omitempty"`
}

// WriteJSON writes r as indented JSON: every finding, silenced ones included (with their
// reason), the summary, and the unmanaged resources, listed only with ListUnmanaged.
func (r *Report) WriteJSON(w io.Writer, opts TextOptions) error {
	out := jsonReport{FormatVersion: r.FormatVersion, Stack: r.Stack, OrganizationID: r.OrganizationID,
		Now: r.Now.UTC().Format("2006-01-02T15:04:05Z07:00"), Summary: r.Summary(), Findings: []jsonFinding{}, UnusedSilences: r.UnusedSilences,
		Unmanaged: jsonUnmanaged{Count: len(r.Unmanaged), ByKind: map[model.Kind]int{}}, AttributionNote: r.AttributionNote, NotRead: r.NotRead,
		Reviews: r.Reviews, ReviewsNote: r.ReviewsNote}
	if out.Reviews == nil {
		out.Reviews = []Review{}
	}
	for _, f := range r.Findings {
		rl, _ := LookupRule(f.Code)
		out.Findings = append(out.Findings, jsonFinding{Finding: f, Category: rl.Category, Title: rl.Title, HelpURI: ruleURL(f.Code)})
	}
	for _, u := range r.Unmanaged {
		out.Unmanaged.ByKind[u.Key.Kind]++
	}
	if out.UnusedSilences == nil {
		out.UnusedSilences = []UnusedSilence{}
	}
	if opts.ListUnmanaged {
		out.Unmanaged.Resources = r.Unmanaged
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
