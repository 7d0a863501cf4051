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
	for r := range c.Resources() {
		m := r.Metadata()
		m.Pos, m.Ignore = model.Pos{}, nil
	}
	for _, p := range c.Policies {
		for i := range p.Rules {
			p.Rules[i].Pos = model.Pos{}
		}
	}
	c.Normalize()
	return hashJSON(c)
}

// liveFingerprint hashes the live resources the plan depends on (model.Dependencies): those
// owned by the stack, those sharing a key with a declared resource or one referred to by name,
// those referred to by ID, and the projects and users the manifests name. Changes elsewhere in
// the organization do not make a saved plan stale, and neither do the members the identity
// provider manages (the groups in idp): the plan takes them as they are, and apply never sets
// them.
func liveFingerprint(l *model.Org, deps *model.Dependencies, idp map[string]bool) (string, error) {
	wanted := model.Org{OrganizationID: l.OrganizationID}
	for r := range l.Resources() {
		if !deps.Wants(r) {
			continue
		}
		if u, ok := r.(*model.User); ok {
			// A login, or MFA turned on, changes nothing a plan does: a saved plan naming a
			// user must not go stale each time they sign in.
			// Nor may a session opened or ended (apply lists them again when it revokes).
			c := *u
			c.LastLoginAt, c.MFA, c.Sessions = nil, false, nil
			r = &c
		}
		if g, ok := r.(*model.Group); ok && idp[g.Name] {
			c := *g
			c.Members = model.Members{}
			r = &c
		}
		wanted.Add(r)
	}
	for _, p := range l.Projects {
		if deps.WantsProject(p) && !deps.Wants(p) {
			wanted.Projects = append(wanted.Projects, p)
		}
	}
	return hashJSON(wanted)
}

func hashJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
