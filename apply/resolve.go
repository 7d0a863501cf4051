package apply

import (
	"fmt"
	"strings"
	"sync"

	"github.com/iamsync/iamsync/model"
)

// resolver turns the names a plan speaks in into the IDs the API wants: live IDs from the
// snapshot the plan was made from, plus the IDs of what this run created.
type resolver struct {
	mu    sync.Mutex
	byKey map[model.Key]string
	users map[string]string // lower-case email → ID
	// projects resolves the project labels the plan carries (model.ProjectLabels).
	projects *model.ProjectIDs
}

func newResolver(live *model.Org, stack string) *resolver {
	r := &resolver{byKey: map[model.Key]string{}, users: map[string]string{}, projects: model.NewProjectIDs(nil)}
	if live == nil {
		return r
	}
	r.projects = model.NewProjectIDs(live.Projects)
	add := func(k model.Key, m model.Meta) {
		// Where several live resources share a name, the one this stack owns wins; otherwise
		// the first seen (the plan has already refused ambiguous references).
		if _, ok := r.byKey[k]; !ok || m.Owner == stack {
			r.byKey[k] = m.ID
		}
	}
	for _, a := range live.Applications {
		add(a.Key(), a.Meta)
	}
	for _, g := range live.Groups {
		add(g.Key(), g.Meta)
	}
	for _, u := range live.Users {
		r.users[strings.ToLower(u.Email)] = u.ID
	}
	if live.SCIM != nil {
		add(live.SCIM.Key(), live.SCIM.Meta) // the tokens' parent
	}
	return r
}

func (r *resolver) set(k model.Key, id string) {
	r.mu.Lock()
	r.byKey[k] = id
	switch k.Kind {
	case model.KindUser:
		// A member this run created, for the groups and policies that name them.
		r.users[strings.ToLower(k.Name)] = id
	case model.KindProject:
		// A project this run created, for the rules, keys and SSH keys of the later phases
		// that name it (the plan names it by its name: no other project had it).
		r.projects.Add(id, k.Name)
	}
	r.mu.Unlock()
}

func (r *resolver) id(k model.Key) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byKey[k]; ok && id != "" {
		return id, nil
	}
	return "", fmt.Errorf("%s does not exist: it is neither in the organization nor created by this run", k)
}

func (r *resolver) user(email string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.users[strings.ToLower(email)]; ok {
		return id, nil
	}
	return "", fmt.Errorf("user %s is not a member of the organization: declare them under users:, or invite them first", email)
}

func (r *resolver) members(m model.Members) (userIDs, appIDs []string, err error) {
	for _, e := range m.Users {
		id, err := r.user(e)
		if err != nil {
			return nil, nil, err
		}
		userIDs = append(userIDs, id)
	}
	for _, n := range m.Applications {
		id, err := r.id(model.Key{Kind: model.KindApplication, Name: n})
		if err != nil {
			return nil, nil, err
		}
		appIDs = append(appIDs, id)
	}
	return userIDs, appIDs, nil
}

// principal fills p.ID from its name unless the manifest gave the ID itself.
func (r *resolver) principal(p model.Principal) (model.Principal, error) {
	if p.ID != "" || p.Kind == model.PrincipalNone {
		return p, nil
	}
	var err error
	switch p.Kind {
	case model.PrincipalApplication:
		p.ID, err = r.id(model.Key{Kind: model.KindApplication, Name: p.Name})
	case model.PrincipalGroup:
		p.ID, err = r.id(model.Key{Kind: model.KindGroup, Name: p.Name})
	case model.PrincipalUser:
		p.ID, err = r.user(p.Name)
	}
	return p, err
}

// project returns the ID of a project label ("" stays "": the API's default). The plan was
// made from the same projects, so a failure here means they changed since.
func (r *resolver) project(label string) (string, error) {
	if label == "" {
		return "", nil
	}
	id, err := r.projects.ID(label)
	if err != nil {
		return "", fmt.Errorf("project %s: %w", label, err)
	}
	return id, nil
}

// rules returns rules with their project labels resolved to IDs (a copy: the plan's values
// stay as they are).
func (r *resolver) rules(rules []model.Rule) ([]model.Rule, error) {
	out := make([]model.Rule, len(rules))
	for i, rule := range rules {
		out[i] = rule
		if len(rule.Projects) == 0 {
			continue
		}
		out[i].Projects = make([]string, len(rule.Projects))
		for j, label := range rule.Projects {
			id, err := r.project(label)
			if err != nil {
				return nil, err
			}
			out[i].Projects[j] = id
		}
	}
	return out, nil
}
