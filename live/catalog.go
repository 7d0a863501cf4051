package live

import (
	"context"
	"slices"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// The live permission-set catalogue (issue 17). iamsync embeds the catalogue Scaleway's
// documentation lists (schema.PermissionSets) for offline validation, and that list has
// lagged behind the API more than once; ListPermissionSets is public and says what the
// organization can really use. A plan reads it once, as one more bounded list: its pages (two
// at today's 159 sets and the 100-item page) are the only calls it adds to a plan's floor.

// PermissionSet is one entry of the live catalogue.
type PermissionSet struct {
	Name string
	// ScopeType is "organization" or "projects" (the API's permission_sets_scope_type values,
	// BEHAVIOUR.md §5.3); whatever else the API sends is passed on as it is.
	ScopeType  string
	Categories []string
}

// ReadPermissionSets lists the permission sets the API offers the client's organization, sorted
// by name. It is listAll's bounded read (--max-objects, page count from the first page, repeats
// refused), one list of maxPageSize pages.
func (c *Client) ReadPermissionSets(ctx context.Context) ([]PermissionSet, error) {
	sem := make(chan struct{}, c.parallelism)
	size := uint32(maxPageSize)
	sets, err := listAll(ctx, sem, c.maxObjects, "permission sets", func(page int32) ([]*iam.PermissionSet, uint32, error) {
		r, err := c.iam.ListPermissionSets(&iam.ListPermissionSetsRequest{OrganizationID: c.OrganizationID, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.PermissionSets, r.TotalCount, nil
	}, func(p *iam.PermissionSet) string {
		// The ID identifies an entry for the repeat check; the name stands in when an API
		// leaves it out.
		if p.ID != "" {
			return p.ID
		}
		return p.Name
	})
	if err != nil {
		return nil, err
	}
	out := make([]PermissionSet, 0, len(sets))
	for _, p := range sets {
		if p == nil || p.Name == "" {
			continue
		}
		ps := PermissionSet{Name: p.Name, ScopeType: string(p.ScopeType)}
		if p.Categories != nil {
			ps.Categories = slices.Clone(*p.Categories)
		}
		out = append(out, ps)
	}
	slices.SortFunc(out, func(a, b PermissionSet) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}
