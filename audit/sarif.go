package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/iamsync/iamsync/escape"
)

// SARIFOptions tune the SARIF report.
type SARIFOptions struct {
	// BaseDir is the directory artifact URIs are made relative to (the repository root, for
	// code scanning); "" keeps the manifest paths as the loader saw them.
	BaseDir string
	// Version is the tool version written in tool.driver.version.
	Version string
}

// SARIF 2.1.0 wire types: only what iamsync writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool     `json:"tool"`
		Results    []sarifResult `json:"results"`
		ColumnKind string        `json:"columnKind"`
		// Properties carries what code scanning has no field for: the stack and organization.
		Properties map[string]any `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      sarifText      `json:"fullDescription"`
		Help                 sarifHelp      `json:"help"`
		HelpURI              string         `json:"helpUri"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string         `json:"kind"`
		Status        string         `json:"status"`
		Justification string         `json:"justification"`
		Location      *sarifLocation `json:"location,omitempty"`
	}
)

// sarifLevel maps severities to SARIF levels; securitySeverity is the score GitHub code
// scanning ranks security results by (high ≥ 7, medium ≥ 4, low below).
var (
	sarifLevel       = map[Severity]string{High: "error", Medium: "warning", Low: "note"}
	securitySeverity = map[Severity]string{High: "8.0", Medium: "5.0", Low: "2.0"}
)

// WriteSARIF writes r as a SARIF 2.1.0 log with one run: every rule in tool.driver.rules, every
// finding as a result, silenced ones with a suppression (kind inSource, the manifest's reason).
// A finding from a manifest points at the file, line and column of its element; one on a live
// resource the manifests do not declare points at line 1 of the first manifest file, and every
// result carries a logical location (key and live ID).
func (r *Report) WriteSARIF(w io.Writer, opts SARIFOptions) error {
	driver := sarifDriver{Name: "iamsync", InformationURI: "https://github.com/iamsync/iamsync", Version: opts.Version}
	index := map[string]int{}
	for i, rl := range Rules {
		index[rl.ID] = i
		silence, silenceMD := " Silence on the element with audit: {ignore: [{rule: "+rl.ID+", reason: ...}]}.",
			"\n\n*Silence:* on the manifest element, `audit: {ignore: [{rule: "+rl.ID+", reason: ...}]}`."
		if why, ok := unsilenceable[rl.ID]; ok {
			silence, silenceMD = " Cannot be silenced in a manifest: "+why+".", "\n\n*Silence:* not possible in a manifest: "+why+"."
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rl.ID, Name: rl.Name,
			ShortDescription: sarifText{Text: rl.Title},
			FullDescription:  sarifText{Text: rl.Rationale},
			Help: sarifHelp{
				Text:     rl.Title + ". Why: " + rl.Rationale + ". Fix: " + rl.Fix + "." + silence,
				Markdown: "**" + rl.Title + "**\n\n*Why:* " + rl.Rationale + ".\n\n*Fix:* " + rl.Fix + "." + silenceMD + " See [" + rl.ID + "](" + ruleURL(rl.ID) + ").",
			},
			HelpURI:              ruleURL(rl.ID),
			DefaultConfiguration: sarifConfig{Level: sarifLevel[rl.Severity]},
			Properties: map[string]any{
				"category":          string(rl.Category),
				"tags":              []string{"security", "iam", string(rl.Category)},
				"security-severity": securitySeverity[rl.Severity],
			},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, ColumnKind: "unicodeCodePoints",
		Properties: map[string]any{"stack": r.Stack, "organizationId": r.OrganizationID}}
	if len(r.NotRead) > 0 {
		notes := make([]string, len(r.NotRead))
		for i, n := range r.NotRead {
			notes[i] = n.String()
		}
		run.Properties["notRead"] = notes
	}
	if r.AttributionNote != "" {
		run.Properties["attributionNote"] = r.AttributionNote
	}
	// Result messages are plain text, but GitHub code scanning shows them to people and reads
	// SARIF's embedded links in them ([text](target), §3.11.6): escape.SARIF escapes the
	// brackets of live text and every invisible character. Names in JSON properties and
	// logical locations are exact (JSON escapes what a parser needs) but made Printable where
	// code scanning displays them.
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID: f.Code, RuleIndex: index[f.Code], Level: sarifLevel[f.Severity],
			Message:             sarifText{Text: escape.SARIF(escape.Name(f.Key.String()) + ": " + f.Msg + ".")},
			Locations:           []sarifLocation{r.sarifLocation(f, opts)},
			PartialFingerprints: map[string]string{"iamsyncFinding/v1": fingerprint(f)},
			Properties:          map[string]any{"source": string(f.Source)},
		}
		if a := f.Attribution; a != nil {
			res.Message.Text += " Last change: " + escape.SARIF(a.String()) + "."
			res.Properties["attribution"] = a
		}
		if f.Hint != "" {
			res.Message.Text += " Fix: " + escape.SARIF(f.Hint) + "."
		}
		if f.ID != "" {
			res.Properties["liveId"] = f.ID
		}
		if f.Pos.IsZero() {
			res.Message.Text += " (Live resource not declared in the manifests.)"
			res.Properties["anchoredToManifest"] = len(r.Files) > 0
		}
		if s := f.Suppressed; s != nil {
			sup := sarifSuppression{Kind: "inSource", Status: "accepted", Justification: escape.Printable(s.Reason)}
			if !s.Pos.IsZero() {
				sup.Location = &sarifLocation{PhysicalLocation: physical(s.Pos.File, s.Pos.Line, s.Pos.Col, opts)}
			}
			res.Suppressions = []sarifSuppression{sup}
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func (r *Report) sarifLocation(f Finding, opts SARIFOptions) sarifLocation {
	loc := sarifLocation{LogicalLocations: []sarifLogical{{Name: escape.Name(f.Key.Name), FullyQualifiedName: escape.Name(f.Key.String()), Kind: "resource"}}}
	if f.ID != "" {
		loc.LogicalLocations[0].FullyQualifiedName += "#" + escape.Printable(f.ID)
	}
	switch {
	case !f.Pos.IsZero():
		loc.PhysicalLocation = physical(f.Pos.File, f.Pos.Line, f.Pos.Col, opts)
	case len(r.Files) > 0:
		// Code scanning refuses a result without a file ("expected at least one location"):
		// a live resource the manifests do not declare is shown at the top of the stack's
		// first manifest file, and its logical location says which resource it is.
		loc.PhysicalLocation = physical(r.Files[0], 1, 1, opts)
	}
	return loc
}

// physical is a file region; the URI is relative to BaseDir with forward slashes, as code
// scanning matches it against the repository's paths.
func physical(file string, line, col int, opts SARIFOptions) *sarifPhysical {
	uri := file
	if opts.BaseDir != "" {
		abs, err := filepath.Abs(file)
		base, err2 := filepath.Abs(opts.BaseDir)
		if err == nil && err2 == nil {
			if rel, err := filepath.Rel(base, abs); err == nil && !strings.HasPrefix(rel, "..") {
				uri = rel
			}
		}
	}
	p := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(uri)}}
	if line > 0 {
		p.Region = &sarifRegion{StartLine: line, StartColumn: col}
	}
	return p
}

// fingerprint identifies a finding across runs whatever line it moves to: rule, resource and
// what the rule found there.
func fingerprint(f Finding) string {
	h := sha256.Sum256([]byte(f.Code + "\x00" + f.Key.String() + "\x00" + f.detail))
	return hex.EncodeToString(h[:16])
}
