package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

// churn is a list ordered by creation in which, after every page read, other runs delete
// items (anywhere, or just before the page read) and create new ones (at the end).
type churn struct {
	items  []string
	rng    *rand.Rand
	nextID int
	gone   map[string]bool
}

func newChurn(n int, seed uint64) *churn {
	c := &churn{rng: rand.New(rand.NewPCG(seed, 1)), gone: map[string]bool{}}
	for ; c.nextID < n; c.nextID++ {
		c.items = append(c.items, fmt.Sprint("id-", c.nextID))
	}
	return c
}

func (c *churn) fetch(page int32) ([]model.Found, uint32, error) {
	start := min(int(page-1)*maxPageSize, len(c.items))
	end := min(start+maxPageSize, len(c.items))
	var out []model.Found
	for _, id := range c.items[start:end] {
		out = append(out, model.Found{ID: id})
	}
	total := uint32(len(c.items))
	// The adversary: delete a few items at or before this page's start (which moves later
	// ones back across page boundaries), and create a few.
	for i := 0; i < 1+c.rng.IntN(4) && len(c.items) > 0; i++ {
		at := c.rng.IntN(min(start+1, len(c.items)))
		c.gone[c.items[at]] = true
		c.items = slices.Delete(c.items, at, at+1)
	}
	for i := 0; i < c.rng.IntN(3); i++ {
		c.items = append(c.items, fmt.Sprint("id-", c.nextID))
		c.nextID++
	}
	return out, total, nil
}

// survivors are the items that existed before the list and were never deleted: the list must
// return every one of them.
func (c *churn) missing(initial int, got []model.Found) []string {
	seen := map[string]bool{}
	for _, f := range got {
		seen[f.ID] = true
	}
	var miss []string
	for i := 0; i < initial; i++ {
		id := fmt.Sprint("id-", i)
		if !c.gone[id] && !seen[id] {
			miss = append(miss, id)
		}
	}
	return miss
}

func TestListBackwardsSeesEverySurvivorUnderChurn(t *testing.T) {
	forwardMissed := 0
	for seed := uint64(0); seed < 200; seed++ {
		n := 150 + int(seed)*7
		c := newChurn(n, seed)
		got, err := listBackwards(model.KindApplication, c.fetch, DefaultMaxObjects)
		if err != nil {
			t.Fatal(err)
		}
		if miss := c.missing(n, got); len(miss) > 0 {
			t.Fatalf("seed %d: the backwards list missed %d resources that existed throughout: %v", seed, len(miss), miss)
		}
		// The same churn against an ordinary forward read does lose resources: the test can
		// tell the two apart.
		c = newChurn(n, seed)
		first, total, _ := c.fetch(1)
		fwd := first
		for p := int32(2); p <= int32((int(total)+maxPageSize-1)/maxPageSize); p++ {
			items, _, _ := c.fetch(p)
			fwd = append(fwd, items...)
		}
		if len(c.missing(n, fwd)) > 0 {
			forwardMissed++
		}
	}
	if forwardMissed == 0 {
		t.Fatal("a forward read never missed anything under this churn: the test proves nothing")
	}
	t.Logf("a forward read missed survivors in %d of 200 runs; the backwards read in none", forwardMissed)
}

func TestListAllEveryKind(t *testing.T) {
	cl, emu := newTestClient(t)
	if err := emu.SeedBulk(emulator.BulkSpec{Applications: 230, KeysPerApplication: 1, Policies: 210, RulesPerPolicy: 1, Groups: 3, Stack: "s"}); err != nil {
		t.Fatal(err)
	}
	o := emu.Owner()
	sdk, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewAPI(sdk).CreateAPIKey(&iam.CreateAPIKeyRequest{UserID: ptr(firstUser(t, sdk, o.OrganizationID)), Description: "personal"}); err != nil {
		t.Fatal(err)
	}
	// Listed, and calls: page 1, then every page from the last down to 1 (one call for one page).
	want := map[model.Kind]struct{ n, calls int }{
		model.KindApplication: {231, 4}, model.KindAPIKey: {231, 4}, // + the user's key: 232 in 3 pages, not returned
		model.KindPolicy: {210, 4}, model.KindGroup: {5, 1}, // + All Users and All Applications, in every organization
	}
	for kind, w := range want {
		emu.ResetCounts()
		got, err := cl.ListAll(context.Background(), kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != w.n {
			t.Errorf("%s: %d listed, want %d", kind, len(got), w.n)
		}
		if calls := emu.Counts().Reads; calls != w.calls {
			t.Errorf("%s: %d calls, want %d", kind, calls, w.calls)
		}
		for _, f := range got {
			if f.ID == "" || f.CreatedAt.IsZero() || (kind == model.KindAPIKey) != (f.Parent != "") || (kind != model.KindAPIKey && f.Name == "") {
				t.Fatalf("%s: incomplete %+v", kind, f)
			}
		}
	}
	// Members and SSH keys are listed the same way; an SSH key's ownership comes from its name.
	if _, err := iam.NewAPI(sdk).CreateSSHKey(&iam.CreateSSHKeyRequest{Name: model.SSHKeyName("laptop", "s"), ProjectID: o.ProjectID,
		PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM"}); err != nil {
		t.Fatal(err)
	}
	keys, err := cl.ListAll(context.Background(), model.KindSSHKey)
	if err != nil || len(keys) != 1 || keys[0].Name != "laptop" || len(keys[0].Tags) != 1 || keys[0].Tags[0] != model.OwnerTag("s") {
		t.Errorf("SSH keys: %+v, %v", keys, err)
	}
	users, err := cl.ListAll(context.Background(), model.KindUser)
	if err != nil || len(users) == 0 || users[0].Name == "" {
		t.Errorf("members: %+v, %v", users, err)
	}
	if _, err := cl.ListAll(context.Background(), model.Kind("robot")); err == nil {
		t.Error("ListAll of an unknown kind succeeded")
	}
}

func firstUser(t *testing.T, sdk *scw.Client, org string) string {
	r, err := iam.NewAPI(sdk).ListUsers(&iam.ListUsersRequest{OrganizationID: &org})
	if err != nil || len(r.Users) == 0 {
		t.Fatalf("users: %v", err)
	}
	return r.Users[0].ID
}

func ptr(s string) *string { return &s }
