package schema

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsync/iamsync/model"
)

// TestAuditRuleEnum keeps the editor's completion list equal to the IDs the loader suggests
// from (audit's own test compares them with its rule table).
func TestAuditRuleEnum(t *testing.T) {
	var enum []string
	for _, v := range rawAt("/$defs/auditRule")["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	if !slices.IsSorted(auditRuleIDs) {
		t.Errorf("auditRuleIDs is not sorted: %v", auditRuleIDs)
	}
	if diff := cmp.Diff(AuditRuleIDs(), enum); diff != "" {
		t.Errorf("schema enum and auditRuleIDs differ (-go +schema):\n%s", diff)
	}
}

// TestAuditIgnoreRoundTrip: silences are decoded on every kind of element and survive Marshal.
func TestAuditIgnoreRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// One more policy, at the end of the policies (projects follow them in full.yaml).
	src := strings.Replace(string(data), "\nprojects:\n", `
  - name: silenced
    principal: none
    audit: {ignore: [{rule: IAM102, reason: template policy}]}
    rules:
      - permission_sets: [IAMReadOnly]
        organization: true
projects:
`, 1)
	org, ds := LoadBytes("full.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	var got []string
	for _, a := range org.Applications {
		for _, ig := range a.Ignore {
			got = append(got, a.Key().String()+" "+ig.Rule)
		}
	}
	for _, k := range org.APIKeys {
		for _, ig := range k.Ignore {
			got = append(got, k.Key().String()+" "+ig.Rule)
		}
	}
	for _, p := range org.Policies {
		for _, ig := range p.Ignore {
			got = append(got, p.Key().String()+" "+ig.Rule+" "+ig.Reason)
		}
	}
	for _, p := range org.Projects {
		for _, ig := range p.Ignore {
			got = append(got, p.Key().String()+" "+ig.Rule)
		}
	}
	want := []string{"application/Shared Runner IAM301", "api_key/ci-deployer/legacy@old-ci IAM201", "policy/silenced IAM102 template policy", "project/legacy IAM301"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("silences (-want +got):\n%s", diff)
	}
	out, err := Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	back, ds := LoadBytes("f.yaml", out)
	if ds.HasErrors() {
		t.Fatalf("reload: %v\n%s", ds, out)
	}
	if diff := cmp.Diff(org, back, cmpopts.IgnoreTypes(model.Pos{})); diff != "" {
		t.Errorf("round trip (-loaded +reloaded):\n%s", diff)
	}
}
