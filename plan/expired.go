package plan

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Expired rules. A rule's expires_at is compiled into its condition (model/expiry.go), so
// Scaleway stops honouring the rule at that instant by itself; what is left is housekeeping.
// From that instant on the plan leaves the rule out of the desired policy, so the next apply
// removes the dead rule from the organization, and says so in a warning. The rule stays in the
// manifests' fingerprint: the manifests did not change, only the clock.

// dropExpiredRules removes from d's policies the rules whose expiry has passed at now, and
// returns a warning for each. A zero now (tests, fuzzing) drops nothing.
func dropExpiredRules(d *model.Org, now time.Time) []Warning {
	if now.IsZero() {
		return nil
	}
	var ws []Warning
	for _, p := range d.Policies {
		kept := p.Rules[:0:0]
		for _, r := range p.Rules {
			if !r.ExpiredAt(now) {
				kept = append(kept, r)
				continue
			}
			exp, _ := r.Expiry()
			shown := r
			if base, _, ok := model.SplitExpiry(r.Condition); ok {
				shown.Condition = base
			}
			pos := r.Pos
			if pos.IsZero() {
				pos = p.Pos
			}
			ws = append(ws, Warning{Key: p.Key(), Pos: pos, Message: fmt.Sprintf(
				"rule %s expired at %s: Scaleway no longer honours it, so the plan leaves it out and apply removes it; delete it from the manifests",
				shown.Canonical(), exp.Format(time.RFC3339))})
		}
		p.Rules = kept
	}
	return ws
}
