package live

import (
	"context"
	"sync"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"

	"github.com/iamsync/iamsync/model"
)

// fetchGroupRules reads the rules of the policies attached to the groups opts.RulesForGroup
// selects, which the first pass skipped: a policy names its group by ID only, so this waits
// for the groups list. A plan needs them for its access review: a member added to such a group
// gains what the policy grants, even when another stack owns the policy.
func (c *Client) fetchGroupRules(ctx context.Context, s *snapshot, opts ReadOptions, sem chan struct{}) error {
	if opts.RulesFor == nil || opts.RulesForGroup == nil {
		return nil // every policy's rules were read, or no more are wanted
	}
	wanted := map[string]bool{}
	for _, gr := range s.groups {
		owner, _ := model.SplitOwnerTag(gr.Tags)
		if opts.RulesForGroup(gr.Name, owner) {
			wanted[gr.ID] = true
		}
	}
	// Chosen before any is read: the reads write s.rules.
	var todo []*iam.Policy
	for _, p := range s.policies {
		if _, read := s.rules[p.ID]; !read && p.GroupID != nil && wanted[*p.GroupID] {
			todo = append(todo, p)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range todo {
		g.Go(func() error { return c.readRules(gctx, sem, p, s, &mu) })
	}
	return g.Wait()
}

// readRules lists p's rules into s.rules (one call per page, holding a slot of sem), or takes
// them from the rule cache when they cannot have changed (rulecache.go).
func (c *Client) readRules(ctx context.Context, sem chan struct{}, p *iam.Policy, s *snapshot, mu *sync.Mutex) error {
	if rules, ok := s.cache.lookup(ctx, p); ok {
		mu.Lock()
		s.rules[p.ID] = rules
		mu.Unlock()
		return nil
	}
	readAt := s.cache.now()
	size := uint32(maxPageSize)
	rules, err := listAll(ctx, sem, c.maxObjects, "rules of policy "+p.Name, func(page int32) ([]*iam.Rule, uint32, error) {
		r, err := c.iam.ListRules(&iam.ListRulesRequest{PolicyID: p.ID, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.Rules, r.TotalCount, nil
	}, func(r *iam.Rule) string { return r.ID })
	if err != nil {
		return err
	}
	s.cache.store(p, readAt, rules)
	mu.Lock()
	s.rules[p.ID] = rules
	mu.Unlock()
	return nil
}
