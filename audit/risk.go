package audit

import (
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/model"
)

// view is one organization, desired or live, indexed for the risk rules. The same rules run on
// both: on the manifests, findings point at file:line; on the organization, at live IDs.
type view struct {
	o        *model.Org
	live     bool
	opts     Options
	userKeys []UserKey
	out      []Finding
}

func newView(o *model.Org, live bool, opts Options) *view {
	return &view{o: o, live: live, opts: opts}
}

func (v *view) run() []Finding {
	v.adminApplications()
	v.policiesWithoutPrincipal()
	v.redundantGrants()
	v.expiringGrants()
	v.reviewsDue()
	v.keys()
	v.idleApplications()
	v.emptyGroups()
	v.userKeysForAutomation()
	v.members()
	v.inactiveMembers()
	v.sshKeys()
	v.securitySettings()
	v.federation()
	return v.out
}

// emit records a finding of rule code on the element at key.
func (v *view) emit(code string, key model.Key, m *model.Meta, pos model.Pos, msg, detail string, also ...model.Key) {
	r := rule(code)
	f := Finding{Key: key, Code: code, Severity: r.Severity, Msg: msg, Hint: r.Fix, detail: detail, also: also, Source: FromManifest}
	if v.live {
		f.Source = FromLive
		if m != nil {
			f.ID = m.ID
		}
	} else {
		f.Pos = pos
	}
	v.out = append(v.out, f)
}

// skip leaves out provider-managed objects: nobody can change them.
func skip(m *model.Meta) bool { return m.Managed }

// adminApplications: IAM101, an application holding an admin set on the whole organization,
// directly or through a group it is a member of.
func (v *view) adminApplications() {
	members := map[string][]string{}
	for _, g := range v.o.Groups {
		members[g.Name] = g.Members.Applications
	}
	for _, p := range v.o.Policies {
		if skip(&p.Meta) {
			continue
		}
		var apps []string
		via := ""
		managed := v.managedRef(p.Principal)
		switch p.Principal.Kind {
		case model.PrincipalApplication:
			apps = []string{principalName(p.Principal)}
		case model.PrincipalGroup:
			apps = members[p.Principal.Name]
			via = " through group " + escape.Quote(principalName(p.Principal))
		}
		for _, r := range p.Rules {
			if !r.Organization {
				continue
			}
			for _, set := range r.PermissionSets {
				// The same notion as a high access tier (access.TierOf), so that a plan's
				// access review and the audit agree on what owning the organization is.
				if !access.IsAdmin(set) {
					continue
				}
				if managed != "" {
					v.managedAdmin(p, r, set, managed)
					continue
				}
				for _, app := range apps {
					appKey := model.Key{Kind: model.KindApplication, Name: app}
					v.emit("IAM101", p.Key(), &p.Meta, r.Pos,
						fmt.Sprintf("application %s holds %s on the whole organization%s", escape.Quote(app), set, via),
						app+"/"+set, appKey)
				}
			}
		}
	}
}

// quoteAll quotes each name (escape.Quote) and joins them with commas.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = escape.Quote(n)
	}
	return strings.Join(q, ", ")
}

func principalName(p model.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// policiesWithoutPrincipal: IAM102.
func (v *view) policiesWithoutPrincipal() {
	for _, p := range v.o.Policies {
		if !skip(&p.Meta) && p.Principal.Kind == model.PrincipalNone {
			v.emit("IAM102", p.Key(), &p.Meta, p.Pos, "the policy is attached to no principal", "")
		}
	}
}

// grant is one permission set of one rule of one policy.
type grant struct {
	p    *model.Policy
	rule int
	set  string
	org  bool
	proj []string
	cond string
}

func (g grant) scope() string {
	if g.org {
		return "the organization"
	}
	return "project(s) " + quoteAll(g.proj)
}

// covers reports whether a grants at least what b does: a set covering b's, on a scope covering
// b's, with no condition narrowing it.
func (v *view) covers(a, b grant) bool {
	// The coverage between sets is explain's too (access.Covers): audit and explain answer
	// "who holds what" by one rule.
	if a.cond != "" || !access.Covers(a.set, b.set, v.opts.ScopeType) {
		return false
	}
	if a.org {
		return true
	}
	if b.org {
		return false
	}
	for _, p := range b.proj {
		if !slices.Contains(a.proj, p) {
			return false
		}
	}
	return true
}

// redundantGrants: IAM103, a permission set that another grant of the same principal already
// covers. Of two identical grants, the later one (by policy name, then rule order) is reported.
func (v *view) redundantGrants() {
	byPrincipal := map[string][]grant{}
	var order []string
	for _, p := range v.o.Policies {
		if skip(&p.Meta) || p.Principal.Kind == model.PrincipalNone {
			continue
		}
		id := string(p.Principal.Kind) + ":" + principalName(p.Principal)
		if _, ok := byPrincipal[id]; !ok {
			order = append(order, id)
		}
		for i, r := range p.Rules {
			for _, s := range r.PermissionSets {
				byPrincipal[id] = append(byPrincipal[id], grant{p: p, rule: i, set: s, org: r.Organization, proj: r.Projects, cond: r.Condition})
			}
		}
	}
	for _, id := range order {
		gs := byPrincipal[id]
		slices.SortStableFunc(gs, func(a, b grant) int { return strings.Compare(a.p.Name, b.p.Name) })
		for j, b := range gs {
			for i, a := range gs {
				if i == j || !v.covers(a, b) || v.covers(b, a) && i > j {
					continue
				}
				where := "policy " + escape.Quote(a.p.Name)
				if a.p == b.p {
					where = "another rule of this policy"
					if a.rule == b.rule {
						where = "the same rule"
					}
				}
				v.emit("IAM103", b.p.Key(), &b.p.Meta, b.p.Rules[b.rule].Pos,
					fmt.Sprintf("%s on %s is already granted to %s by %s on %s (%s)",
						b.set, b.scope(), string(b.p.Principal.Kind)+" "+escape.Quote(principalName(b.p.Principal)), a.set, a.scope(), where),
					b.set+" by "+a.p.Name+"/"+a.set)
				break
			}
		}
	}
}

// keys: IAM201 (no expiry), IAM202 (too old), IAM203 (expiring soon) on application keys.
// Keys a rotation retired are left out: they expire or are deleted on schedule.
func (v *view) keys() {
	now := v.opts.Now
	for _, k := range v.o.APIKeys {
		if skip(&k.Meta) || k.RetiredUntil != nil {
			continue
		}
		if k.ExpiresAt == nil && k.ExpiresIn == 0 {
			v.emit("IAM201", k.Key(), &k.Meta, k.Pos, "the key never expires", "")
		}
		if v.live && !k.CreatedAt.IsZero() && now.Sub(k.CreatedAt) > v.opts.MaxKeyAge {
			v.emit("IAM202", k.Key(), &k.Meta, k.Pos,
				fmt.Sprintf("the key is %s old, more than the maximum of %s", days(now.Sub(k.CreatedAt)), days(v.opts.MaxKeyAge)), "")
		}
		// A manifest key's lifetime is known up front: expires_in beyond the maximum age will
		// make it too old before it expires.
		if !v.live && k.ExpiresIn > v.opts.MaxKeyAge {
			v.emit("IAM202", k.Key(), &k.Meta, k.Pos,
				fmt.Sprintf("expires_in %s lets the key grow older than the maximum of %s", days(k.ExpiresIn), days(v.opts.MaxKeyAge)), "lifetime")
		}
		if k.ExpiresAt != nil && k.ExpiresAt.Sub(now) <= expiringWithin {
			msg := fmt.Sprintf("the key expires in %s, on %s", days(k.ExpiresAt.Sub(now)), k.ExpiresAt.UTC().Format(time.DateOnly))
			if !k.ExpiresAt.After(now) {
				msg = fmt.Sprintf("the key expired on %s", k.ExpiresAt.UTC().Format(time.DateOnly))
			}
			v.emit("IAM203", k.Key(), &k.Meta, k.Pos, msg, "")
		}
	}
}

// days prints a duration rounded to days, or to hours (seconds) below a day (an hour), so
// that "expires in 6d" is not printed as 5d a second after the key was made.
func days(d time.Duration) string {
	switch {
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Round(time.Hour).Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Round(24*time.Hour).Hours()/24))
}

// idleApplications: IAM301, an application with no API key and no policy, direct or through a
// group.
func (v *view) idleApplications() {
	hasKey := map[string]bool{}
	for _, k := range v.o.APIKeys {
		hasKey[k.Application] = true
	}
	hasPolicy := map[string]bool{}
	groupHasPolicy := map[string]bool{}
	for _, p := range v.o.Policies {
		switch p.Principal.Kind {
		case model.PrincipalApplication:
			hasPolicy[p.Principal.Name] = true
			hasPolicy[p.Principal.ID] = true
		case model.PrincipalGroup:
			groupHasPolicy[p.Principal.Name] = true
		}
	}
	for _, g := range v.o.Groups {
		if groupHasPolicy[g.Name] {
			for _, a := range g.Members.Applications {
				hasPolicy[a] = true
			}
		}
	}
	allApps := v.reachedByAllApplications()
	for _, a := range v.o.Applications {
		if skip(&a.Meta) || allApps || hasKey[a.Name] || hasPolicy[a.Name] || a.ID != "" && hasPolicy[a.ID] {
			continue
		}
		v.emit("IAM301", a.Key(), &a.Meta, a.Pos, "the application has no API key and no policy", "")
	}
}

// emptyGroups: IAM302. A declared group whose members come from the identity provider lists
// none in the manifests by design: only its live members say whether it is empty.
func (v *view) emptyGroups() {
	for _, g := range v.o.Groups {
		if !v.live && g.MembersFromIdentityProvider() {
			continue
		}
		if !skip(&g.Meta) && g.ManagedRef() == "" && len(g.Members.Applications) == 0 && len(g.Members.Users) == 0 {
			v.emit("IAM302", g.Key(), &g.Meta, g.Pos, "the group has no members", "")
		}
	}
}

// automationWords in a personal key's description suggest a machine uses it.
var automationWords = regexp.MustCompile(`(?i)\b(ci|cd|ci/cd|pipelines?|deploy\w*|terraform|ansible|github|gitlab|jenkins|bots?|automation|automated|cron\w*|scripts?|services?|sync|backups?|runners?|workflows?)\b`)

// userKeysForAutomation: IAM303. The API does not say which client uses a key, so a personal
// key is judged by what it says it is for, and by never expiring, as people's session keys do
// not need to.
func (v *view) userKeysForAutomation() {
	email := map[string]string{}
	for _, u := range v.o.Users {
		email[u.ID] = u.Email
	}
	for _, k := range v.userKeys {
		var why []string
		if m := automationWords.FindString(k.Description); m != "" {
			why = append(why, "its description mentions "+escape.Quote(m))
		}
		if k.ExpiresAt == nil {
			why = append(why, "it never expires")
		}
		if len(why) == 0 {
			continue
		}
		who := email[k.UserID]
		if who == "" {
			who = k.UserID
		}
		key := model.Key{Kind: KindUserAPIKey, Parent: who, Name: k.AccessKey}
		v.emit("IAM303", key, &model.Meta{ID: k.AccessKey}, model.Pos{},
			fmt.Sprintf("personal API key of %s looks used by automation: %s", escape.Quote(who), strings.Join(why, " and ")), "")
	}
}
