package audit

import (
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"strings"
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// DefaultGrantExpiringWithin is --expiring-within's default: two weeks, the same notice
// IAM203 gives for API keys.
const DefaultGrantExpiringWithin = 14 * 24 * time.Hour

// expiringGrants: IAM104, a time-boxed rule (a manifest rule's expires_at, or the expiry
// clause it compiles to in a live condition, model/expiry.go) that expires within
// Options.GrantExpiringWithin, or has expired and is still there. The detail is the rule's
// sets and instant, which both sides share (projects are names on one side, IDs on the other).
func (v *view) expiringGrants() {
	for _, p := range v.o.Policies {
		if skip(&p.Meta) {
			continue
		}
		for _, r := range p.Rules {
			exp, ok := r.Expiry()
			if !ok {
				continue
			}
			left := exp.Sub(v.opts.Now)
			if left > v.opts.GrantExpiringWithin {
				continue
			}
			sets := strings.Join(model.SortedSet(r.PermissionSets), ", ")
			who := "nobody (no principal)"
			if p.Principal.Kind != model.PrincipalNone {
				who = string(p.Principal.Kind) + " " + escape.Quote(principalName(p.Principal))
			}
			at := exp.UTC().Format(time.RFC3339)
			msg := fmt.Sprintf("the rule granting %s to %s expires at %s, %s", sets, who, at, inWords(left))
			if left <= 0 {
				msg = fmt.Sprintf("the rule granting %s to %s expired at %s: Scaleway no longer honours it, and the next apply removes it", sets, who, at)
			}
			pos := r.Pos
			if pos.IsZero() {
				pos = p.Pos
			}
			v.emit("IAM104", p.Key(), &p.Meta, pos, msg, sets+"@"+at)
		}
	}
}

// inWords says how far away a positive duration is, in days: "in 3 days", "within a day".
func inWords(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	switch days {
	case 0:
		return "within a day"
	case 1:
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", days)
}

// withoutExpiredRules leaves out of a drifted policy's changes the live rules that are there
// only because they have expired: the plan drops expired rules from the manifests, so such a
// rule reads as "not in the manifests", but nobody changed anything (IAM104 reports it).
func withoutExpiredRules(cs []plan.Change, now time.Time) []plan.Change {
	var out []plan.Change
	for _, c := range cs {
		if c.Field == plan.FieldRules {
			var removed []plan.Value
			for _, v := range c.Removed {
				if v.Rule == nil || !v.Rule.ExpiredAt(now) {
					removed = append(removed, v)
				}
			}
			c.Removed = removed
			if len(c.Added)+len(c.Removed) == 0 {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}
