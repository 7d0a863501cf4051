package live

import (
	"context"
	"fmt"
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
	// RuleCache, when set, reuses the rules of policies that cannot have changed since they
	// were last read (rulecache.go); nil reads every selected policy's rules.
	RuleCache *RuleCache
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
	// sshKeysUnread: the credentials may not list SSH keys.
	sshKeysUnread bool
	projects      []*account.Project
	rules         map[string][]*iam.Rule // by policy ID
	settings      *iam.OrganizationSecuritySettings
	quota         []*iam.Quotum
	self          string // the client's access key
	cache         *ruleRead
}

func (c *Client) fetch(ctx context.Context, opts ReadOptions) (*snapshot, error) {
	s := &snapshot{rules: map[string][]*iam.Rule{}, self: c.AccessKey, cache: newRuleRead(opts.RuleCache, c.apiURL, c.OrganizationID)}
	sem := make(chan struct{}, c.parallelism)
	g, gctx := errgroup.WithContext(ctx)
	org := c.OrganizationID
	size := uint32(maxPageSize)
	g.Go(func() (err error) {
		s.apps, err = listAll(gctx, sem, c.maxObjects, "applications", func(page int32) ([]*iam.Application, uint32, error) {
			r, err := c.iam.ListApplications(&iam.ListApplicationsRequest{OrganizationID: org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Applications, r.TotalCount, nil
		}, func(a *iam.Application) string { return a.ID })
		return err
	})
	g.Go(func() (err error) {
		s.groups, err = listAll(gctx, sem, c.maxObjects, "groups", func(page int32) ([]*iam.Group, uint32, error) {
			r, err := c.iam.ListGroups(&iam.ListGroupsRequest{OrganizationID: org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Groups, r.TotalCount, nil
		}, func(g *iam.Group) string { return g.ID })
		return err
	})
	g.Go(func() (err error) {
		s.keys, err = listAll(gctx, sem, c.maxObjects, "API keys", func(page int32) ([]*iam.APIKey, uint32, error) {
			r, err := c.iam.ListAPIKeys(&iam.ListAPIKeysRequest{OrganizationID: &org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.APIKeys, r.TotalCount, nil
		}, func(k *iam.APIKey) string { return k.AccessKey })
		return err
	})
	g.Go(func() (err error) {
		s.users, err = listAll(gctx, sem, c.maxObjects, "users", func(page int32) ([]*iam.User, uint32, error) {
			r, err := c.iam.ListUsers(&iam.ListUsersRequest{OrganizationID: &org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Users, r.TotalCount, nil
		}, func(u *iam.User) string { return u.ID })
		return err
	})
	g.Go(func() (err error) {
		s.sshKeys, err = listAll(gctx, sem, c.maxObjects, "SSH keys", func(page int32) ([]*iam.SSHKey, uint32, error) {
			r, err := c.iam.ListSSHKeys(&iam.ListSSHKeysRequest{OrganizationID: &org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.SSHKeys, r.TotalCount, nil
		}, func(k *iam.SSHKey) string { return k.ID })
		// SSH keys are project resources, read with project-level sets (SSHKeysReadOnly),
		// which an IAMReadOnly key lacks: a plan that declares none goes on without them.
		if IsPermissionDenied(err) {
			s.sshKeysUnread, err = true, nil
		}
		return err
	})
	g.Go(func() (err error) {
		sem <- struct{}{}
		defer func() { <-sem }()
		s.settings, err = c.iam.GetOrganizationSecuritySettings(&iam.GetOrganizationSecuritySettingsRequest{OrganizationID: org}, scw.WithContext(gctx))
		switch {
		case IsPermissionDenied(err):
			// Unknown to this key: nothing checks against them, and a plan that declares
			// them says it could not read them.
			s.settings = nil
		case err != nil:
			return fmt.Errorf("read the organization's security settings: %w", err)
		}
		return nil
	})
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
			// enforces them.
			s.quota, err = nil, nil
		}
		return err
	})
	g.Go(func() (err error) {
		s.projects, err = listAll(gctx, sem, c.maxObjects, "projects", func(page int32) ([]*account.Project, uint32, error) {
			r, err := c.projects.ListProjects(&account.ProjectAPIListProjectsRequest{OrganizationID: org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Projects, uint32(r.TotalCount), nil
		}, func(p *account.Project) string { return p.ID })
		if err == nil {
			s.cache.setProjects(s.projects)
		}
		return err
	})
	// Rules are fetched as soon as the policies are known, while the other lists finish.
	var mu sync.Mutex
	g.Go(func() (err error) {
		s.policies, err = listAll(gctx, sem, c.maxObjects, "policies", func(page int32) ([]*iam.Policy, uint32, error) {
			r, err := c.iam.ListPolicies(&iam.ListPoliciesRequest{OrganizationID: org, Page: &page, PageSize: &size}, scw.WithContext(gctx))
			if err != nil {
				return nil, 0, err
			}
			return r.Policies, r.TotalCount, nil
		}, func(p *iam.Policy) string { return p.ID })
		if err != nil {
			return err
		}
		for _, p := range s.policies {
			if !opts.wantsRules(p) {
				continue
			}
			g.Go(func() error { return c.readRules(gctx, sem, p, s, &mu) })
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := c.fetchGroupRules(ctx, s, opts, sem); err != nil {
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
