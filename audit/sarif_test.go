package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/iamsync/iamsync/model"
)

// sampleReport has a finding of each shape: from a manifest, silenced, live only, and drift.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	body := `
applications:
  - name: breakglass
    audit: {ignore: [{rule: IAM101, reason: "break-glass account"}]}
  - name: ci
    api_keys: [{name: k, expires_in: never, secret: K}]
groups: [{name: nobody}]
policies:
  - name: bg
    principal: {application: breakglass}
    rules: [{permission_sets: [IAMManager], organization: true}]
  - name: ci
    principal: {application: ci}
    rules: [{permission_sets: [AllProductsFullAccess], organization: true}, {permission_sets: [IAMReadOnly], organization: true, expires_at: 2026-12-01}]
`
	// The organization after an apply, then: ci's description edited by hand, group nobody
	// deleted, an application made by hand.
	l := emptyLive()
	l.Applications = []*model.Application{
		{Meta: model.Meta{ID: "app-bg", Owner: "s"}, Name: "breakglass"},
		{Meta: model.Meta{ID: "app-ci", Owner: "s"}, Name: "ci", Description: "changed by hand"},
		{Meta: model.Meta{ID: "app-x"}, Name: "stray"},
	}
	l.APIKeys = []*model.APIKey{{Meta: model.Meta{ID: "SCWCIKEY", Owner: "s"}, Application: "ci", Name: "k", CreatedAt: now.Add(-10 * 24 * time.Hour), DefaultProject: orgID}}
	l.Policies = []*model.Policy{
		{Meta: model.Meta{ID: "pol-bg", Owner: "s"}, Name: "bg", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "breakglass", ID: "app-bg"},
			Rules: []model.Rule{{PermissionSets: []string{"IAMManager"}, Organization: true}}},
		{Meta: model.Meta{ID: "pol-ci", Owner: "s"}, Name: "ci", Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci", ID: "app-ci"},
			Rules: []model.Rule{{PermissionSets: []string{"AllProductsFullAccess"}, Organization: true},
				{PermissionSets: []string{"IAMReadOnly"}, Organization: true, Condition: model.WithExpiry("", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))}}},
	}
	rep := run(t, load(t, body), l, []UserKey{{AccessKey: "SCWUSER", UserID: aliceID, Description: "terraform", CreatedAt: now}})
	// ci's description was last written by alice, from the console.
	attribute(context.Background(), &logReader{org: l, logs: map[string][]LogEntry{"app-ci": {{ID: "log-ci", At: now.Add(-2 * time.Hour),
		Action: "updated", BearerID: aliceID, IP: "203.0.113.7", UserAgent: "scaleway-console"}}}}, rep, l)
	return rep
}

func sarifValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	f, err := os.Open("testdata/sarif-2.1.0-subset.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := c.AddResource("sarif.json", f); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSARIF validates the log against the SARIF 2.1.0 structure and checks what code scanning
// relies on: rule references, levels, relative URIs with regions, suppressions.
func TestSARIF(t *testing.T) {
	rep := sampleReport(t)
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf, SARIFOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	v := sarifValidator(t)
	if err := v.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate: %#v\n%s", err, buf.String())
	}

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					} `json:"physicalLocation"`
					LogicalLocations []struct{ FullyQualifiedName string } `json:"logicalLocations"`
				}
				Suppressions []struct{ Kind, Justification string }
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(Rules) {
		t.Errorf("%d rules in the driver, want %d", len(run.Tool.Driver.Rules), len(Rules))
	}
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	var silenced, fileless, withFile int
	for i, res := range run.Results {
		f := rep.Findings[i]
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.Code {
			t.Errorf("result %d: ruleId %s, ruleIndex %d, finding %s", i, res.RuleID, res.RuleIndex, f.Code)
		}
		if want := map[Severity]string{High: "error", Medium: "warning", Low: "note"}[f.Severity]; res.Level != want {
			t.Errorf("result %d (%s): level %s, want %s", i, f.Code, res.Level, want)
		}
		loc := res.Locations[0]
		if len(loc.LogicalLocations) != 1 || !strings.HasPrefix(loc.LogicalLocations[0].FullyQualifiedName, f.Key.String()) {
			t.Errorf("result %d: logical location %+v, want %s", i, loc.LogicalLocations, f.Key)
		}
		switch {
		case f.Pos.IsZero():
			// Code scanning needs a file: live-only findings are anchored at line 1.
			fileless++
			if p := loc.PhysicalLocation; p == nil || p.ArtifactLocation.URI != "iam.yaml" || p.Region.StartLine != 1 {
				t.Errorf("result %d: a live-only finding is not anchored to the manifest: %+v", i, p)
			}
		default:
			withFile++
			p := loc.PhysicalLocation
			if p == nil || p.ArtifactLocation.URI != "iam.yaml" || p.Region.StartLine != f.Pos.Line || p.Region.StartColumn != f.Pos.Col {
				t.Errorf("result %d: physical location %+v, want %s", i, p, f.Pos)
			}
		}
		if (f.Suppressed != nil) != (len(res.Suppressions) == 1) {
			t.Errorf("result %d: suppressions %+v for %+v", i, res.Suppressions, f.Suppressed)
		}
		if len(res.Suppressions) == 1 {
			silenced++
			if s := res.Suppressions[0]; s.Kind != "inSource" || s.Justification != "break-glass account" {
				t.Errorf("result %d: suppression %+v", i, s)
			}
		}
	}
	if silenced != 1 || fileless == 0 || withFile == 0 {
		t.Errorf("sample lacks a shape: %d silenced, %d live-only, %d in files", silenced, fileless, withFile)
	}
}

// TestSARIFValidatorRejects proves the validation can fail: broken logs are refused.
func TestSARIFValidatorRejects(t *testing.T) {
	v := sarifValidator(t)
	var buf bytes.Buffer
	if err := sampleReport(t).WriteSARIF(&buf, SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	breaks := map[string]func(m map[string]any){
		"no version":    func(m map[string]any) { delete(m, "version") },
		"wrong version": func(m map[string]any) { m["version"] = "2.0.0" },
		"bad level": func(m map[string]any) {
			m["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "high"
		},
		"line 0": func(m map[string]any) {
			for _, r := range m["runs"].([]any)[0].(map[string]any)["results"].([]any) {
				if p, ok := r.(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any); ok {
					p["region"].(map[string]any)["startLine"] = 0
				}
			}
		},
		"rule without id": func(m map[string]any) {
			delete(m["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)["rules"].([]any)[0].(map[string]any), "id")
		},
	}
	for name, brk := range breaks {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		brk(m)
		if err := v.Validate(m); err == nil {
			t.Errorf("%s: validates", name)
		}
	}
}

// TestSARIFRelativeURIs: with a base directory, URIs are relative to it with forward slashes.
func TestSARIFRelativeURIs(t *testing.T) {
	dir := t.TempDir()
	rep := &Report{Findings: []Finding{{Pos: model.Pos{File: dir + "/manifests/iam.yaml", Line: 3, Col: 5}, Key: model.Key{Kind: model.KindGroup, Name: "g"}, Code: "IAM302", Severity: Low, Msg: "m"}}, Now: time.Now()}
	var buf bytes.Buffer
	if err := rep.WriteSARIF(&buf, SARIFOptions{BaseDir: dir}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"uri": "manifests/iam.yaml"`) {
		t.Errorf("URI not relative to the base:\n%s", buf.String())
	}
}
