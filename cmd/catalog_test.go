package cmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/iamsync/iamsync/cmd"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/schema"
)

// Issue 17: plan and apply check the manifests' permission sets against the organization's
// live catalogue (ListPermissionSets). The emulator serves the embedded catalogue, so a proxy
// in front of it serves a catalogue that has moved on: BillingReadOnly withdrawn,
// QuantumComputingFullAccess added. Offline validate keeps the embedded list.
func TestLiveCatalogue(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	target, _ := url.Parse(emu.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	type entry struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		ScopeType  string   `json:"scope_type"`
		Categories []string `json:"categories"`
	}
	var catalogue []entry
	for _, p := range schema.PermissionSets() {
		if p.Name != "BillingReadOnly" {
			catalogue = append(catalogue, entry{"id-" + p.Name, p.Name, string(p.ScopeType), []string{p.Category}})
		}
	}
	catalogue = append(catalogue, entry{"id-quantum", "QuantumComputingFullAccess", "projects", []string{"quantum"}})
	var catalogueCalls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/iam/v1alpha1/permission-sets" {
			proxy.ServeHTTP(w, r)
			return
		}
		catalogueCalls.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		page, size = max(page, 1), max(size, 1)
		lo, hi := min((page-1)*size, len(catalogue)), min(page*size, len(catalogue))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"permission_sets": catalogue[lo:hi], "total_count": len(catalogue)})
	}))
	defer srv.Close()

	o := emu.Owner()
	dir := t.TempDir()
	vars := map[string]string{
		"SCW_API_URL": srv.URL, "SCW_ACCESS_KEY": o.AccessKey, "SCW_SECRET_KEY": o.SecretKey,
		"SCW_DEFAULT_ORGANIZATION_ID": o.OrganizationID, "SCW_DEFAULT_PROJECT_ID": o.ProjectID,
		"HOME": dir, "NO_COLOR": "1",
	}
	for k, v := range vars {
		t.Setenv(k, v) // the SDK reads its configuration from the process environment
	}
	manifest := func(name, sets string) string {
		body := "version: 1\nstack: platform\napplications:\n  - name: ci\n"
		if sets != "" {
			body += "policies:\n  - name: ci\n    principal: {application: ci}\n    rules:\n      - permission_sets: [" + sets + "]\n        organization: true\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	run := func(args ...string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		env := cmd.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: dir, Getenv: func(k string) string { return vars[k] }}
		return cmd.Main(context.Background(), args, env), errb.String()
	}
	expect := func(what string, code, want int, stderr string, contains ...string) {
		t.Helper()
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", what, code, want, stderr)
		}
		for _, c := range contains {
			if !strings.Contains(stderr, c) {
				t.Errorf("%s: stderr lacks %q:\n%s", what, c, stderr)
			}
		}
	}

	// A set only the live catalogue has: offline it is unknown, online a warning.
	newer := manifest("newer.yaml", "IAMReadOnly, QuantumComputingFullAccess")
	code, stderr := run("validate", newer)
	expect("validate, a set only live has", code, 1, stderr, `unknown permission set "QuantumComputingFullAccess"`, "[E501]")
	catalogueCalls.Store(0)
	code, stderr = run("plan", newer)
	expect("plan, a set only live has", code, 0, stderr, `newer.yaml:9:40: warning: permission set "QuantumComputingFullAccess" is in the organization's catalogue`, "[E512]")
	if n := catalogueCalls.Load(); n != 2 {
		t.Errorf("plan read %d pages of the catalogue, want 2 (%d sets at 100 a page)", n, len(catalogue))
	}

	// audit and explain judge by the live catalogue too: the nightly audit of manifests that
	// name a set only live has reports drift (nothing applied yet), not an unknown set.
	catalogueCalls.Store(0)
	code, stderr = run("audit", "--fail-on", "none", newer)
	expect("audit, a set only live has", code, 2, stderr, "[E512]")
	if strings.Contains(stderr, "unknown permission set") || catalogueCalls.Load() != 2 {
		t.Errorf("audit: %d catalogue pages read, stderr:\n%s", catalogueCalls.Load(), stderr)
	}
	code, stderr = run("explain", "who", "--can", "QuantumComputingFullAccess", newer)
	expect("explain, a set only live has", code, 0, stderr)
	emu.ResetCounts()
	code, stderr = run("explain", "who", "--can", "QuantumComputingFullAcces")
	expect("explain, a misspelt set only live has", code, 1, stderr, "did you mean QuantumComputingFullAccess?")
	if n := emu.Counts().Reads; n != 0 {
		t.Errorf("explain read the organization (%d reads) before refusing a set no catalogue has", n)
	}
	code, stderr = run("explain", "who", "--can", "BillingReadOnly")
	expect("explain, a set withdrawn live", code, 1, stderr, `--can: unknown permission set "BillingReadOnly"`)
	if strings.Contains(stderr, "did you mean BillingReadOnly") {
		t.Errorf("explain suggests the withdrawn set itself:\n%s", stderr)
	}
	code, stderr = run("explain", "who", "--can", "QuantumComputingFullAccess", "--manifests-only", manifest("offline.yaml", "IAMReadOnly"))
	expect("explain offline, a set only live has", code, 1, stderr, `--can: unknown permission set "QuantumComputingFullAccess"`)

	// A set the live catalogue lacks is an error online, whatever the embedded list says, and
	// apply refuses before writing anything.
	withdrawn := manifest("withdrawn.yaml", "BillingReadOnly")
	if code, stderr = run("validate", withdrawn); code != 0 {
		t.Errorf("validate of a set the embedded catalogue has: exit %d\n%s", code, stderr)
	}
	code, stderr = run("plan", withdrawn)
	expect("plan, a set withdrawn live", code, 1, stderr,
		`withdrawn.yaml:9:27: permission set "BillingReadOnly" is not in the organization's catalogue (ListPermissionSets)`, "[E501]",
		"iamsync: error: the manifests name 1 permission set that the organization's permission-set catalogue does not have")
	emu.ResetCounts()
	code, stderr = run("apply", "--auto-approve", withdrawn)
	expect("apply, a set withdrawn live", code, 1, stderr, `"BillingReadOnly" is not in the organization's catalogue`)
	if w := emu.Counts().Writes; w != 0 {
		t.Errorf("apply refused by the catalogue made %d writes", w)
	}

	// A misspelling gets the live catalogue's suggestion.
	code, stderr = run("plan", manifest("typo.yaml", "InstancesReadOnyl"))
	expect("plan, a misspelt set", code, 1, stderr, `unknown permission set "InstancesReadOnyl"`, "did you mean InstancesReadOnly?")

	// Manifests that name no permission set cost no catalogue call.
	catalogueCalls.Store(0)
	code, stderr = run("plan", manifest("nosets.yaml", ""))
	expect("plan without policies", code, 0, stderr)
	if n := catalogueCalls.Load(); n != 0 {
		t.Errorf("a plan naming no permission set read the catalogue %d times", n)
	}

	// Apply reads the catalogue once, however often it plans.
	catalogueCalls.Store(0)
	code, stderr = run("apply", "--auto-approve", manifest("apply.yaml", "IAMReadOnly"))
	expect("apply", code, 0, stderr)
	if n := catalogueCalls.Load(); n != 2 {
		t.Errorf("apply read %d pages of the catalogue, want 2", n)
	}
}
