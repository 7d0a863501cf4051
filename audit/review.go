package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Recertification evidence (model/review.go). Every manifest rule with a reviewed_until is a
// grant under review: IAM105 reports the ones due within Options.GrantExpiringWithin (the same
// window as IAM104) or overdue, and Report.Reviews lists them all with who last moved the date,
// which is the evidence an access review asks for. Who moved it comes from outside (cmd reads
// git blame); audit only asks Options.Recertified about the line the date is written on.

// Recertification is the last change of a reviewed_until: the commit, who made it and when.
type Recertification struct {
	Commit string    `json:"commit"`
	Author string    `json:"author"`
	Email  string    `json:"email,omitempty"`
	Date   time.Time `json:"date"`
	// Uncommitted is set when the line has changes not yet committed (Commit is then empty).
	Uncommitted bool `json:"uncommitted,omitempty"`
}

// Review is one rule under review.
type Review struct {
	// Key is the rule's policy.
	Key model.Key `json:"key"`
	// Principal is who holds the rule's grants (application ci-deployer).
	Principal string `json:"principal"`
	// Rule is the rule as plans show it (permission sets, scope, condition without expiry).
	Rule          string    `json:"rule"`
	ReviewedUntil time.Time `json:"reviewed_until"`
	// Due is set once the date has passed.
	Due bool `json:"due"`
	// Pos is where the reviewed_until is written (the rule's line, or its policy's).
	Pos model.Pos `json:"pos,omitzero"`
	// LastRecertified is the last change of that line; absent when unknown (ReviewsNote says why).
	LastRecertified *Recertification `json:"last_recertified,omitempty"`
}

// reviewsDue: IAM105, a rule whose reviewed_until falls within the window or has passed.
// Manifests only: the organization knows nothing of reviews.
func (v *view) reviewsDue() {
	if v.live {
		return
	}
	for _, p := range v.o.Policies {
		for _, r := range p.Rules {
			if r.ReviewedUntil == nil {
				continue
			}
			until := r.ReviewedUntil.UTC()
			left := until.Sub(v.opts.Now)
			if left > v.opts.GrantExpiringWithin {
				continue
			}
			sets := strings.Join(model.SortedSet(r.PermissionSets), ", ")
			who := "nobody (no principal)"
			if p.Principal.Kind != model.PrincipalNone {
				who = string(p.Principal.Kind) + " " + principalName(p.Principal)
			}
			day := until.Format(time.DateOnly)
			msg := fmt.Sprintf("the rule granting %s to %s is approved until %s and falls due for review %s", sets, who, day, inWords(left))
			if left <= 0 {
				msg = fmt.Sprintf("the rule granting %s to %s was approved until %s and is due for review", sets, who, day)
				if v.o.Review.Enforce {
					msg += ": with review: enforce, the next apply removes it"
				}
			}
			pos := r.ReviewPos
			if pos.IsZero() {
				pos = r.Pos
			}
			v.emit("IAM105", p.Key(), &p.Meta, pos, msg, sets+"@review@"+day)
		}
	}
}

// reviews lists desired's rules under review, sorted by policy and rule, with their last
// recertification when opts can tell it.
func reviews(desired *model.Org, opts Options) ([]Review, string) {
	var out []Review
	for _, p := range desired.Policies {
		for _, r := range p.Rules {
			if r.ReviewedUntil == nil {
				continue
			}
			shown := r
			if base, _, ok := model.SplitExpiry(r.Condition); ok {
				shown.Condition = base
			}
			rv := Review{Key: p.Key(), Principal: p.Principal.String(), Rule: shown.Canonical(), ReviewedUntil: r.ReviewedUntil.UTC(),
				Due: r.ReviewDueAt(opts.Now), Pos: r.ReviewPos}
			if opts.Recertified != nil && !r.ReviewPos.IsZero() {
				rv.LastRecertified = opts.Recertified(r.ReviewPos)
			}
			out = append(out, rv)
		}
	}
	slices.SortFunc(out, func(a, b Review) int {
		return strings.Compare(a.Key.String()+"\x00"+a.Rule, b.Key.String()+"\x00"+b.Rule)
	})
	note := ""
	if len(out) > 0 {
		note = opts.RecertifiedNote
	}
	return out, note
}
