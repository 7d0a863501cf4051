package live

import (
	"context"
	"sync"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"

	"github.com/iamsync/iamsync/model"
)

// maxPageSize is the largest page the IAM API serves (BEHAVIOUR.md §2); asking for it keeps
// the number of list calls at its floor. Projects take the same value explicitly, since their
// default differs (§2, trap 14).
const maxPageSize = 100

// ReadOptions narrows what Read fetches.
type ReadOptions struct {
	// RulesFor selects, by name and owning stack, the policies whose rules are read (one
	// list-rules call each); nil reads all. A plan only needs the rules of the policies it may
	// compare or change (model.Dependencies.WantsRules). The others come back with
	// RulesUnread set.
	RulesFor func(name, owner string) bool
	// RulesForGroup, with RulesFor, also selects the policies whose principal is a group it
	// selects by name and owning stack: a plan's access review needs their rules when that
	// group's members change (model.Dependencies.WantsGroupRules). They are read once the
	// groups are listed (groups.go).
	RulesForGroup func(name, owner string) bool
	// RulesForProject, with RulesFor, selects by name and owning stack the projects a plan
	// may delete (model.Dependencies.WantsProjectRules): when it selects one, the rules of
	// every policy are read, so that the plan can name the rules still scoped to it
	// (projects.go).
	RulesForProject func(name, owner string) bool
	// RuleCache, when set, reuses the rules of policies that cannot have changed since they
	// were last read (rulecache.go); nil reads every selected policy's rules.
	RuleCache *RuleCache
	// SessionsFor selects, by lower-case email, the members whose open console sessions are
	// counted (model.User.Sessions; one list each, sessions.go): the ones the manifests lock.
	// nil counts none.
	SessionsFor func(email string) bool
}

// Read fetches the organization: every list with the maximum page size (first page, then the
// rest concurrently), then the rules of the selected policies, concurrently and bounded. It
// makes no per-resource GET.
func (c *Client) Read(ctx context.Context, opts ReadOptions) (*model.Org, error) {
	snap, err := c.fetch(ctx, opts)
	if err != nil {
		return nil, err
	}
	return snap.toModel(c.OrganizationID, opts), nil
}

// snapshot is the raw SDK view of the organization, before conversion.
type snapshot struct {
	apps     []*iam.Application
	groups   []*iam.Group
	policies []*iam.Policy
	keys     []*iam.APIKey
	users    []*iam.User
	sshKeys  []*iam.SSHKey
	// unread holds the kinds the credentials may not read, with why (liveKind.unreadable).
	unread   map[model.Kind]string
	projects []*account.Project
	rules    map[string][]*iam.Rule // by policy ID
	settings *iam.OrganizationSecuritySettings
	// sessions counts the open console sessions of the members ReadOptions.SessionsFor selects.
	sessions sessionCounts
	fed      federation // federation.go
	quota    []*iam.Quotum
	// quotaUnread says why the quotas could not be read.
	quotaUnread string
	self        string // the client's access key
	cache       *ruleRead
}

func (c *Client) fetch(ctx context.Context, opts ReadOptions) (*snapshot, error) {
	s := &snapshot{rules: map[string][]*iam.Rule{}, self: c.AccessKey, cache: newRuleRead(opts.RuleCache, c.apiURL, c.OrganizationID),
		unread: map[model.Kind]string{}}
	sem := make(chan struct{}, c.parallelism)
	g, gctx := errgroup.WithContext(ctx)
	org := c.OrganizationID
	size := uint32(maxPageSize)
	var mu sync.Mutex // guards s.unread
	for _, k := range model.Kinds {
		lk := liveKinds[k]
		g.Go(func() error {
			err := lk.read(c, gctx, g, sem, s, opts)
			if err != nil && lk.unreadable != "" && IsPermissionDenied(err) {
				// Recorded, never read as "none": a plan that declares the kind is refused,
				// audit says which rules could not run, export what it left out.
				mu.Lock()
				s.unread[k] = lk.unreadable
				mu.Unlock()
				return nil
			}
			return err
		})
	}
	g.Go(func() (err error) {
		s.quota, err = listAll(gctx, sem, c.maxObjects, "quotas", func(page int32) ([]*iam.Quotum, uint32, error) {
			r, err := c.iam.ListQuota(&iam.ListQuotaRequest{OrganizationID: org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Quota, uint32(r.TotalCount), nil
		}, func(q *iam.Quotum) string { return q.Name })
		if IsPermissionDenied(err) {
			// Quotas this key may not read are unknown, and not checked: the API still
			// enforces them. Recorded, so that the plan says so.
			s.quota, s.quotaUnread, err = nil, "the API key may not read them (IAMReadOnly gives that right)", nil
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := c.fetchGroupRules(ctx, s, opts, sem); err != nil {
		return nil, err
	}
	if err := c.fetchProjectRules(ctx, s, opts, sem); err != nil {
		return nil, err
	}
	s.cache.save(s.policies)
	c.seeds.readUnder(s.cache)
	return s, nil
}

func (o ReadOptions) wantsRules(p *iam.Policy) bool {
	if o.RulesFor == nil {
		return true
	}
	owner, _ := model.SplitOwnerTag(p.Tags)
	return o.RulesFor(p.Name, owner)
}
