package live

import (
	"context"
	"errors"
	"fmt"
	"sync"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"golang.org/x/sync/errgroup"

	"github.com/iamsync/iamsync/model"
)

// Projects: Account's, not IAM's (api/account/v3). Every plan reads them, managed or not, to
// resolve the project names the manifests give; a key without ProjectReadOnly fails the read
// (README, "Using it on a real organization"), as it did before projects were a kind.

// projectKind is liveKinds' entry for projects.
var projectKind = liveKind{
	read: func(c *Client, ctx context.Context, _ *errgroup.Group, sem chan struct{}, s *snapshot, _ ReadOptions) (err error) {
		s.projects, err = listAll(ctx, sem, c.maxObjects, "projects", listProjects(c, ctx, listQuery{}), func(p *account.Project) string { return p.ID })
		if err == nil {
			s.cache.setProjects(s.projects)
		}
		return err
	},
	convert: convertProjects,
	count:   func(s *snapshot) int { return len(s.projects) },
	pages: func(c *Client, ctx context.Context, q listQuery) pager {
		return asFound(listProjects(c, ctx, q), func(p *account.Project) model.Found {
			_, owner := model.ParseProjectDescription(p.Description)
			var tags []string
			if owner != "" {
				tags = []string{model.OwnerTag(owner)}
			}
			return model.Found{ID: p.ID, Name: p.Name, Tags: tags, Description: p.Description, CreatedAt: deref(p.CreatedAt)}
		})
	},
}

// convertProjects reads projects: the owner from the description's marker, and the default
// project, whose ID is the organization's (BEHAVIOUR.md §4), as provider-managed: iamsync
// never changes nor deletes it, whatever its description says.
func convertProjects(s *snapshot, o *model.Org, _ *names) {
	for _, p := range s.projects {
		desc, owner := model.ParseProjectDescription(p.Description)
		def := p.ID == o.OrganizationID
		if def {
			desc, owner = p.Description, ""
		}
		o.Projects = append(o.Projects, &model.Project{Meta: model.Meta{ID: p.ID, Owner: owner, Managed: def}, Name: p.Name, Description: desc})
	}
}

// listProjects pages through the organization's projects, 100 a page: Account's default page
// size differs from IAM's (§2, trap 14).
func listProjects(c *Client, ctx context.Context, q listQuery) sdkPages[*account.Project] {
	size := uint32(maxPageSize)
	req := account.ProjectAPIListProjectsRequest{OrganizationID: c.OrganizationID, Name: q.filter, PageSize: &size}
	if q.ordered {
		req.OrderBy = account.ListProjectsRequestOrderByCreatedAtAsc
	}
	return func(page int32) ([]*account.Project, uint32, error) {
		r := req
		r.Page = &page
		out, err := c.projects.ListProjects(&r, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return out.Projects, uint32(out.TotalCount), nil
	}
}

// CreateProject creates a project; description carries the ownership marker already.
func (c *Client) CreateProject(ctx context.Context, name, description string) (string, error) {
	p, err := c.projects.CreateProject(&account.ProjectAPICreateProjectRequest{Name: name, OrganizationID: c.OrganizationID, Description: description}, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

// UpdateProject sets a project's description (the name is its identity: never changed).
func (c *Client) UpdateProject(ctx context.Context, id, description string) error {
	_, err := c.projects.UpdateProject(&account.ProjectAPIUpdateProjectRequest{ProjectID: id, Description: &description}, scw.WithContext(ctx))
	return err
}

// DeleteProject deletes an empty project. The plan refuses to delete one that holds what
// iamsync can see; the API refuses the rest ("The Project needs to be empty", account_sdk.go),
// and its answer is passed on with what to do.
func (c *Client) DeleteProject(ctx context.Context, id string) error {
	err := ignoreNotFound(c.projects.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: id}, scw.WithContext(ctx)))
	var invalid *scw.InvalidArgumentsError
	var precondition *scw.PreconditionFailedError
	if errors.As(err, &invalid) || errors.As(err, &precondition) {
		return fmt.Errorf("%w: the project still holds resources (servers, buckets, secrets... that iamsync does not see); empty it, then apply again", err)
	}
	return err
}

// fetchProjectRules reads the rules of every policy the first pass skipped, when
// opts.RulesForProject selects a project (one the plan may delete): a rule of any policy,
// whoever owns it, scoped to that project keeps it from being deleted, and the plan must name
// it rather than leave the API to refuse. It waits for the projects list; an organization
// whose stacks delete no project pays nothing.
func (c *Client) fetchProjectRules(ctx context.Context, s *snapshot, opts ReadOptions, sem chan struct{}) error {
	if opts.RulesFor == nil || opts.RulesForProject == nil {
		return nil // every policy's rules were read, or no more are wanted
	}
	going := false
	for _, p := range s.projects {
		if _, owner := model.ParseProjectDescription(p.Description); opts.RulesForProject(p.Name, owner) {
			going = true
			break
		}
	}
	if !going {
		return nil
	}
	// Chosen before any is read: the reads write s.rules.
	var todo []*iam.Policy
	for _, p := range s.policies {
		if _, read := s.rules[p.ID]; !read {
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
