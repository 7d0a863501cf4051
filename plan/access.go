package plan

import (
	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/model"
)

// The access review. A plan carries who gains and loses which grants when it is applied
// (access.Report), computed from the plan's own actions rather than from the manifests: what
// the plan leaves out (conflicts, the self-protected resources protectSelf keeps, expired
// rules) is left out of the review too, so the review shows what apply will really do. Grants
// are identified by content, not by policy or rule, so a rename or a reordering shows no
// access change. The review is information for reviewers and gates: apply never reads it, and
// the fingerprint does not cover it.

// accessReport diffs the access of the live organization with the one apply leaves.
func (df *differ) accessReport() *access.Report {
	return access.Diff(df.l, df.afterApply(), access.Options{ScopeType: df.opts.ScopeType, Now: df.opts.Now})
}

// afterApply is the organization once the plan's actions have run: each live resource an
// action updates, adopts or replaces gives way to the action's resource, the ones it deletes
// are gone, and the ones it creates are added; projects and users are live's.
func (df *differ) afterApply() *model.Org {
	type liveRef struct {
		kind model.Kind
		id   string
	}
	acting := map[liveRef]*Action{}
	for i := range df.plan.Actions {
		if a := &df.plan.Actions[i]; a.Op != Create {
			acting[liveRef{a.Key.Kind, a.ID}] = a
		}
	}
	// Projects are resources too: the projected organization's are live's, less the ones
	// deleted, plus the ones created.
	out := &model.Org{OrganizationID: df.l.OrganizationID, Stack: df.stack}
	for r := range df.l.Resources() {
		a, ok := acting[liveRef{r.Key().Kind, r.Metadata().ID}]
		switch {
		case !ok:
			out.Add(r)
		case a.Op != Delete:
			out.Add(a.Resource)
		}
	}
	for _, a := range df.plan.Actions {
		if a.Op == Create {
			out.Add(a.Resource)
		}
	}
	return out
}

// reviewsAccess reports whether the renderers show p's access review: a plan that acts has
// one, even when nobody's access changes (which a reviewer wants to read too); a plan with
// nothing to do has nothing to review.
func (p *Plan) reviewsAccess() bool { return p.Access != nil && len(p.Actions) > 0 }
