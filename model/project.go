package model

import (
	"fmt"
	"slices"
	"strings"
)

// Project references.
//
// Manifests name a project by name or by ID; live values hold IDs. Both travel through the
// plan as one label, the way every other reference travels by name: a project is named by its
// name when no other project has that name (Account allows duplicates, BEHAVIOUR.md §5.6),
// else by its ID. Apply turns labels into IDs (ProjectIDs) with the live projects it reads,
// so that a reference need not exist as an ID when the plan is made.

// ProjectLabels returns the label of a project reference among projects: the unique name of
// the project the reference is the ID or the unique name of, else the ID. A reference to no
// known project, and a name several projects share, are kept as written.
func ProjectLabels(projects []*Project) func(ref string) string {
	count := map[string]int{}
	seen := map[string]bool{}
	var uniq []*Project
	for _, p := range projects {
		if p == nil || p.ID == "" || seen[p.ID] {
			// No ID: a declared project not created yet, which no reference can name by ID.
			continue
		}
		seen[p.ID] = true
		uniq = append(uniq, p)
		count[p.Name]++
	}
	byID := map[string]string{}
	for _, p := range uniq {
		if count[p.Name] == 1 && p.Name != "" {
			byID[p.ID] = p.Name
		} else {
			byID[p.ID] = p.ID
		}
	}
	return func(ref string) string {
		if l, ok := byID[ref]; ok {
			return l
		}
		return ref
	}
}

// ProjectIDs resolves project references (IDs or unique names) among projects.
type ProjectIDs struct {
	ids    map[string]bool
	byName map[string][]string // name → IDs
}

// NewProjectIDs indexes projects.
func NewProjectIDs(projects []*Project) *ProjectIDs {
	r := &ProjectIDs{ids: map[string]bool{}, byName: map[string][]string{}}
	for _, p := range projects {
		if p != nil && p.ID != "" {
			r.Add(p.ID, p.Name)
		}
	}
	return r
}

// Add indexes one more project: apply's resolver learns the projects its run creates, so that
// the later phases' references to them resolve.
func (r *ProjectIDs) Add(id, name string) {
	if r.ids[id] {
		return
	}
	r.ids[id] = true
	r.byName[name] = append(r.byName[name], id)
}

// ID returns the ID ref names: ref itself when it is a project's ID, else the ID of the one
// project named ref. It fails when no project has that name or ID, or several that name.
func (r *ProjectIDs) ID(ref string) (string, error) {
	if r.ids[ref] {
		return ref, nil
	}
	switch ids := r.byName[ref]; len(ids) {
	case 0:
		return "", fmt.Errorf("no project named or with ID %q in the organization: create the project first, or give the ID of an existing one", ref)
	case 1:
		return ids[0], nil
	default:
		sorted := slices.Sorted(slices.Values(ids))
		return "", fmt.Errorf("%d projects are named %q (%s): give the ID of the one you mean", len(ids), ref, strings.Join(sorted, ", "))
	}
}

// LabelProjects rewrites o's project references (rule projects, API keys' default project, SSH
// keys' project) to their labels (ProjectLabels); label("") must be "".
func (o *Org) LabelProjects(label func(ref string) string) {
	for _, p := range o.Policies {
		for i := range p.Rules {
			r := &p.Rules[i]
			if len(r.Projects) == 0 {
				continue
			}
			ps := make([]string, len(r.Projects))
			for j, ref := range r.Projects {
				ps[j] = label(ref)
			}
			r.Projects = ps
		}
	}
	for _, k := range o.APIKeys {
		k.DefaultProject = label(k.DefaultProject)
	}
	for _, k := range o.SSHKeys {
		k.Project = label(k.Project)
	}
}
