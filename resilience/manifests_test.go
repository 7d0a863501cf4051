package resilience

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// users are seeded in every emulator so that groups can have user members.
var users = []string{"alice@example.com", "bob@example.com", "carol@example.com"}

// manifestSet is a generated, realistic manifest tree: applications with API keys, groups with
// application and user members, policies with several rules for applications and groups.
type manifestSet struct {
	apps, groups, policies int
	keys                   []keySpec
}

type keySpec struct{ app, name, secret string }

func (m *manifestSet) resources() int { return m.apps + m.groups + m.policies + len(m.keys) }

func (m *manifestSet) secretNames() []string {
	var out []string
	for _, k := range m.keys {
		out = append(out, k.secret)
	}
	return out
}

// newManifests describes apps applications (the first keyApps with two keys each, for
// 2×keyApps keys), groups groups of three members, and policies policies of three rules.
func newManifests(apps, keyApps, groups, policies int) *manifestSet {
	m := &manifestSet{apps: apps, groups: groups, policies: policies}
	for i := 0; i < keyApps && i < apps; i++ {
		for _, n := range []string{"ci", "ops"} {
			m.keys = append(m.keys, keySpec{app: appName(i), name: n, secret: strings.ToUpper(fmt.Sprintf("APP%02d_%s", i, n))})
		}
	}
	return m
}

// realistic is the fault suite's set: 20 applications, 12 keys, 8 groups, 14 policies (54).
func realistic() *manifestSet { return newManifests(20, 6, 8, 14) }

func appName(i int) string { return fmt.Sprintf("svc-%02d", i) }

// write writes the manifests under dir/manifests (two files, as a team would split them).
func (m *manifestSet) write(t testing.TB, dir string) {
	t.Helper()
	var a, b strings.Builder
	fmt.Fprintf(&a, "version: 1\nstack: %s\napplications:\n", stack)
	for i := 0; i < m.apps; i++ {
		fmt.Fprintf(&a, "  - name: %s\n    description: service %d\n    tags: [team=t%d]\n", appName(i), i, i%3)
		var keys []keySpec
		for _, k := range m.keys {
			if k.app == appName(i) {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			a.WriteString("    api_keys:\n")
			for _, k := range keys {
				fmt.Fprintf(&a, "      - name: %s\n        description: %s key\n        expires_in: 90d\n        secret: %s\n", k.name, k.name, k.secret)
			}
		}
	}
	fmt.Fprintf(&b, "version: 1\nstack: %s\n", stack)
	if m.groups > 0 {
		b.WriteString("groups:\n")
	}
	for i := 0; i < m.groups; i++ {
		fmt.Fprintf(&b, "  - name: team-%02d\n    description: team %d\n    members:\n      applications: [%s, %s]\n      users: [%s]\n",
			i, i, appName(i%m.apps), appName((i+1)%m.apps), users[i%len(users)])
	}
	if m.policies > 0 {
		b.WriteString("policies:\n")
	}
	for i := 0; i < m.policies; i++ {
		principal := "application: " + appName(i%m.apps)
		if i%2 == 1 && m.groups > 0 {
			principal = fmt.Sprintf("group: team-%02d", i%m.groups)
		}
		fmt.Fprintf(&b, "  - name: policy-%02d\n    description: grants of %d\n    principal: {%s}\n    rules:\n", i, i, principal)
		b.WriteString("      - permission_sets: [IAMReadOnly]\n        organization: true\n")
		b.WriteString("      - permission_sets: [InstancesFullAccess, ObjectStorageReadOnly]\n        projects: [default]\n")
		b.WriteString("      - permission_sets: [ProjectReadOnly]\n        organization: true\n")
	}
	d := filepath.Join(dir, "manifests")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"applications.yaml": a.String(), "access.yaml": b.String()} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
