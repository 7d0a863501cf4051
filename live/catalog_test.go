package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// The live catalogue is one list read at the maximum page size: the emulator's 159 sets take
// two pages, and nothing else is called. The sets come back sorted with their scope type.
func TestReadPermissionSets(t *testing.T) {
	c, emu := newTestClient(t)
	emu.ResetCounts()
	sets, err := c.ReadPermissionSets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := emu.Counts()
	want := (len(sets) + maxPageSize - 1) / maxPageSize
	if len(sets) < 100 || counts.Reads != want || counts.ByRoute["GET /iam/v1alpha1/permission-sets"].Reads != want {
		t.Fatalf("%d sets in %d reads (%v), want one read per page of %d (%d)", len(sets), counts.Reads, counts.ByRoute, maxPageSize, want)
	}
	byName := map[string]PermissionSet{}
	for i, s := range sets {
		if i > 0 && sets[i-1].Name >= s.Name {
			t.Errorf("not sorted by name: %s before %s", sets[i-1].Name, s.Name)
		}
		byName[s.Name] = s
	}
	if s := byName["IAMManager"]; s.ScopeType != "organization" || len(s.Categories) != 1 {
		t.Errorf("IAMManager = %+v, want scope type organization and its category", s)
	}
	if s := byName["InstancesReadOnly"]; s.ScopeType != "projects" {
		t.Errorf("InstancesReadOnly = %+v, want scope type projects", s)
	}
}

// The catalogue is bounded like every other list (pages.go): a total_count above --max-objects
// is refused after page 1, before any other page is asked for.
func TestReadPermissionSetsBounded(t *testing.T) {
	var pages int
	c := hostileClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/iam/v1alpha1/permission-sets" {
			emptyLists(w, r)
			return
		}
		pages++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"permission_sets":[{"id":"p%d","name":"Set%d","scope_type":"projects"}],"total_count":4000000000}`, pages, pages)
	}), hostileOpts{tweak: func(cfg *Config) { cfg.MaxObjects = 1000 }})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.ReadPermissionSets(ctx)
	var tooMany *TooManyError
	if !errors.As(err, &tooMany) || tooMany.What != "permission sets" {
		t.Fatalf("err = %v, want a *TooManyError about permission sets", err)
	}
	if pages != 1 {
		t.Errorf("%d pages asked for, want 1", pages)
	}
}
