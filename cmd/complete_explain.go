package cmd

import (
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

// Completion of explain's question words, principals and scopes. It reads the manifests only
// (never the organization: a <Tab> makes no API call), so it offers the principals and
// projects they name.

// explainWords completes explain's positional words: the question, then for principal the
// principals of the manifests in the current directory; manifest paths after that.
func explainWords(env Env, positional []string) completion {
	switch {
	case len(positional) == 0:
		return completion{cands: explainQuestions, directive: "none"}
	case positional[0] == "principal" && len(positional) == 1:
		org := completionManifests(env, nil)
		if org == nil {
			return completion{directive: "none"}
		}
		var cands []candidate
		for _, p := range knownPrincipals(org) {
			cands = append(cands, candidate{value: p})
		}
		return completion{cands: cands, directive: "none"}
	}
	return completion{directive: "files"}
}

// explainPaths are the manifest paths among explain's positional words.
func explainPaths(positional []string) []string {
	switch {
	case len(positional) == 0:
		return nil
	case positional[0] == "principal":
		if len(positional) > 2 {
			return positional[2:]
		}
		return nil
	}
	return positional[1:]
}

// manifestScopes lists --on's values: organization, and project:NAME for every project the
// manifests' rules name.
func manifestScopes(env Env, paths []string) []string {
	out := []string{"organization"}
	org := completionManifests(env, paths)
	if org == nil {
		return out
	}
	var projects []string
	for _, p := range org.Policies {
		for _, r := range p.Rules {
			projects = append(projects, r.Projects...)
		}
	}
	for _, p := range model.SortedSet(projects) {
		out = append(out, "project:"+p)
	}
	return out
}

// completionManifests loads the manifests at paths (default "."), or nil when they do not load.
func completionManifests(env Env, paths []string) *model.Org {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	l := schema.Loader{Dir: env.Dir, Now: time.Now()}
	org, _ := l.Load(paths)
	return org
}
