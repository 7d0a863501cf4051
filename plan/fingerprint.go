package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/iamsync/iamsync/model"
)

// manifestsFingerprint hashes the desired organization as the manifests state it: normalized,
// references not yet resolved (they depend on live), positions and audit silences left out, so
// that moving a declaration within or between files, or silencing an audit finding, does not
// make a saved plan stale: neither changes what the plan does.
func manifestsFingerprint(d *model.Org) (string, error) {
	c, err := cloneOrg(d)
	if err != nil {
		return "", err
	}
	for _, a := range c.Applications {
		a.Pos, a.Ignore = model.Pos{}, nil
	}
	for _, g := range c.Groups {
		g.Pos, g.Ignore = model.Pos{}, nil
	}
	for _, p := range c.Policies {
		p.Pos, p.Ignore = model.Pos{}, nil
		for i := range p.Rules {
			p.Rules[i].Pos = model.Pos{}
		}
	}
	for _, k := range c.APIKeys {
		k.Pos, k.Ignore = model.Pos{}, nil
	}
	c.Normalize()
	return hashJSON(c)
}

// liveFingerprint hashes the live resources the plan depends on: those owned by the stack,
// those sharing a key with a declared resource (or the access key of a key declared by ID),
// the applications and groups the manifests refer to, and the projects and users they name.
// Changes elsewhere in the organization do not make a saved plan stale.
func liveFingerprint(df *differ) (string, error) {
	keys := map[model.Key]bool{}
	ids := map[string]bool{}
	projects := map[string]bool{}
	users := map[string]bool{}
	for _, a := range df.d.Applications {
		keys[a.Key()] = true
	}
	for _, g := range df.d.Groups {
		keys[g.Key()] = true
		for _, a := range g.Members.Applications {
			keys[model.Key{Kind: model.KindApplication, Name: a}] = true
		}
		for _, u := range g.Members.Users {
			users[u] = true
		}
	}
	for _, p := range df.d.Policies {
		keys[p.Key()] = true
		switch p.Principal.Kind {
		case model.PrincipalApplication, model.PrincipalGroup:
			keys[model.Key{Kind: model.Kind(p.Principal.Kind), Name: p.Principal.Name}] = true
		case model.PrincipalUser:
			users[p.Principal.Name] = true
		}
		if p.Principal.ID != "" {
			ids[p.Principal.ID] = true
		}
		for _, r := range p.Rules {
			for _, id := range r.Projects {
				projects[id] = true
			}
		}
	}
	for _, k := range df.d.APIKeys {
		keys[k.Key()] = true
		keys[model.Key{Kind: model.KindApplication, Name: k.Application}] = true
		if k.ID != "" {
			ids[k.ID] = true
		}
		if k.DefaultProject != "" {
			projects[k.DefaultProject] = true
		}
	}
	relevant := func(k model.Key, m *model.Meta) bool {
		return m.Owner == df.stack || keys[k] || ids[m.ID]
	}

	var v struct {
		OrganizationID string               `json:"organization_id"`
		Applications   []*model.Application `json:"applications"`
		Groups         []*model.Group       `json:"groups"`
		Policies       []*model.Policy      `json:"policies"`
		APIKeys        []*model.APIKey      `json:"api_keys"`
		Projects       []*model.Project     `json:"projects"`
		Users          []*model.User        `json:"users"`
	}
	v.OrganizationID = df.l.OrganizationID
	for _, a := range df.l.Applications {
		if relevant(a.Key(), &a.Meta) {
			v.Applications = append(v.Applications, a)
		}
	}
	for _, g := range df.l.Groups {
		if relevant(g.Key(), &g.Meta) {
			v.Groups = append(v.Groups, g)
		}
	}
	for _, p := range df.l.Policies {
		if relevant(p.Key(), &p.Meta) {
			v.Policies = append(v.Policies, p)
		}
	}
	for _, k := range df.l.APIKeys {
		if relevant(k.Key(), &k.Meta) {
			v.APIKeys = append(v.APIKeys, k)
		}
	}
	for _, p := range df.l.Projects {
		if projects[p.ID] {
			v.Projects = append(v.Projects, p)
		}
	}
	for _, u := range df.l.Users {
		if users[u.Email] {
			v.Users = append(v.Users, u)
		}
	}
	return hashJSON(v)
}

func hashJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
