package model

import (
	"slices"
	"sort"
	"strings"
)

// Normalize puts o in canonical form, in place, so that two snapshots that mean the same thing
// are equal field by field: every set (tags, members, permission sets, projects, rules) sorted
// and deduplicated, nil slices made empty, resources sorted by Key. The API treats all of these
// as sets (BEHAVIOUR.md §4, §5.3, §5.4), so their order carries no meaning.
func (o *Org) Normalize() {
	for _, a := range o.Applications {
		a.Tags = SortedSet(a.Tags)
	}
	for _, g := range o.Groups {
		g.Tags = SortedSet(g.Tags)
		g.Members.Applications = SortedSet(g.Members.Applications)
		g.Members.Users = SortedSet(g.Members.Users)
	}
	for _, p := range o.Policies {
		p.Tags = SortedSet(p.Tags)
		p.Rules = NormalizeRules(p.Rules)
	}
	for _, u := range o.Users {
		u.Tags = SortedSet(u.Tags)
	}
	for _, k := range o.SSHKeys {
		k.PublicKey = CanonicalPublicKey(k.PublicKey)
	}
	o.normalizeFederation()
	sort.SliceStable(o.Applications, func(i, j int) bool { return o.Applications[i].Key().Less(o.Applications[j].Key()) })
	sort.SliceStable(o.Groups, func(i, j int) bool { return o.Groups[i].Key().Less(o.Groups[j].Key()) })
	sort.SliceStable(o.Policies, func(i, j int) bool { return o.Policies[i].Key().Less(o.Policies[j].Key()) })
	sort.SliceStable(o.APIKeys, func(i, j int) bool { return o.APIKeys[i].Key().Less(o.APIKeys[j].Key()) })
	sort.SliceStable(o.Projects, func(i, j int) bool { return o.Projects[i].Name < o.Projects[j].Name })
	sort.SliceStable(o.Users, func(i, j int) bool { return o.Users[i].Email < o.Users[j].Email })
	sort.SliceStable(o.SSHKeys, func(i, j int) bool { return o.SSHKeys[i].Key().Less(o.SSHKeys[j].Key()) })
	if o.Applications == nil {
		o.Applications = []*Application{}
	}
	if o.Groups == nil {
		o.Groups = []*Group{}
	}
	if o.Policies == nil {
		o.Policies = []*Policy{}
	}
	if o.APIKeys == nil {
		o.APIKeys = []*APIKey{}
	}
}

// NormalizeRules returns rules in canonical form: each rule's sets sorted and deduplicated,
// then the rules sorted by content and exact duplicates dropped (a duplicate grants nothing more).
func NormalizeRules(rules []Rule) []Rule {
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		r.PermissionSets = SortedSet(r.PermissionSets)
		r.Projects = SortedSet(r.Projects)
		if len(r.Projects) == 0 {
			r.Projects = nil
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Canonical() < out[j].Canonical() })
	return slices.CompactFunc(out, func(a, b Rule) bool { return a.Canonical() == b.Canonical() })
}

// Canonical is a rule's identity: its content with sets sorted. Two rules with the same
// Canonical grant the same thing.
func (r Rule) Canonical() string {
	var b strings.Builder
	b.WriteString(strings.Join(SortedSet(r.PermissionSets), ","))
	b.WriteString(" @ ")
	if r.Organization {
		b.WriteString("organization")
	} else {
		b.WriteString("projects:")
		b.WriteString(strings.Join(SortedSet(r.Projects), ","))
	}
	if r.Condition != "" {
		b.WriteString(" if ")
		b.WriteString(r.Condition)
	}
	return b.String()
}

// SortedSet returns a sorted copy of s without duplicates; never nil.
func SortedSet(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return slices.Compact(out)
}
