package plan

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// Recertification (model/review.go). A rule whose reviewed_until has passed is due for review:
// the plan says so in a warning, and when the stack enforces reviews it leaves the rule out of
// the desired policy, exactly as dropExpiredRules does for an expired rule, so that apply
// removes it and the access review shows who loses what. Unlike an expired rule, a due rule
// still works at Scaleway until then: the removal is a real change of access.
//
// Every rule under review is also listed in Plan.Recertifications with its state, so that a
// pull request that moves a date shows "recertified until …" for each grant it re-approves:
// the evidence an auditor asks for. The rules stay in the manifests' fingerprint (moving a date
// is a change of the manifests); reviewed_until never reaches the actions' resources, which
// describe what Scaleway will hold.

// RecertificationState is where a rule under review stands.
type RecertificationState string

// Recertification states.
const (
	// Recertified: approved until a date still ahead (or the plan was made without a clock).
	Recertified RecertificationState = "recertified"
	// ReviewDue: the date has passed; the stack reports it (review: report).
	ReviewDue RecertificationState = "due"
	// ReviewRemoved: the date has passed and the stack enforces reviews: the plan removes it.
	ReviewRemoved RecertificationState = "removed"
)

// Recertification is one rule under review.
type Recertification struct {
	// Key is the rule's policy.
	Key model.Key `json:"key"`
	// Principal is who holds the rule's grants ("application ci-deployer"), as the manifests
	// name it.
	Principal string `json:"principal"`
	// Rule is the rule as the plan shows rules (projects as written, no expiry clause).
	Rule          string               `json:"rule"`
	ReviewedUntil time.Time            `json:"reviewed_until"`
	State         RecertificationState `json:"state"`
	Pos           model.Pos            `json:"pos,omitzero"`
}

// reviewRules records every desired rule under review, drops the due ones when d's stack
// enforces reviews, and returns a warning for each due rule. reviewed_until is then cleared
// from every rule: it is no part of what apply sets. A zero now judges nothing due.
func reviewRules(d *model.Org, now time.Time) ([]Recertification, []Warning) {
	var recs []Recertification
	var ws []Warning
	for _, p := range d.Policies {
		kept := p.Rules[:0:0]
		for _, r := range p.Rules {
			if r.ReviewedUntil == nil {
				kept = append(kept, r)
				continue
			}
			until := r.ReviewedUntil.UTC()
			shown := r
			shown.ReviewedUntil = nil
			if base, _, ok := model.SplitExpiry(r.Condition); ok {
				shown.Condition = base
			}
			pos := r.Pos
			if pos.IsZero() {
				pos = p.Pos
			}
			rec := Recertification{Key: p.Key(), Principal: p.Principal.String(), Rule: shown.Canonical(), ReviewedUntil: until, State: Recertified, Pos: pos}
			due := !now.IsZero() && r.ReviewDueAt(now)
			switch {
			case due && d.Review.Enforce:
				rec.State = ReviewRemoved
				ws = append(ws, Warning{Key: p.Key(), Pos: pos, Message: fmt.Sprintf(
					"rule %s (%s) was approved until %s and is due for review: review: enforce leaves it out of the plan, so apply removes it; to keep it, move its reviewed_until to a later date in a pull request",
					rec.Rule, rec.Principal, until.Format(time.DateOnly))})
			case due:
				rec.State = ReviewDue
				ws = append(ws, Warning{Key: p.Key(), Pos: pos, Message: fmt.Sprintf(
					"rule %s (%s) was approved until %s and is due for review: review it, then move its reviewed_until to a later date (or delete the rule) in a pull request",
					rec.Rule, rec.Principal, until.Format(time.DateOnly))})
			}
			recs = append(recs, rec)
			if rec.State == ReviewRemoved {
				continue
			}
			r.ReviewedUntil, r.ReviewPos = nil, model.Pos{}
			kept = append(kept, r)
		}
		p.Rules = kept
	}
	slices.SortFunc(recs, func(a, b Recertification) int {
		if c := strings.Compare(a.Key.String(), b.Key.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return recs, ws
}

// recertificationLine is one rule under review in words, for the text and Markdown plans: the
// names go through name (escape.Name or escape.Code), the rest, iamsync's own, through prose.
func recertificationLine(r Recertification, name, prose func(string) string) (state, what string) {
	day := r.ReviewedUntil.Format(time.DateOnly)
	switch r.State {
	case ReviewDue:
		state = "due for review since " + day
	case ReviewRemoved:
		state = "removed: due for review since " + day + " (review: enforce)"
	default:
		state = "recertified until " + day
	}
	what = fmt.Sprintf("%s: %s, %s", name(r.Key.String()), name(r.Principal), prose(r.Rule))
	if !r.Pos.IsZero() {
		what += " (" + prose(r.Pos.String()) + ")"
	}
	return state, what
}

// renderRecertificationsText writes the "Access reviews" section of a text plan.
func renderRecertificationsText(bw *bufio.Writer, p *Plan) {
	if len(p.Recertifications) == 0 {
		return
	}
	fmt.Fprintf(bw, "\nAccess reviews (%d):\n", len(p.Recertifications))
	for _, r := range p.Recertifications {
		state, what := recertificationLine(r, escape.Name, escape.Printable)
		fmt.Fprintf(bw, "  %s  %s\n", state, what)
	}
}

// renderRecertificationsMarkdown writes the same section for a pull-request comment: one list
// item per rule, inside a collapsed block unless a rule is due.
func renderRecertificationsMarkdown(bw *bufio.Writer, p *Plan) {
	if len(p.Recertifications) == 0 {
		return
	}
	open := ""
	for _, r := range p.Recertifications {
		if r.State != Recertified {
			open = " open"
		}
	}
	fmt.Fprintf(bw, "\n<details%s><summary>Access reviews: %s</summary>\n\n", open, plural(len(p.Recertifications), "rule", "rules"))
	for _, r := range p.Recertifications {
		state, what := recertificationLine(r, escape.Code, escape.Markdown)
		if r.State != Recertified {
			state = "**" + state + "**"
		}
		fmt.Fprintf(bw, "- %s: %s\n", state, what)
	}
	bw.WriteString("\n</details>\n")
}
