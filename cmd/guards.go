package cmd

import (
	"fmt"

	"github.com/iamsync/iamsync/model"
)

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
