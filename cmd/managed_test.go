package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/emulator"
)

// Issue 17, end to end on plan: the emulator holds no managed group yet (the emulator helper
// adds them), so a proxy adds "All Users" to the groups it lists, as scaleway-sdk-go v1.39.0
// reads them (all_users: true, managed, listing nobody). A policy on {group: all-users} with
// IAMManager then plans onto that group, and the plan's access review shows every member
// gaining IAMManager on the organization through it, at the high tier.
func TestPlanManagedGroup(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{Users: []string{"alice@example.com", "bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	o := emu.Owner()
	target, _ := url.Parse(emu.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method != http.MethodGet || r.Request.URL.Path != "/iam/v1alpha1/groups" || r.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var list struct {
			Groups     []map[string]any `json:"groups"`
			TotalCount int              `json:"total_count"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return err
		}
		list.Groups = append(list.Groups, map[string]any{
			"id": "9a000000-0000-4000-8000-0000000000a1", "created_at": "2026-09-02T00:00:00Z", "updated_at": "2026-09-02T00:00:00Z",
			"organization_id": o.OrganizationID, "name": "All Users", "description": "", "user_ids": []string{}, "application_ids": []string{},
			"tags": []string{}, "editable": false, "deletable": false, "managed": true, "all_users": true, "all_applications": false,
		})
		list.TotalCount++
		out, _ := json.Marshal(list)
		r.Body = io.NopCloser(bytes.NewReader(out))
		r.ContentLength = int64(len(out))
		r.Header.Del("Content-Length")
		return nil
	}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	dir := t.TempDir()
	vars := map[string]string{
		"SCW_API_URL": srv.URL, "SCW_ACCESS_KEY": o.AccessKey, "SCW_SECRET_KEY": o.SecretKey,
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
	if len(p.Actions) != 1 || p.Actions[0].Resource.Principal.ID != "9a000000-0000-4000-8000-0000000000a1" {
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
}
