package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/emulator"
)

// Issue 17, end to end on plan: every emulated organization holds the managed group "All
// Users", as scaleway-sdk-go v1.39.0 reads it (all_users: true, managed, listing nobody). A
// policy on {group: all-users} with
// IAMManager then plans onto that group, and the plan's access review shows every member
// gaining IAMManager on the organization through it, at the high tier.
func TestPlanManagedGroup(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com", "bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	o := emu.Owner()
	allUsers, _ := emu.ManagedGroupIDs()
	dir := t.TempDir()
	vars := map[string]string{
		"SCW_API_URL": emu.URL(), "SCW_ACCESS_KEY": o.AccessKey, "SCW_SECRET_KEY": o.SecretKey,
		"SCW_DEFAULT_ORGANIZATION_ID": o.OrganizationID, "SCW_DEFAULT_PROJECT_ID": o.ProjectID, "HOME": dir, "NO_COLOR": "1",
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	manifest := "version: 1\nstack: platform\npolicies:\n  - name: everyone-admin\n    principal: {group: all-users}\n    rules:\n      - permission_sets: [IAMManager]\n        organization: true\n"
	var out, errb bytes.Buffer
	env := cmd.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return vars[k] }}
	if err := os.WriteFile(filepath.Join(dir, "iam.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := cmd.Main(context.Background(), []string{"plan", "--format", "json", "iam.yaml"}, env); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, errb.String())
	}
	var p struct {
		Actions []struct {
			Op       string `json:"op"`
			Resource struct {
				Principal struct{ ID, Name string } `json:"principal"`
			} `json:"resource"`
		} `json:"actions"`
		Access struct {
			Summary struct {
				GainedHigh int `json:"gained_high"`
			} `json:"summary"`
			Changes []struct {
				Principal struct{ Kind, Name string } `json:"principal"`
				Gained    []struct {
					PermissionSet string `json:"permission_set"`
				} `json:"gained"`
			} `json:"changes"`
		} `json:"access"`
	}
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(p.Actions) != 1 || p.Actions[0].Resource.Principal.ID != allUsers {
		t.Errorf("want the policy created on the managed group's ID, got %+v", p.Actions)
	}
	reached := map[string]bool{}
	for _, c := range p.Access.Changes {
		for _, g := range c.Gained {
			if g.PermissionSet == "IAMManager" {
				reached[c.Principal.Kind+"/"+c.Principal.Name] = true
			}
		}
	}
	for _, who := range []string{"user/alice@example.com", "user/bob@example.com", "group/All Users"} {
		if !reached[who] {
			t.Errorf("the access review does not show %s gaining IAMManager: %v\n%s", who, reached, out.String())
		}
	}
	if p.Access.Summary.GainedHigh < 3 {
		t.Errorf("gained_high = %d, want every member and the group at the high tier", p.Access.Summary.GainedHigh)
	}
	// Applied, the policy lands on the managed group, the next plan is empty, and the audit
	// raises IAM101 for an admin set reaching every member through it.
	out.Reset()
	errb.Reset()
	if code := cmd.Main(context.Background(), []string{"apply", "--auto-approve", "--secrets-file", "s.env", "iam.yaml"}, env); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errb.String())
	}
	out.Reset()
	if code := cmd.Main(context.Background(), []string{"plan", "--detailed-exitcode", "iam.yaml"}, env); code != 0 {
		t.Fatalf("plan after apply: exit %d (want 0, no changes)\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := cmd.Main(context.Background(), []string{"audit", "--format", "json", "--fail-on", "none", "iam.yaml"}, env); code != 0 {
		t.Fatalf("audit: exit %d\n%s", code, errb.String())
	}
	var rep struct {
		Findings []struct {
			Code string `json:"code"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	iam101 := 0
	for _, f := range rep.Findings {
		if f.Code == "IAM101" {
			iam101++
		}
	}
	if iam101 == 0 {
		t.Errorf("no IAM101 for IAMManager on the organization through All Users:\n%s", out.String())
	}
}
