package schema

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamsync/iamsync/model"
)

// checker runs the checks JSON Schema cannot express: uniqueness across files, references,
// the permission-set catalog and scope rules, and API key expiry and routing.
type checker struct {
	org  *model.Org
	srcs *sources
	now  time.Time
	// incomplete is set when a file of the set could not be parsed: what it declares is unknown,
	// so a reference that does not resolve may be no mistake at all and is not reported.
	incomplete bool
	ds         []Diagnostic
	// apps and groupsByName are the set's applications and groups by name, gathered by
	// their kinds' checks for the kinds that refer to them.
	apps         map[string]*model.Application
	groupsByName map[string]*model.Group
	online       *setUses // LoadOnline: every permission set named, where
}

func (c *checker) add(s src, sub, code string, key model.Key, msg, hint string) {
	if c.incomplete && (code == "E401" || code == "E402") {
		return
	}
	c.ds = append(c.ds, Diagnostic{Pos: s.pos(sub), Path: s.path(sub), Key: key, Code: code, Severity: SeverityError, Msg: msg, Hint: hint})
}

// warn records a problem that does not stop the set from loading.
func (c *checker) warn(s src, sub, code string, key model.Key, msg, hint string) {
	c.ds = append(c.ds, Diagnostic{Pos: s.pos(sub), Path: s.path(sub), Key: key, Code: code, Severity: SeverityWarning, Msg: msg, Hint: hint})
}

func (c *checker) run() {
	// Kind by kind in dependency order: a kind's checks may use what an earlier kind's
	// gathered (c.apps, c.groups).
	for _, k := range model.Kinds {
		schemaKinds[k].check(c)
	}
	c.reviews()
}

// groups: names are unique, and the applications a group lists are declared.
func (c *checker) groups() {
	c.groupsByName = c.uniqueGroups()
	c.reservedGroupNames()
	for _, g := range c.org.Groups {
		s := c.srcs.groups[g]
		// Walk the YAML list rather than g.Members, which skipped items of the wrong type: the
		// index must be the one in the file.
		for i, n := range items(s.f.at(s.ptr + "/members/applications").val) {
			a := str(n)
			sub := fmt.Sprintf("/members/applications/%d", i)
			if _, ok := c.apps[a]; !ok && a != "" && !s.bad(sub) {
				c.add(s, sub, "E401", g.Key(), fmt.Sprintf("group %s lists application %q, which the set does not declare", g.Name, a), c.refHint(a, c.apps, c.groupsByName, "application"))
			}
		}
	}
}

// policies: names are unique, and each policy's principal and rules are checked.
func (c *checker) policies() {
	c.uniquePolicies()
	for _, p := range c.org.Policies {
		c.policy(p, c.apps, c.groupsByName)
	}
}

func (c *checker) uniqueApps() map[string]*model.Application {
	seen := map[string]*model.Application{}
	for _, a := range c.org.Applications {
		if a.Name == "" {
			continue
		}
		if first, ok := seen[a.Name]; ok {
			c.add(c.srcs.apps[a], "/name", "E302", a.Key(), fmt.Sprintf("application %q is already declared at %s", a.Name, first.Pos),
				"names are unique per kind across all files of the set: rename or remove one")
			continue
		}
		seen[a.Name] = a
	}
	return seen
}

func (c *checker) uniqueGroups() map[string]*model.Group {
	seen := map[string]*model.Group{}
	for _, g := range c.org.Groups {
		if g.Name == "" {
			continue
		}
		if first, ok := seen[g.Name]; ok {
			c.add(c.srcs.groups[g], "/name", "E302", g.Key(), fmt.Sprintf("group %q is already declared at %s", g.Name, first.Pos),
				"names are unique per kind across all files of the set: rename or remove one")
			continue
		}
		seen[g.Name] = g
	}
	return seen
}

func (c *checker) uniquePolicies() {
	seen := map[string]*model.Policy{}
	for _, p := range c.org.Policies {
		if p.Name == "" {
			continue
		}
		if first, ok := seen[p.Name]; ok {
			c.add(c.srcs.policies[p], "/name", "E302", p.Key(), fmt.Sprintf("policy %q is already declared at %s", p.Name, first.Pos),
				"names are unique per kind across all files of the set: rename or remove one")
			continue
		}
		seen[p.Name] = p
	}
}

// refHint suggests a fix for a reference to a missing name: a close spelling, or the same name
// declared as the other kind.
func (c *checker) refHint(name string, apps map[string]*model.Application, groups map[string]*model.Group, kind string) string {
	var names []string
	switch kind {
	case "application":
		if _, ok := groups[name]; ok {
			return fmt.Sprintf("%q is a group; a group cannot be a member of a group or be given as an application", name)
		}
		for n := range apps {
			names = append(names, n)
		}
	case "group":
		if _, ok := apps[name]; ok {
			return fmt.Sprintf("%q is an application: write principal: {application: %s}", name, name)
		}
		for n := range groups {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if h := didYouMean(name, names); h != "" {
		return h
	}
	return fmt.Sprintf("declare the %s in the set, or refer to one it does not manage explicitly ({external_%s: NAME} or {%s_id: UUID})", kind, kind, kind)
}

func (c *checker) policy(p *model.Policy, apps map[string]*model.Application, groups map[string]*model.Group) {
	s := c.srcs.policies[p]
	switch pr := p.Principal; {
	case pr.ID != "", pr.External:
	case pr.Kind == model.PrincipalApplication:
		if _, ok := apps[pr.Name]; !ok && !s.bad("/principal") {
			c.add(s, "/principal/application", "E401", p.Key(), fmt.Sprintf("policy %s names application %q, which the set does not declare", p.Name, pr.Name), c.refHint(pr.Name, apps, groups, "application"))
		}
	case pr.Kind == model.PrincipalGroup:
		if _, ok := groups[pr.Name]; !ok && !pr.ManagedGroupRef() && !s.bad("/principal") {
			c.add(s, "/principal/group", "E402", p.Key(), fmt.Sprintf("policy %s names group %q, which the set does not declare", p.Name, pr.Name), c.refHint(pr.Name, apps, groups, "group"))
		}
	}
	seen := map[string]model.Rule{}
	for i, r := range p.Rules {
		sub := fmt.Sprintf("/rules/%d", i)
		if s.badWithin(sub) {
			continue
		}
		var orgSets, projSets []string
		c.online.record(s, sub, p.Key(), r.PermissionSets)
		for _, name := range r.PermissionSets {
			if ps, ok := LookupPermissionSet(name); ok {
				if ps.ScopeType == ScopeOrganization {
					orgSets = append(orgSets, name)
				} else {
					projSets = append(projSets, name)
				}
			}
		}
		// BEHAVIOUR.md §5.3: sets of both scope types in one rule are refused (400), and an
		// organization-level set has no meaning on a project.
		switch {
		case len(orgSets) > 0 && len(projSets) > 0:
			c.add(s, sub+"/permission_sets", "E503", p.Key(),
				fmt.Sprintf("rule mixes organization-level permission sets (%s) with project-level ones (%s)", strings.Join(orgSets, ", "), strings.Join(projSets, ", ")),
				"split it into two rules: the organization-level sets with organization: true, the others with their projects")
		case len(orgSets) > 0 && len(r.Projects) > 0:
			c.add(s, sub+"/projects", "E502", p.Key(),
				fmt.Sprintf("%s %s organization-level and cannot be scoped to projects", strings.Join(orgSets, ", "), plural(len(orgSets), "is", "are")),
				"replace projects with organization: true")
		}
		c.lintCondition(s, sub+"/condition", p.Key(), r.PermissionSets)
		if r.ExpiresAt != nil && !r.ExpiresAt.After(c.now) {
			// Not an error: the rule expiring is the point of expires_at, and the next apply
			// removes it. It is dead text in the manifests all the same.
			c.warn(s, sub+"/expires_at", "E508", p.Key(), fmt.Sprintf("this rule expired on %s: Scaleway no longer honours it, and the next apply removes it", r.ExpiresAt.Format(time.RFC3339)),
				"delete the rule from the manifests, or set a later expires_at to extend the grant")
		}
		canon := r.Canonical()
		if first, ok := seen[canon]; ok {
			c.add(s, sub, "E506", p.Key(), fmt.Sprintf("this rule repeats the rule at line %d of policy %s", first.Pos.Line, p.Name), "remove one of the two")
		} else {
			seen[canon] = r
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (c *checker) keys(apps map[string]*model.Application) {
	type id struct{ app, name string }
	seen := map[id]*model.APIKey{}
	secrets := map[string]*model.APIKey{}
	access := map[string]*model.APIKey{}
	appNames := make([]string, 0, len(apps))
	for n := range apps {
		appNames = append(appNames, n)
	}
	slices.Sort(appNames)
	for _, k := range c.org.APIKeys {
		s := c.srcs.keys[k]
		if !c.srcs.nestedKey[k] && k.Application != "" && !s.bad("/application") {
			if _, ok := apps[k.Application]; !ok {
				hint := didYouMean(k.Application, appNames)
				if hint == "" {
					hint = "declare the application in the set (keys belong to an application the set manages or adopts)"
				}
				c.add(s, "/application", "E401", k.Key(), fmt.Sprintf("API key %s belongs to application %q, which the set does not declare", k.Name, k.Application), hint)
			}
		}
		if k.Name != "" && k.Application != "" {
			i := id{k.Application, k.Name}
			if first, ok := seen[i]; ok {
				c.add(s, "/name", "E302", k.Key(), fmt.Sprintf("application %s already has an API key named %q (at %s)", k.Application, k.Name, first.Pos),
					"key names are unique within their application: rename one")
			} else {
				seen[i] = k
			}
		}
		if k.Secret != "" {
			if first, ok := secrets[k.Secret]; ok {
				c.add(s, "/secret", "E303", k.Key(), fmt.Sprintf("secret %s already receives the credentials of API key %s/%s (at %s)", k.Secret, first.Application, first.Name, first.Pos),
					"give each key its own secret name, or one key would overwrite the other's credentials")
			} else {
				secrets[k.Secret] = k
			}
		}
		if k.ID != "" {
			if first, ok := access[k.ID]; ok {
				c.add(s, "/access_key", "E302", k.Key(), fmt.Sprintf("access key %s is already adopted by API key %s/%s (at %s)", k.ID, first.Application, first.Name, first.Pos),
					"a live key can be adopted once: remove one of the two")
			} else {
				access[k.ID] = k
			}
		}
		c.expiry(k, s)
		if stack := c.org.Stack; stack != "" && k.Name != "" && k.Description != "" && !s.bad("/description") {
			// Budget for the longest description iamsync writes: the marker, plus the
			// retired-until stamp a rotated key carries during its grace period.
			n := utf8.RuneCountInString(model.KeyDescription(k.Description, stack, k.Name)) + len(retiredStamp)
			if n > maxDescription {
				room := maxDescription - (n - utf8.RuneCountInString(k.Description))
				c.add(s, "/description", "E604", k.Key(),
					fmt.Sprintf("description is too long: with iamsync's marker [iamsync:%s/%s] and the retired-until time a rotated key carries, it would have %d characters, more than Scaleway's %d", stack, k.Name, n, maxDescription),
					fmt.Sprintf("shorten it to at most %d characters", max(room, 0)))
			}
		}
	}
}

// maxDescription is Scaleway's limit on descriptions (BEHAVIOUR.md §5.6).
const maxDescription = 200

// retiredStamp is the longest addition to a key's marker: a key replaced by a rotation keeps
// its credentials for a grace period, marked "retired-until=<RFC 3339 UTC time>".
const retiredStamp = " retired-until=2006-01-02T15:04:05Z"

func (c *checker) expiry(k *model.APIKey, s src) {
	in := c.srcs.keyExpiry[k]
	if in != "" && in != "never" && !s.bad("/expires_in") {
		d, err := ParseDuration(in)
		switch {
		case err != nil:
			c.add(s, "/expires_in", "E602", k.Key(), err.Error(), "use a duration like 90d, 2w or 12h")
		case d <= 0:
			c.add(s, "/expires_in", "E602", k.Key(), "expires_in must be longer than zero", "use a duration like 90d, or never")
		}
	}
	if k.ExpiresAt != nil && k.ExpiresAt.Before(c.now) && !s.bad("/expires_at") {
		c.add(s, "/expires_at", "E601", k.Key(), fmt.Sprintf("expires_at %s is in the past", k.ExpiresAt.Format(time.RFC3339)),
			"set a future time, or use expires_in (such as 90d) so the key gets a fresh lifetime when it is created")
	}
	rb := c.srcs.keyRotate[k]
	if rb == "" || s.bad("/rotate_before") {
		return
	}
	d, err := ParseDuration(rb)
	switch {
	case err != nil:
		c.add(s, "/rotate_before", "E602", k.Key(), err.Error(), "use a duration like 14d")
	case d <= 0:
		c.add(s, "/rotate_before", "E602", k.Key(), "rotate_before must be longer than zero", "use a duration like 14d, or remove it")
	case in == "" || in == "never":
		c.add(s, "/rotate_before", "E603", k.Key(), "rotate_before needs expires_in: a key that never expires, or expires at a fixed time, cannot be renewed before it expires",
			"set expires_in (such as 90d), or remove rotate_before")
	case k.ExpiresIn > 0 && d >= k.ExpiresIn:
		c.add(s, "/rotate_before", "E603", k.Key(), fmt.Sprintf("rotate_before (%s) is not shorter than expires_in (%s): the key would be replaced on every run", rb, in),
			"make rotate_before shorter than expires_in, such as 14d for 90d")
	}
}
