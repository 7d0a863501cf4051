package cmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// rotateTokenPrefix marks a --rotate value that names a SCIM token (as the plan shows its key).
const rotateTokenPrefix = "scim_token/"

// parseKeyRefs reads --rotate values: APP/KEY for an API key, scim_token/NAME for a SCIM token.
func parseKeyRefs(refs []string) ([]model.Key, error) {
	var out []model.Key
	for _, r := range refs {
		if name, ok := strings.CutPrefix(r, rotateTokenPrefix); ok && name != "" && !strings.Contains(name, "/") {
			out = append(out, model.Key{Kind: model.KindSCIMToken, Name: name})
			continue
		}
		app, name, ok := cutLast(r, '/')
		if !ok || app == "" || name == "" {
			return nil, fmt.Errorf("--rotate %q: expected APPLICATION/KEY or scim_token/NAME, e.g. --rotate ci-deployer/github-actions", r)
		}
		out = append(out, model.Key{Kind: model.KindAPIKey, Parent: app, Name: name})
	}
	return out, nil
}

// resolveRotate reads --rotate values against the manifests: each must name a declared API key
// or SCIM token (a typo would otherwise rotate nothing and say "No changes"). scim_token/NAME is
// the token, unless only an application named scim_token has a key NAME.
func resolveRotate(d *model.Org, refs []string) ([]model.Key, error) {
	keys, err := parseKeyRefs(refs)
	if err != nil {
		return nil, err
	}
	declared := map[model.Key]bool{}
	var names []string
	for _, k := range d.APIKeys {
		declared[k.Key()] = true
		names = append(names, k.Application+"/"+k.Name)
	}
	for _, t := range d.SCIMTokens {
		declared[t.Key()] = true
		names = append(names, rotateTokenPrefix+t.Name)
	}
	for i, k := range keys {
		if asKey := (model.Key{Kind: model.KindAPIKey, Parent: strings.TrimSuffix(rotateTokenPrefix, "/"), Name: k.Name}); k.Kind == model.KindSCIMToken && !declared[k] && declared[asKey] {
			keys[i], k = asKey, asKey
		}
		if declared[k] {
			continue
		}
		what := "API key"
		if k.Kind == model.KindSCIMToken {
			what = "SCIM token"
		}
		hint := "the manifests declare no API key or SCIM token to rotate"
		if len(names) > 0 {
			slices.Sort(names)
			if len(names) > 10 {
				names = append(names[:10], "…")
			}
			hint = "the manifests declare " + strings.Join(names, ", ")
		}
		return nil, withHint(fmt.Errorf("--rotate %s: the manifests declare no such %s", escape.Quote(refs[i]), what), hint)
	}
	return keys, nil
}

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
