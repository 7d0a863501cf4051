package model

import "time"

// Recertification. A grant the manifests give is approved until its rule's reviewed_until (set
// on the rule, or on its policy for all of its rules); after that instant it is due for review.
// Re-approving it is a change of the manifests that moves the date, reviewed like any other
// change. Unlike expires_at the date never reaches Scaleway: the grant keeps working when it
// falls due, unless the stack enforces reviews (Review.Enforce), in which case plans leave the
// rule out, as they do an expired one, and the next apply removes it.
//
// The deadline lives in the manifests, not in git history, so that a plan depends only on the
// manifests and the clock (a shallow CI checkout plans the same as a full one); git history is
// only evidence of who moved the date (cmd, audit).

// Review is a stack's recertification policy (manifest keys review and review_every).
type Review struct {
	// Every, when set, is the longest a grant may be approved for: every rule must carry a
	// reviewed_until, at most Every after the day it is checked (schema E510, E511).
	Every time.Duration `json:"every,omitempty"`
	// Enforce drops a rule from plans once its review is due (review: enforce); otherwise plans
	// and audits only report it (review: report, the default).
	Enforce bool `json:"enforce,omitempty"`
}

// ReviewDueAt reports whether r's review is due at t: it has a reviewed_until, and t is not
// before it. A rule approved "until 2026-06-01" is due from that instant on.
func (r Rule) ReviewDueAt(t time.Time) bool {
	return r.ReviewedUntil != nil && !t.Before(*r.ReviewedUntil)
}
