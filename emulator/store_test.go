package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func TestStatePersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start(Options{Seed: 8, StatePath: path, Users: []string{"alice@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	owner := s1.Owner()
	app, err := iam.NewAPI(sdkClient(t, s1, owner)).CreateApplication(&iam.CreateApplicationRequest{Name: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	// No Close: an acknowledged write must already be on disk (SIGTERM loses nothing).
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state mode %v, want 0600 (it holds secret keys)", st.Mode().Perm())
	}
	s2 := startServer(t, Options{Seed: 999, StatePath: path})
	defer s1.Close()
	if s2.Fresh() {
		t.Fatal("second server did not load the state")
	}
	if got := s2.Owner(); got != owner {
		t.Fatalf("owner %+v, want %+v", got, owner)
	}
	api := iam.NewAPI(sdkClient(t, s2, owner))
	got, err := api.GetApplication(&iam.GetApplicationRequest{ApplicationID: app.ID})
	if err != nil || got.Name != "kept" {
		t.Fatalf("application after restart: %v %v", got, err)
	}
	users, err := api.ListUsers(&iam.ListUsersRequest{})
	if err != nil || users.TotalCount != 2 {
		t.Fatalf("users after restart: %v %v", users, err)
	}
	// New IDs after a restart never collide with old ones.
	app2, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "new"})
	if err != nil || app2.ID == app.ID {
		t.Fatalf("second application: %v %v", app2, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "state.json,state.json.journal" {
		t.Errorf("state directory holds %v, want the state and its journal (no temp files left)", names)
	}
	if st, err := os.Stat(journalPath(path)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("journal: %v, mode %v, want 0600 (it holds request bodies: passwords, secrets)", err, st.Mode().Perm())
	}
}

func TestStateRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: path}); err == nil {
		t.Fatal("a corrupt state file was accepted")
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	a, _ := New(Options{Seed: 11})
	b, _ := New(Options{Seed: 11})
	c, _ := New(Options{Seed: 12})
	if a.Owner() != b.Owner() {
		t.Fatal("same seed, different owner credentials")
	}
	if a.Owner().OrganizationID == c.Owner().OrganizationID {
		t.Fatal("different seeds, same organization")
	}
	ak := a.Owner().AccessKey
	if len(ak) != 20 || ak[:3] != "SCW" || !isUUID(a.Owner().SecretKey) {
		t.Fatalf("access key %q / secret not in the real formats", ak)
	}
	if got := a.IssuedSecrets(); len(got) != 1 || got[0] != a.Owner().SecretKey {
		t.Fatalf("issued secrets = %v", got)
	}
	if s := fmt.Sprintf("%v %+v %#v", a.Owner(), a.Owner(), a.Owner()); strings.Contains(s, a.Owner().SecretKey) {
		t.Fatalf("formatting credentials leaks the secret: %s", s)
	}
}

// TestConcurrentRequests is meant for -race: SDK clients hammer one server.
func TestConcurrentRequests(t *testing.T) {
	s := startServer(t, Options{Seed: 13, StatePath: filepath.Join(t.TempDir(), "s.json")})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			api := iam.NewAPI(sdkClient(t, s, s.Owner()))
			for i := 0; i < 10; i++ {
				app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					errs <- err
					return
				}
				if _, err := api.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: &app.ID}); err != nil {
					errs <- err
					return
				}
				if _, err := api.ListAPIKeys(&iam.ListAPIKeysRequest{}); err != nil {
					errs <- err
					return
				}
				s.Counts()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	apps, err := api.ListApplications(&iam.ListApplicationsRequest{}, scw.WithAllPages())
	if err != nil || apps.TotalCount != 81 {
		t.Fatalf("applications: %v, %v; want 81", apps.TotalCount, err)
	}
}

func TestSeedBulk(t *testing.T) {
	s := startServer(t, Options{Seed: 14})
	start := time.Now()
	spec := BulkSpec{Applications: 2000, KeysPerApplication: 1, Policies: 2000, RulesPerPolicy: 3, Groups: 200, MembersPerGroup: 5, Users: 500, Projects: 20}
	if err := s.SeedBulk(spec); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("seeding took %v", d)
	}
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	pols, err := api.ListPolicies(&iam.ListPoliciesRequest{PageSize: scw.Uint32Ptr(100)})
	if err != nil || pols.TotalCount != 2000 || len(pols.Policies) != 100 {
		t.Fatalf("policies: %v %v", pols, err)
	}
	if p := pols.Policies[0]; p.NbRules != 3 || p.ApplicationID == nil {
		t.Fatalf("first policy %+v", p)
	}
	// The name filter leaves out the managed "All Users" and "All Applications" groups.
	groups, err := api.ListGroups(&iam.ListGroupsRequest{PageSize: scw.Uint32Ptr(1), Name: scw.StringPtr("bulk-group-")})
	if err != nil || groups.TotalCount != 200 || len(groups.Groups[0].UserIDs)+len(groups.Groups[0].ApplicationIDs) != 5 {
		t.Fatalf("groups: %+v %v", groups.Groups, err)
	}
	keys, err := api.ListAPIKeys(&iam.ListAPIKeysRequest{PageSize: scw.Uint32Ptr(1)})
	if err != nil || keys.TotalCount != 2001 {
		t.Fatalf("keys total %v %v, want 2001", keys.TotalCount, err)
	}
	if err := s.SeedBulk(BulkSpec{Applications: -1}); err == nil {
		t.Fatal("negative count accepted")
	}
}

func BenchmarkListPolicies(b *testing.B) {
	s := startServer(b, Options{Seed: 15})
	if err := s.SeedBulk(BulkSpec{Applications: 500, Policies: 1000, RulesPerPolicy: 2}); err != nil {
		b.Fatal(err)
	}
	api := iam.NewAPI(sdkClient(b, s, s.Owner()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := api.ListPolicies(&iam.ListPoliciesRequest{PageSize: scw.Uint32Ptr(100)}, scw.WithAllPages()); err != nil {
			b.Fatal(err)
		}
	}
}
