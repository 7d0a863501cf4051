package cmd

import (
	"fmt"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// massDelete says why p deletes too much at once, or "" when it does not: more than max
// resources, or more than a third of what the stack manages. One bad merge (a manifest file
// deleted, a directory renamed) must not empty an organization.
func massDelete(p *plan.Plan, live *model.Org, max int) string {
	// A replacement (a key's rotation) leaves a resource in place of the one it deletes: only
	// outright deletions count.
	deletes := 0
	for _, a := range p.Actions {
		if a.Op == plan.Delete {
			deletes++
		}
	}
	if deletes == 0 {
		return ""
	}
	managed := 0
	count := func(m model.Meta) {
		if m.Owner == p.Stack && !m.Managed {
			managed++
		}
	}
	for _, a := range live.Applications {
		count(a.Meta)
	}
	for _, g := range live.Groups {
		count(g.Meta)
	}
	for _, x := range live.Policies {
		count(x.Meta)
	}
	for _, k := range live.APIKeys {
		count(k.Meta)
	}
	switch {
	case deletes > max:
		return fmt.Sprintf("the plan deletes %d resources, more than --max-deletes (%d)", deletes, max)
	case managed >= 3 && deletes*3 > managed:
		return fmt.Sprintf("the plan deletes %d of the %d resources stack %q manages, more than a third", deletes, managed, p.Stack)
	}
	return ""
}

// parseKeyRefs reads --rotate values, APP/KEY.
func parseKeyRefs(refs []string) ([]model.Key, error) {
	var out []model.Key
	for _, r := range refs {
		app, name, ok := cutLast(r, '/')
		if !ok || app == "" || name == "" {
			return nil, fmt.Errorf("--rotate %q: expected APPLICATION/KEY, e.g. --rotate ci-deployer/github-actions", r)
		}
		out = append(out, model.Key{Kind: model.KindAPIKey, Parent: app, Name: name})
	}
	return out, nil
}

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
