package resilience

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/schema"
	"github.com/iamsync/iamsync/secrets"
)

// genOrg turns fuzz bytes into a valid manifest: up to 6 applications with up to 2 keys
// each, up to 3 groups with application and user members, up to 5 policies whose principal is
// an application, a group or a user and whose rules mix organization- and project-scoped sets.
// The same bytes always give the same manifest.
func genOrg(data []byte) string {
	i := 0
	next := func(n int) int {
		if n <= 0 {
			return 0
		}
		if i >= len(data) {
			return 0
		}
		b := int(data[i])
		i++
		return b % n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nstack: %s\n", stack)
	apps := 1 + next(6)
	b.WriteString("applications:\n")
	for a := 0; a < apps; a++ {
		fmt.Fprintf(&b, "  - name: app-%d\n", a)
		if d := next(3); d > 0 {
			fmt.Fprintf(&b, "    description: variant %d\n", d)
		}
		if t := next(3); t > 0 {
			fmt.Fprintf(&b, "    tags: [env=e%d]\n", t)
		}
		if k := next(3); k > 0 {
			b.WriteString("    api_keys:\n")
			for j := 0; j < k; j++ {
				exp := []string{"never", "30d", "90d"}[next(3)]
				fmt.Fprintf(&b, "      - {name: key-%d, description: d%d, expires_in: %s, secret: A%d_K%d}\n", j, next(2), exp, a, j)
			}
		}
	}
	groups := next(4)
	if groups > 0 {
		b.WriteString("groups:\n")
	}
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "  - name: group-%d\n", g)
		var ma, mu []string
		for a := 0; a < apps; a++ {
			if next(2) == 1 {
				ma = append(ma, fmt.Sprintf("app-%d", a))
			}
		}
		for _, u := range users {
			if next(3) == 1 {
				mu = append(mu, u)
			}
		}
		fmt.Fprintf(&b, "    members: {applications: [%s], users: [%s]}\n", strings.Join(ma, ", "), strings.Join(mu, ", "))
	}
	policies := next(6)
	if policies > 0 {
		b.WriteString("policies:\n")
	}
	orgSets := []string{"IAMReadOnly", "ProjectReadOnly", "BillingReadOnly"}
	projSets := []string{"InstancesFullAccess", "ObjectStorageReadOnly", "AllProductsReadOnly"}
	for p := 0; p < policies; p++ {
		fmt.Fprintf(&b, "  - name: policy-%d\n", p)
		switch k := next(3); {
		case k == 1 && groups > 0:
			fmt.Fprintf(&b, "    principal: {group: group-%d}\n", next(groups))
		case k == 2:
			fmt.Fprintf(&b, "    principal: {user: %s}\n", users[next(len(users))])
		default:
			fmt.Fprintf(&b, "    principal: {application: app-%d}\n", next(apps))
		}
		b.WriteString("    rules:\n")
		seen := map[string]bool{} // a repeated rule is invalid (E506)
		for r := 0; r < 1+next(3); r++ {
			var rule string
			if next(2) == 0 {
				rule = fmt.Sprintf("{permission_sets: [%s], organization: true}", orgSets[next(len(orgSets))])
			} else if next(2) == 0 {
				rule = fmt.Sprintf("{permission_sets: [%s], projects: [default]}", projSets[next(len(projSets))])
			} else {
				rule = fmt.Sprintf("{permission_sets: [%s], organization: true}", projSets[next(len(projSets))])
			}
			if r == 0 || !seen[rule] {
				fmt.Fprintf(&b, "      - %s\n", rule)
			}
			seen[rule] = true
		}
	}
	return b.String()
}

// FuzzApplyConverges: for two generated organizations A and B, applying diff(live, A) to a
// new emulator and then diff(live, B) reaches each: the plan after each apply is empty, and
// every declared key's secret is stored. In-process (library level) for speed.
func FuzzApplyConverges(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte{5, 2, 1, 2, 1, 0, 2, 3, 1, 1, 1, 0, 1, 5, 1, 0, 2, 1}, []byte{3, 1, 1, 1})
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255, 255, 255}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{2, 0, 0, 2, 1, 1, 0, 1, 1, 3, 1, 1, 0, 1, 0, 1, 1, 4, 0, 0, 2}, []byte{2, 0, 0, 2, 1, 2, 0, 1, 1, 3, 1, 1, 0, 1, 0, 1, 1, 4, 0, 0, 2})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) > 200 || len(b) > 200 {
			return
		}
		// One clock for the emulator and apply, so "expires_in after creation" is exact.
		now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		emu, err := emulator.Start(emulator.Options{Users: users, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		// Closing the client's connections first spares Close the 5 s net/http waits on a
		// connection dialled but never used.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer emu.Close()
		defer tr.CloseIdleConnections()
		c := emu.Owner()
		url := emu.URL()
		client, err := live.New(live.Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &c.AccessKey, SecretKey: &c.SecretKey,
			DefaultOrganizationID: &c.OrganizationID, DefaultProjectID: &c.ProjectID}, Retry: live.RetryPolicy{RatePerSec: -1}, Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		store := secrets.Open(filepath.Join(t.TempDir(), "s.env"))
		ctx := context.Background()
		for step, data := range [][]byte{a, b} {
			text := genOrg(data)
			desired, diags := schema.LoadBytes("gen.yaml", []byte(text))
			if diags.HasErrors() {
				t.Fatalf("the generator made an invalid manifest:\n%s\n%v", text, diags)
			}
			read := func() *model.Org {
				l, err := client.Read(ctx, live.ReadOptions{RulesFor: model.DependenciesOf(desired).WantsRules})
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			l := read()
			p, err := plan.Diff(desired, l, plan.Options{Now: now})
			if err != nil {
				t.Fatalf("step %d: diff: %v\n%s", step, err, text)
			}
			if len(p.Conflicts) > 0 {
				t.Fatalf("step %d: conflicts %v\n%s", step, p.Conflicts, text)
			}
			res := apply.Apply(ctx, client, p, apply.Options{Stack: p.Stack, Live: l, Secrets: store,
				IsAmbiguous: live.IsAmbiguous, Now: func() time.Time { return now }})
			if !res.OK() {
				t.Fatalf("step %d: apply: %v\n%s", step, res.Failed, text)
			}
			p2, err := plan.Diff(desired, read(), plan.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(p2.Actions)+len(p2.Conflicts) > 0 {
				var lines []string
				for _, x := range p2.Actions {
					lines = append(lines, fmt.Sprintf("%s %s %v", x.Op, x.Key, x.Changes))
				}
				t.Fatalf("step %d: not converged after apply:\n%s\nmanifest:\n%s", step, strings.Join(lines, "\n"), text)
			}
			for _, k := range desired.APIKeys {
				if _, ok, err := store.Get(apply.SecretName(k)); err != nil || !ok {
					t.Fatalf("step %d: no stored secret for %s (%v)", step, k.Key(), err)
				}
			}
		}
	})
}
