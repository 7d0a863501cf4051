package live

import (
	"context"
	"fmt"
	"sync"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"

	"github.com/iamsync/iamsync/model"
)

// liveKind is what live knows of one kind: how to list it whole (Read), convert it to the model
// (toModel), and list it as model.Found (Find, ListAll). It is the one table a new kind is
// added to in this package; the writes stay methods of Client, one per API call, since
// apply.Writer names them. A test holds every model.Kind in it.
type liveKind struct {
	// read lists the whole kind into s. It runs in g beside the other kinds' reads, holding a
	// slot of sem per call; it may start more work in g (policies start their rules' reads).
	read func(c *Client, ctx context.Context, g *errgroup.Group, sem chan struct{}, s *snapshot, opts ReadOptions) error
	// unreadable, when set, is why a read the API refuses (permission denied) leaves the kind
	// unread rather than failing the whole read: the kind then goes into Org.Unread, never
	// read as "none". Kinds without it need the rights every read needs (IAMReadOnly), and a
	// refusal fails the read with the rights to give.
	unreadable string
	// convert adds the kind's values from s to o; ix names the IDs s holds.
	convert func(s *snapshot, o *model.Org, ix *names)
	// count is how many resources of the kind the organization holds (quotas).
	count func(s *snapshot) int
	// pages lists the kind as Found, narrowed by the list's own name filter where it has one
	// (filter nil: no filter) and, for API keys, to one application's (parent); nil for a
	// kind that exists once per organization and is never created (security settings).
	pages func(c *Client, ctx context.Context, q listQuery) pager
	// byParent: Find lists every resource of the parent, whatever its name (API keys: the
	// name is a marker in the description).
	byParent bool
	// foldCase: Find compares names without regard to case (members' emails, §4).
	foldCase bool
}

var liveKinds = map[model.Kind]liveKind{
	model.KindProject: projectKind,
	// The federation kinds (federation.go): SAML, SCIM and login methods exist once and are
	// never found by name (a create that finds one set up takes it).
	model.KindSAML: {read: readSAML, unreadable: federationUnreadable, convert: convertSAML,
		count: func(s *snapshot) int { return boolInt(s.fed.saml != nil) }},
	model.KindSCIM: {read: readSCIM, unreadable: federationUnreadable, convert: convertSCIM,
		count: func(s *snapshot) int { return boolInt(s.fed.scim != nil) }},
	model.KindSCIMToken: {read: readSCIMTokens, unreadable: federationUnreadable, convert: convertSCIMTokens,
		count: func(s *snapshot) int { return len(s.fed.tokens) }, pages: scimTokenPages, byParent: true},
	model.KindLoginMethods: {read: readLoginMethods, unreadable: federationUnreadable, convert: convertLoginMethods,
		count: func(s *snapshot) int { return 1 }},
	model.KindSecuritySettings: {
		read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
			sem <- struct{}{}
			defer func() { <-sem }()
			s.settings, err = c.iam.GetOrganizationSecuritySettings(&iam.GetOrganizationSecuritySettingsRequest{OrganizationID: c.OrganizationID}, scw.WithContext(ctx))
			if err != nil {
				return fmt.Errorf("read the organization's security settings: %w", err)
			}
			return nil
		},
		unreadable: "the API key may not read them (IAMReadOnly gives that right)",
		convert:    convertSecuritySettings,
		count:      func(s *snapshot) int { return 1 },
	},
	model.KindApplication: {
		read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
			s.apps, err = listAll(ctx, sem, c.maxObjects, "applications", listApplications(c, ctx, listQuery{}), func(a *iam.Application) string { return a.ID })
			return err
		},
		convert: convertApplications,
		count:   func(s *snapshot) int { return len(s.apps) },
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listApplications(c, ctx, q), func(a *iam.Application) model.Found {
				return model.Found{ID: a.ID, Name: a.Name, Tags: a.Tags, Description: a.Description, CreatedAt: deref(a.CreatedAt)}
			})
		},
	},
	model.KindUser: {
		// The sessions of the members the manifests lock are counted once the users are known.
		read: func(c *Client, ctx context.Context, g *errgroup.Group, sem chan struct{}, s *snapshot, opts ReadOptions) (err error) {
			s.users, err = listAll(ctx, sem, c.maxObjects, "users", listUsers(c, ctx, listQuery{}), func(u *iam.User) string { return u.ID })
			if err == nil {
				c.readSessions(ctx, g, sem, s, opts)
			}
			return err
		},
		convert: func(s *snapshot, o *model.Org, _ *names) {
			for _, u := range s.users {
				mu := userToModel(u)
				mu.Sessions = s.sessions.get(u.ID)
				o.Users = append(o.Users, mu)
			}
		},
		count: func(s *snapshot) int { return len(s.users) },
		// The users list has no email filter: Find reads every page.
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listUsers(c, ctx, q), func(u *iam.User) model.Found {
				return model.Found{ID: u.ID, Name: u.Email, Tags: u.Tags, CreatedAt: deref(u.CreatedAt)}
			})
		},
		foldCase: true,
	},
	model.KindGroup: {
		read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
			s.groups, err = listAll(ctx, sem, c.maxObjects, "groups", listGroups(c, ctx, listQuery{}), func(g *iam.Group) string { return g.ID })
			return err
		},
		convert: convertGroups,
		count:   func(s *snapshot) int { return len(s.groups) },
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listGroups(c, ctx, q), func(g *iam.Group) model.Found {
				return model.Found{ID: g.ID, Name: g.Name, Tags: g.Tags, Description: g.Description, CreatedAt: deref(g.CreatedAt)}
			})
		},
	},
	model.KindSSHKey: {
		read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
			s.sshKeys, err = listAll(ctx, sem, c.maxObjects, "SSH keys", listSSHKeys(c, ctx, listQuery{}), func(k *iam.SSHKey) string { return k.ID })
			return err
		},
		// SSH keys are project resources, read with project-level sets, which IAM permission
		// sets do not give: an IAMReadOnly key reads everything else.
		unreadable: "the API key lacks SSHKeysReadOnly (to plan) or SSHKeysFullAccess (to apply) on their projects, which IAM permission sets do not give",
		convert:    convertSSHKeys,
		count:      func(s *snapshot) int { return len(s.sshKeys) },
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listSSHKeys(c, ctx, q), func(k *iam.SSHKey) model.Found {
				base, owner := model.ParseSSHKeyName(k.Name)
				var tags []string
				if owner != "" {
					tags = []string{model.OwnerTag(owner)}
				}
				return model.Found{ID: k.ID, Name: base, Tags: tags, Description: k.Name, CreatedAt: deref(k.CreatedAt)}
			})
		},
	},
	model.KindAPIKey: {
		read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
			s.keys, err = listAll(ctx, sem, c.maxObjects, "API keys", listAPIKeys(c, ctx, listQuery{}), func(k *iam.APIKey) string { return k.AccessKey })
			return err
		},
		convert: convertAPIKeys,
		count:   func(s *snapshot) int { return len(s.keys) },
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listAPIKeys(c, ctx, q), func(k *iam.APIKey) model.Found {
				// Users' personal keys come back too (Parent ""), so that a page's length is
				// the API's, which the pagination's bounds rely on (pages.go);
				// applicationKeys drops them.
				f := model.Found{ID: k.AccessKey, Description: k.Description, CreatedAt: deref(k.CreatedAt)}
				if k.ApplicationID != nil {
					f.Parent = *k.ApplicationID
				}
				return f
			})
		},
		byParent: true,
	},
	model.KindPolicy: {
		// Rules are fetched as soon as the policies are known, while the other lists finish.
		read: func(c *Client, ctx context.Context, g *errgroup.Group, sem chan struct{}, s *snapshot, opts ReadOptions) (err error) {
			s.policies, err = listAll(ctx, sem, c.maxObjects, "policies", listPolicies(c, ctx, listQuery{}), func(p *iam.Policy) string { return p.ID })
			if err != nil {
				return err
			}
			var mu sync.Mutex
			for _, p := range s.policies {
				if !opts.wantsRules(p) {
					continue
				}
				g.Go(func() error { return c.readRules(ctx, sem, p, s, &mu) })
			}
			return nil
		},
		convert: convertPolicies,
		count:   func(s *snapshot) int { return len(s.policies) },
		pages: func(c *Client, ctx context.Context, q listQuery) pager {
			return asFound(listPolicies(c, ctx, q), func(p *iam.Policy) model.Found {
				return model.Found{ID: p.ID, Name: p.Name, Tags: p.Tags, Description: p.Description, CreatedAt: deref(p.CreatedAt)}
			})
		},
	},
}

// listQuery narrows a list: Find and ListAll ask for creation order (settle.go says why) and
// Find for the list's own name filter; Read asks for neither.
type listQuery struct {
	filter  *string
	parent  string // API keys: one application's (its ID)
	ordered bool
}

// sdkPages reads page N of a list as the SDK answers it, with the list's total.
type sdkPages[T any] func(page int32) ([]T, uint32, error)

// asFound makes a pager of an SDK list.
func asFound[T any](list sdkPages[T], found func(T) model.Found) pager {
	return func(page int32) ([]model.Found, uint32, error) {
		items, total, err := list(page)
		if err != nil {
			return nil, 0, err
		}
		out := make([]model.Found, 0, len(items))
		for _, it := range items {
			out = append(out, found(it))
		}
		return out, total, nil
	}
}

// The lists, one per kind, with the maximum page size (maxPageSize).

func listApplications(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.Application] {
	size := uint32(maxPageSize)
	req := iam.ListApplicationsRequest{OrganizationID: c.OrganizationID, Name: q.filter, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListApplicationsRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*iam.Application, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListApplications(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.Applications, out.TotalCount, nil
	}
}

func listUsers(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.User] {
	size := uint32(maxPageSize)
	req := iam.ListUsersRequest{OrganizationID: &c.OrganizationID, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListUsersRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*iam.User, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListUsers(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.Users, out.TotalCount, nil
	}
}

func listGroups(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.Group] {
	size := uint32(maxPageSize)
	req := iam.ListGroupsRequest{OrganizationID: c.OrganizationID, Name: q.filter, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListGroupsRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*iam.Group, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListGroups(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.Groups, out.TotalCount, nil
	}
}

func listSSHKeys(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.SSHKey] {
	size := uint32(maxPageSize)
	req := iam.ListSSHKeysRequest{OrganizationID: &c.OrganizationID, Name: q.filter, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListSSHKeysRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*iam.SSHKey, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListSSHKeys(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.SSHKeys, out.TotalCount, nil
	}
}

func listAPIKeys(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.APIKey] {
	size := uint32(maxPageSize)
	req := iam.ListAPIKeysRequest{OrganizationID: &c.OrganizationID, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListAPIKeysRequestOrderByCreatedAtAsc
	}
	if q.parent != "" {
		parent := q.parent
		req.BearerID, req.BearerType = &parent, iam.BearerTypeApplication
	}
	return func(page int32) ([]*iam.APIKey, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListAPIKeys(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.APIKeys, out.TotalCount, nil
	}
}

func listPolicies(c *Client, ctx context.Context, q listQuery) sdkPages[*iam.Policy] {
	size := uint32(maxPageSize)
	req := iam.ListPoliciesRequest{OrganizationID: c.OrganizationID, PolicyName: q.filter, PageSize: &size}
	if q.ordered {
		req.OrderBy = iam.ListPoliciesRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*iam.Policy, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.iam.ListPolicies(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.Policies, out.TotalCount, nil
	}
}
