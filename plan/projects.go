package plan

// Projects as a managed kind.
//
//   - A project is matched by name, like every kind; it carries no tags, so its owner is the
//     marker "[iamsync:STACK]" ending its description (model.ProjectDescription). Only the
//     description changes in place; the name is the project's identity.
//   - The organization's default project is provider-managed (live reads it so): declaring it
//     is a conflict, and it is never deleted.
//   - Rules, API keys and SSH keys may name a project the manifests declare and that does not
//     exist yet: its label is its name (desiredProjectLabel), and apply learns its ID when it
//     creates it, in the project phase before theirs.
//   - A project is never deleted while it holds what iamsync can see: a rule scoped to it, an
//     API key defaulting to it, an SSH key in it, which the plan keeps. A manifest reference
//     to it is an error (checkReferences); anything else is a conflict naming what it holds
//     (holdProjects), and the deletion leaves the plan. What iamsync cannot see (servers,
//     buckets, secrets) the API refuses at apply, with its own message.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// projectFields compares projects: only the description, which holds the ownership marker
// beside the user's text (apply writes both).
func projectFields(_ *differ, d, l model.Resource) []Change {
	p := d.(*model.Project)
	if l == nil {
		return textChange(nil, FieldDescription, nil, p.Description)
	}
	lp := l.(*model.Project)
	return textChange(nil, FieldDescription, &lp.Description, p.Description)
}

// desiredProjectLabel is the label of a reference to a project the manifests declare by that
// name: the name itself, unless several live projects share it, in which case the one this
// stack owns is named by its ID (as model.ProjectLabels names it); several and none ours is
// ambiguous, and decide reports the declaration as a conflict too.
func (l *lookups) desiredProjectLabel(name string) (string, error) {
	var same []*model.Project
	for _, p := range l.liveProjects {
		if p.Name == name {
			same = append(same, p)
		}
	}
	if len(same) <= 1 {
		return name, nil
	}
	var ours []string
	for _, p := range same {
		if p.Owner != "" && p.Owner == l.stack {
			ours = append(ours, p.ID)
		}
	}
	if len(ours) == 1 {
		return l.label(ours[0]), nil
	}
	_, err := l.projects.ID(name)
	return "", err
}

// holdProjects takes out of the plan the deletion of every project that would still hold,
// once the plan is applied, a policy's rule, an API key's default or an SSH key, and reports
// it as a conflict naming them. Resources the plan deletes or replaces are gone by then;
// declared ones are checked against the manifests instead (checkReferences), except a
// declared API key without default_project, which keeps the live one.
func (df *differ) holdProjects() {
	type liveRef struct {
		kind model.Kind
		id   string
	}
	gone := map[liveRef]bool{}
	deleting := map[string]bool{} // label of each project the plan deletes
	for _, a := range df.plan.Actions {
		if a.Op == Delete || a.Op == Replace {
			gone[liveRef{a.Key.Kind, a.ID}] = true
		}
		if a.Op == Delete && a.Key.Kind == model.KindProject {
			deleting[df.projectLabel(a.ID)] = true
		}
	}
	if len(deleting) == 0 {
		return
	}
	stays := func(r model.Resource) bool {
		m := r.Metadata()
		return !gone[liveRef{r.Key().Kind, m.ID}] && !df.claimed[m]
	}
	holds := map[string][]string{} // project label → what it holds
	hold := func(label, what string) {
		if deleting[label] {
			holds[label] = append(holds[label], what)
		}
	}
	var unread []string
	for _, p := range df.l.Policies {
		if !stays(p) {
			continue
		}
		if p.RulesUnread {
			unread = append(unread, escape.Quote(p.Name))
			continue
		}
		for _, r := range p.Rules {
			for _, label := range r.Projects {
				hold(label, fmt.Sprintf("a rule of policy %s (%s)", escape.Quote(p.Name), ownerOf(&p.Meta)))
			}
		}
	}
	keepsDefault := map[string]bool{} // access keys of declared keys that keep their live default
	for _, k := range df.d.APIKeys {
		if k.DefaultProject != "" {
			continue
		}
		if k.ID != "" {
			keepsDefault[k.ID] = true // adopted by access key
		}
		keepsDefault[k.Key().String()] = true
	}
	for _, k := range df.l.APIKeys {
		appGone := df.deleted[model.Key{Kind: model.KindApplication, Name: k.Application}]
		if gone[liveRef{model.KindAPIKey, k.ID}] || appGone || k.DefaultProject == "" {
			continue
		}
		if !df.claimed[&k.Meta] || keepsDefault[k.ID] || keepsDefault[k.Key().String()] {
			hold(k.DefaultProject, fmt.Sprintf("API key %s as its default project (%s)", escape.Quote(k.ID), ownerOf(&k.Meta)))
		}
	}
	for _, k := range df.l.SSHKeys {
		if stays(k) {
			hold(k.Project, fmt.Sprintf("SSH key %s (%s)", escape.Quote(k.Name), ownerOf(&k.Meta)))
		}
	}
	if len(unread) > 0 {
		slices.Sort(unread)
		df.warn(model.Key{Kind: model.KindProject}, model.Pos{}, "the rules of %d policies were not read (%s): if one is scoped to a project this plan deletes, the API refuses the deletion", len(unread), strings.Join(unread, ", "))
	}
	if len(holds) == 0 {
		return
	}
	kept := df.plan.Actions[:0]
	for _, a := range df.plan.Actions {
		what, held := holds[df.projectLabel(a.ID)]
		if a.Op != Delete || a.Key.Kind != model.KindProject || !held {
			kept = append(kept, a)
			continue
		}
		slices.Sort(what)
		df.conflict(a.Key, model.Pos{}, a.ID,
			fmt.Sprintf("owned by this stack and no longer in the manifests, but it still holds %s: iamsync never deletes a project that holds resources", joinAnd(what)),
			"remove or move what it holds first (or keep the project in the manifests); the next plan deletes it once it is empty")
	}
	df.plan.Actions = kept
}

// ownerOf says who owns a live resource, for messages.
func ownerOf(m *model.Meta) string {
	switch {
	case m.Managed:
		return "managed by Scaleway"
	case m.Owner != "":
		return "owned by stack " + escape.Quote(m.Owner)
	}
	return "owned by no stack"
}
