package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Online, the live catalogue decides: a set only it has loads with warning E512, a set it lacks
// is E501 with a suggestion from its names (even one the embedded catalogue has), at the set's
// own place in the file. Offline, the same manifest fails on the set the embedded catalogue
// lacks.
func TestCheckCatalog(t *testing.T) {
	dir := t.TempDir()
	const manifest = `version: 1
stack: platform
policies:
  - name: p
    principal: {application_id: 0b7c9d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e}
    rules:
      - permission_sets: [InstancesReadOnly, QuantumComputingFullAccess]
        projects: [web]
      - permission_sets: [IAMReadOnly, BillingReadOnly]
        organization: true
`
	if err := os.WriteFile(filepath.Join(dir, "iam.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	l := Loader{Dir: dir}
	if _, ds := l.Load([]string{"iam.yaml"}); !ds.HasErrors() || ds[0].Code != "E501" || !strings.Contains(ds[0].Msg, "QuantumComputingFullAccess") {
		t.Fatalf("offline load: %v, want E501 for the set the embedded catalogue lacks", ds)
	}
	org, ds, cat := l.LoadOnline([]string{"iam.yaml"})
	if ds.HasErrors() || org == nil || cat.Empty() {
		t.Fatalf("online load: %v (org %v), want no error before the live catalogue is known", ds, org != nil)
	}
	live := []PermissionSet{{Name: "InstancesReadOnly"}, {Name: "QuantumComputingFullAccess"}, {Name: "IAMReadOnly"}, {Name: "BillingReadOnlyV2"}}
	var got []string
	for _, d := range cat.CheckCatalog(live) {
		got = append(got, d.String()+"\n\thint: "+d.Hint)
	}
	want := []string{
		`iam.yaml:7:46: warning: permission set "QuantumComputingFullAccess" is in the organization's catalogue but not in iamsync's copy of Scaleway's documented list: 'iamsync validate' reports it as unknown (E501) (policies[0].rules[0].permission_sets[1]) [E512]` +
			"\n\thint: update iamsync for a newer catalogue; plan and apply accept the set, since the API offers it",
		`iam.yaml:9:40: permission set "BillingReadOnly" is not in the organization's catalogue (ListPermissionSets), though Scaleway's documentation lists it: the API would refuse this rule (policies[0].rules[1].permission_sets[1]) [E501]` +
			"\n\thint: did you mean BillingReadOnlyV2?",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CheckCatalog mismatch (-want +got):\n%s", diff)
	}
	if _, _, none := l.LoadOnline([]string{"iam.yaml"}); len(none.CheckCatalog(PermissionSets())) != 1 {
		t.Errorf("against the embedded catalogue, only the set it lacks is reported")
	}
}
