package resilience

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/schema"
)

// bulkManifests writes the manifests that describe exactly what emulator.SeedBulk(spec)
// creates with spec.Stack set: the plan of an unchanged organization. It mirrors SeedBulk's
// naming and member and rule choices (emulator/seed.go); a drift between the two shows as a
// non-empty plan in TestPlanCallFloor.
func bulkManifests(t testing.TB, dir string, spec emulator.BulkSpec) {
	t.Helper()
	p := spec.Prefix
	if p == "" {
		p = "bulk-"
	}
	tags := "[" + strings.Join(append([]string{p + "seeded"}, spec.Tags...), ", ") + "]"
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nstack: %s\napplications:\n", spec.Stack)
	var users, apps []string
	for i := 0; i < spec.Users; i++ {
		users = append(users, fmt.Sprintf("%suser-%05d@example.com", p, i))
	}
	for i := 0; i < spec.Applications; i++ {
		name := fmt.Sprintf("%sapp-%05d", p, i)
		apps = append(apps, name)
		fmt.Fprintf(&b, "  - name: %s\n    tags: %s\n", name, tags)
		if spec.KeysPerApplication > 0 {
			b.WriteString("    api_keys:\n")
			for j := 0; j < spec.KeysPerApplication; j++ {
				fmt.Fprintf(&b, "      - {name: k%d, expires_in: never, secret: K%05d_%d}\n", j, i, j)
			}
		}
	}
	sets := []string{"IAMReadOnly", "ProjectReadOnly", "BillingReadOnly", "OrganizationReadOnly"}
	projectSets := []string{"AllProductsReadOnly", "ContainerRegistryReadOnly", "AllProductsFullAccess"}
	if spec.Policies > 0 {
		b.WriteString("policies:\n")
	}
	for i := 0; i < spec.Policies; i++ {
		fmt.Fprintf(&b, "  - name: %spolicy-%05d\n    tags: %s\n", p, i, tags)
		if len(apps) > 0 {
			fmt.Fprintf(&b, "    principal: {application: %s}\n", apps[i%len(apps)])
		}
		b.WriteString("    rules:\n")
		for j := 0; j < spec.RulesPerPolicy; j++ {
			name := sets[j%len(sets)]
			if j%2 == 1 {
				name = projectSets[j%len(projectSets)]
			}
			fmt.Fprintf(&b, "      - {permission_sets: [%s], organization: true}\n", name)
		}
	}
	if spec.Groups > 0 {
		b.WriteString("groups:\n")
	}
	members := append(append([]string{}, users...), apps...)
	next := 0
	for i := 0; i < spec.Groups; i++ {
		var gu, ga []string
		for j := 0; j < spec.MembersPerGroup && len(members) > 0; j++ {
			idx := next % len(members)
			next++
			if idx < len(users) {
				gu = append(gu, members[idx])
			} else {
				ga = append(ga, members[idx])
			}
		}
		fmt.Fprintf(&b, "  - name: %sgroup-%05d\n    tags: %s\n    members: {applications: [%s], users: [%s]}\n",
			p, i, tags, strings.Join(ga, ", "), strings.Join(gu, ", "))
	}
	d := filepath.Join(dir, "manifests")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "bulk.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// floor is the least number of API calls a plan of spec can make: one list call per page of
// 100 (the maximum page size) of every list, plus one rules call per policy (each has at most
// 100 rules). The organization also holds the emulator's owner application and key, and the
// owner user. The permission-set catalogue is one more list since issue 17 (plan checks the
// manifests against it): the emulator serves the embedded catalogue, 159 sets in 2 pages.
func floor(spec emulator.BulkSpec) int {
	pages := func(n int) int { return max(1, (n+99)/100) }
	return pages(spec.Applications+1) + // + the owner application
		pages(spec.Groups+2) + // + the managed All Users and All Applications
		pages(spec.Policies) +
		pages(spec.Applications*spec.KeysPerApplication+1) + // + the owner key
		pages(spec.Users+1+len(users)) + // + the owner and the seeded users
		pages(spec.Projects+1) + // + the default project
		1 + // SSH keys (none)
		1 + // quotas
		1 + // the security settings
		3 + // the identity federation: SAML, SCIM (no tokens to list without it), login methods
		pages(len(schema.PermissionSets())) + // the live permission-set catalogue
		spec.Policies
}
