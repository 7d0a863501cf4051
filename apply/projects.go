package apply

import (
	"context"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// Projects: the ownership marker ends the description (model.ProjectDescription), and a
// project is created in the phase before every kind that may name it, whose actions then
// resolve its name through the resolver (resolve.go, set). Deleting one runs last; the plan
// has refused to delete a project that holds what iamsync sees, and the API refuses the rest.

func createProject(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	p := a.Resource.(*model.Project)
	id, err := r.create(ctx, a.Key, "", func() (string, error) {
		return r.w.CreateProject(ctx, p.Name, model.ProjectDescription(p.Description, r.opts.Stack))
	})
	return id, "", err
}

func updateProject(r *runner, ctx context.Context, a plan.Action) error {
	p := a.Resource.(*model.Project)
	return r.w.UpdateProject(ctx, a.ID, model.ProjectDescription(p.Description, r.opts.Stack))
}
