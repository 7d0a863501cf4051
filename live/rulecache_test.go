package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

const rulesRoute = "GET /iam/v1alpha1/rules"

// cacheFixture is an emulator with a few policies, a client, an SDK client for changes made
// behind iamsync's back, and a cache directory of the test's own.
type cacheFixture struct {
	emu   *emulator.Server
	cl    *Client
	iam   *iam.API
	proj  *account.ProjectAPI
	cache *RuleCache
}

func newCacheFixture(t *testing.T, policies int) *cacheFixture {
	t.Helper()
	cl, emu := newTestClient(t)
	if err := emu.SeedBulk(emulator.BulkSpec{Applications: 2, Policies: policies, RulesPerPolicy: 2, Stack: "s"}); err != nil {
		t.Fatal(err)
	}
	o := emu.Owner()
	sdk, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	return &cacheFixture{emu: emu, cl: cl, iam: iam.NewAPI(sdk), proj: account.NewProjectAPI(sdk),
		cache: &RuleCache{Dir: filepath.Join(t.TempDir(), "iamsync")}}
}

// read reads the organization through the cache and returns it with the rules calls it made.
func (f *cacheFixture) read(t *testing.T, rc *RuleCache) (*model.Org, int) {
	t.Helper()
	f.emu.ResetCounts()
	o, err := f.cl.Read(context.Background(), ReadOptions{RuleCache: rc})
	if err != nil {
		t.Fatal(err)
	}
	return o, f.emu.Counts().ByRoute[rulesRoute].Reads
}

// fresh reads the organization without any cache: the truth.
func (f *cacheFixture) fresh(t *testing.T) *model.Org {
	t.Helper()
	o, err := f.cl.Read(context.Background(), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *cacheFixture) policy(t *testing.T, name string) *iam.Policy {
	t.Helper()
	r, err := f.iam.ListPolicies(&iam.ListPoliciesRequest{OrganizationID: f.emu.OrganizationID(), PolicyName: &name}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Policies {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no policy %s", name)
	return nil
}

func (f *cacheFixture) setRules(t *testing.T, name string, sets ...string) {
	t.Helper()
	org := f.emu.OrganizationID()
	if _, err := f.iam.SetRules(&iam.SetRulesRequest{PolicyID: f.policy(t, name).ID, Rules: []*iam.RuleSpecs{
		{PermissionSetNames: &sets, OrganizationID: &org}}}); err != nil {
		t.Fatal(err)
	}
}

func requireSameOrg(t *testing.T, want, got *model.Org) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("read through the cache differs from a fresh read (-fresh +cached):\n%s", d)
	}
}

func TestRuleCacheWarmReadMakesNoRulesCall(t *testing.T) {
	f := newCacheFixture(t, 5)
	cold, n := f.read(t, f.cache)
	if n != 5 {
		t.Fatalf("cold read made %d rules calls, want 5", n)
	}
	warm, n := f.read(t, f.cache)
	if n != 0 {
		t.Fatalf("warm read made %d rules calls, want 0", n)
	}
	requireSameOrg(t, cold, warm)
	requireSameOrg(t, f.fresh(t), warm)
	st, err := os.Stat(f.cache.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("cache directory mode %#o, want 0700", st.Mode().Perm())
	}
	files, _ := filepath.Glob(filepath.Join(f.cache.Dir, "*"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %#o, want 0600", st.Mode().Perm())
	}
}

// Rules changed behind iamsync's back, through the API, are always seen: PUT /rules moves the
// policy's updated_at (policy-change-permissions #12→#13), and only that policy is read again.
func TestRuleCacheSeesRulesChangedBehindItsBack(t *testing.T) {
	f := newCacheFixture(t, 5)
	f.read(t, f.cache)
	for i, sets := range [][]string{{"IAMManager"}, {"IAMReadOnly", "BillingReadOnly"}, {"IAMReadOnly", "BillingReadOnly"}} {
		// The same rules put twice still move updated_at: the third round reads again too.
		f.setRules(t, "bulk-policy-00003", sets...)
		got, n := f.read(t, f.cache)
		if n != 1 {
			t.Fatalf("round %d: read made %d rules calls after a PUT /rules on one policy, want 1", i, n)
		}
		requireSameOrg(t, f.fresh(t), got)
		var p *model.Policy
		for _, q := range got.Policies {
			if q.Name == "bulk-policy-00003" {
				p = q
			}
		}
		if p == nil || len(p.Rules) != 1 || !cmp.Equal(p.Rules[0].PermissionSets, sorted(sets)) {
			t.Fatalf("round %d: policy read through the cache has rules %+v, want %v", i, p, sets)
		}
	}
}

// A policy PATCH does not move updated_at (BEHAVIOUR.md §5.2) and cannot change rules: the
// cache still serves them, and the PATCHed fields are seen (they come from the list).
func TestRuleCacheKeepsRulesAcrossAPolicyPatch(t *testing.T) {
	f := newCacheFixture(t, 3)
	f.read(t, f.cache)
	desc := "changed behind iamsync's back"
	if _, err := f.iam.UpdatePolicy(&iam.UpdatePolicyRequest{PolicyID: f.policy(t, "bulk-policy-00001").ID, Description: &desc}); err != nil {
		t.Fatal(err)
	}
	got, n := f.read(t, f.cache)
	if n != 0 {
		t.Fatalf("read made %d rules calls after a policy PATCH, want 0", n)
	}
	requireSameOrg(t, f.fresh(t), got)
}

// A project created or deleted changes the key of every entry: what the real API does to a
// rule naming a deleted project is not recorded.
func TestRuleCacheProjectsChangeInvalidatesEverything(t *testing.T) {
	f := newCacheFixture(t, 4)
	f.read(t, f.cache)
	p, err := f.proj.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "new", OrganizationID: f.emu.OrganizationID()})
	if err != nil {
		t.Fatal(err)
	}
	if _, n := f.read(t, f.cache); n != 4 {
		t.Fatalf("read after a project was created made %d rules calls, want 4", n)
	}
	if _, n := f.read(t, f.cache); n != 0 {
		t.Fatalf("second read made %d rules calls, want 0", n)
	}
	if err := f.proj.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: p.ID}); err != nil {
		t.Fatal(err)
	}
	got, n := f.read(t, f.cache)
	if n != 4 {
		t.Fatalf("read after a project was deleted made %d rules calls, want 4", n)
	}
	requireSameOrg(t, f.fresh(t), got)
}

func TestRuleCacheRefreshAndAge(t *testing.T) {
	f := newCacheFixture(t, 3)
	f.read(t, f.cache)
	if _, n := f.read(t, &RuleCache{Dir: f.cache.Dir, Refresh: true}); n != 3 {
		t.Fatalf("--refresh read made %d rules calls, want 3", n)
	}
	later := func() time.Time { return time.Now().Add(DefaultRuleCacheMaxAge + time.Minute) }
	if _, n := f.read(t, &RuleCache{Dir: f.cache.Dir, Now: later}); n != 3 {
		t.Fatalf("read after MaxAge made %d rules calls, want 3", n)
	}
	// A hit does not make an entry younger: the entries read above "later" are young then,
	// but those of an even later clock are old again.
	evenLater := func() time.Time { return later().Add(DefaultRuleCacheMaxAge + time.Minute) }
	if _, n := f.read(t, &RuleCache{Dir: f.cache.Dir, Now: later}); n != 0 {
		t.Fatalf("read within MaxAge of the last real read made %d rules calls, want 0", n)
	}
	if _, n := f.read(t, &RuleCache{Dir: f.cache.Dir, Now: evenLater}); n != 3 {
		t.Fatalf("read after MaxAge again made %d rules calls, want 3", n)
	}
	// An entry from the future (the clock was set back) is not trusted either.
	earlier := func() time.Time { return time.Now().Add(-time.Hour) }
	if _, n := f.read(t, &RuleCache{Dir: f.cache.Dir, Now: earlier}); n != 3 {
		t.Fatalf("read with the clock set back made %d rules calls, want 3", n)
	}
}

// A damaged or foreign cache file is ignored, never trusted, and replaced by the next save.
func TestRuleCacheIgnoresDamagedAndForeignFiles(t *testing.T) {
	f := newCacheFixture(t, 3)
	f.read(t, f.cache)
	files, _ := filepath.Glob(filepath.Join(f.cache.Dir, "rules-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	path := files[0]
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A file whose checksum still matches but lies about the rules cannot be told from a true
	// one; everything else can.
	other := newCacheFixture(t, 3) // another organization with the same policy names
	other.read(t, &RuleCache{Dir: f.cache.Dir + "-other"})
	foreign, _ := filepath.Glob(filepath.Join(f.cache.Dir+"-other", "rules-*.json"))
	foreignData, err := os.ReadFile(foreign[0])
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte{}, good...)
	flipped[len(flipped)/2] ^= 0x20
	cases := map[string][]byte{
		"empty":                {},
		"truncated":            good[:len(good)/2],
		"one byte changed":     flipped,
		"not JSON":             []byte("hello\nworld"),
		"checksum only":        good[:65],
		"another organization": foreignData,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, n := f.read(t, f.cache)
			if n != 3 {
				t.Fatalf("read with a %s cache file made %d rules calls, want 3", name, n)
			}
			requireSameOrg(t, f.fresh(t), got)
			if _, n := f.read(t, f.cache); n != 0 {
				t.Fatalf("the %s cache file was not replaced: the next read made %d rules calls", name, n)
			}
		})
	}
}

// Concurrent runs sharing the cache never tear it: each save replaces the file whole.
func TestRuleCacheConcurrentRuns(t *testing.T) {
	f := newCacheFixture(t, 6)
	want := f.fresh(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.cl.Read(context.Background(), ReadOptions{RuleCache: f.cache})
			if err != nil {
				errs <- err
				return
			}
			if d := cmp.Diff(want, got); d != "" {
				errs <- fmt.Errorf("concurrent read %d differs (-want +got):\n%s", i, d)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, n := f.read(t, f.cache)
	if n != 0 {
		t.Fatalf("read after concurrent runs made %d rules calls, want 0 (the file is torn or lost)", n)
	}
	requireSameOrg(t, want, got)
	if tmps, _ := filepath.Glob(filepath.Join(f.cache.Dir, ".rules-*")); len(tmps) > 0 {
		t.Errorf("temp files left behind: %v", tmps)
	}
}

// Only the policies a read wants are read; the others' entries survive the save.
func TestRuleCacheKeepsEntriesOfUnwantedPolicies(t *testing.T) {
	f := newCacheFixture(t, 4)
	f.read(t, f.cache)
	only := func(name, _ string) bool { return name == "bulk-policy-00000" }
	f.emu.ResetCounts()
	if _, err := f.cl.Read(context.Background(), ReadOptions{RuleCache: f.cache, RulesFor: only}); err != nil {
		t.Fatal(err)
	}
	if _, n := f.read(t, f.cache); n != 0 {
		t.Fatalf("read after a narrowed read made %d rules calls, want 0", n)
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}

// Issue 18: the policies a client creates are seeded into the cache of its last read, so the
// next read finds their rules without a call; the seeded rules are what a read would give.
func TestCreatedPoliciesSeedTheCache(t *testing.T) {
	f := newCacheFixture(t, 3)
	if _, n := f.read(t, f.cache); n != 3 {
		t.Fatalf("cold read: %d rules calls, want 3", n)
	}
	created := []string{}
	for i, rules := range [][]model.Rule{
		{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}},
		{{PermissionSets: []string{"InstancesReadOnly", "ObjectStorageReadOnly"}, Projects: []string{f.emu.Owner().ProjectID}, Condition: "request.ip == \"192.0.2.1\""},
			{PermissionSets: []string{"ProjectManager"}, Organization: true}},
	} {
		id, err := f.cl.CreatePolicy(context.Background(), &model.Policy{Name: fmt.Sprint("seeded-", i), Rules: rules}, []string{model.OwnerTag("s")})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, id)
	}
	n, err := f.cl.SeedRuleCache()
	if err != nil || n != 2 {
		t.Fatalf("seeded %d (%v), want 2", n, err)
	}
	got, calls := f.read(t, f.cache)
	if calls != 0 {
		t.Fatalf("read after the creates: %d rules calls, want 0", calls)
	}
	if diff := cmp.Diff(f.fresh(t).Policies, got.Policies); diff != "" {
		t.Fatalf("seeded rules differ from a fresh read (-fresh +seeded):\n%s", diff)
	}
	// A change behind iamsync's back after the seed moves updated_at: read again.
	if _, err := f.iam.SetRules(&iam.SetRulesRequest{PolicyID: created[0], Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: scw.StringPtr(f.emu.OrganizationID())}}}); err != nil {
		t.Fatal(err)
	}
	if _, calls := f.read(t, f.cache); calls != 1 {
		t.Fatalf("read after a change to a seeded policy: %d rules calls, want 1", calls)
	}
}

// Seeds are dropped, not merged, into a cache saved since under other projects.
func TestSeedsKeepOutOfAnotherProjectsKey(t *testing.T) {
	f := newCacheFixture(t, 1)
	f.read(t, f.cache)
	if _, err := f.cl.CreatePolicy(context.Background(), &model.Policy{Name: "seeded", Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.proj.CreateProject(&account.ProjectAPICreateProjectRequest{Name: "another", OrganizationID: f.emu.OrganizationID()}); err != nil {
		t.Fatal(err)
	}
	other := newClientFor(t, f.emu)
	if _, err := other.Read(context.Background(), ReadOptions{RuleCache: f.cache}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.cl.SeedRuleCache(); n != 0 || err == nil {
		t.Fatalf("seeded %d (%v) into a cache of other projects", n, err)
	}
}
