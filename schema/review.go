package schema

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// Recertification in manifests (model/review.go): reviewed_until on a policy (for all its
// rules) or a rule (its own, which wins), and two stack-wide keys that any file may state and
// all files stating them must agree on, like organization_id:
//
//	review: report | enforce   what plans do with a grant whose review is due (default report)
//	review_every: 180d         the longest a grant may be approved for: every rule needs a
//	                           reviewed_until, at most this far from the day it is checked
//
// The checks that depend on the clock (E509, E511) use Loader.Now, as E508 does.

// reviewedUntil reads the reviewed_until of the mapping n at ptr, and where it is written; nil
// when absent or rejected by the schema.
func reviewedUntil(f *file, n *yaml.Node, ptr string) (*time.Time, model.Pos) {
	at := str(field(n, "reviewed_until"))
	if at == "" || f.isBad(ptr+"/reviewed_until") {
		return nil, model.Pos{}
	}
	t, ok := parseTime(at)
	if !ok {
		return nil, model.Pos{}
	}
	return &t, f.pos(ptr + "/reviewed_until")
}

// agreeReview sets org.Review from the files' review and review_every, reporting a file that
// disagrees with the first one stating a value (E301).
func agreeReview(files []*file, heads []header, org *model.Org) []Diagnostic {
	var ds []Diagnostic
	type ref struct {
		val string
		f   *file
	}
	var review, every ref
	check := func(cur *ref, val string, f *file, ptr string) {
		if val == "" || f.isBad(ptr) {
			return
		}
		if cur.f == nil {
			*cur = ref{val, f}
			return
		}
		if cur.val != val {
			ds = append(ds, Diagnostic{Pos: f.pos(ptr), Path: f.path(ptr), Code: "E301", Severity: SeverityError,
				Msg:  fmt.Sprintf("%s %q differs from %q in %s", ptr[1:], val, cur.val, cur.f.pos(ptr)),
				Hint: fmt.Sprintf("the stack has one review policy: state %s in one file, or the same in every file", ptr[1:])})
		}
	}
	for i, f := range files {
		check(&review, heads[i].review, f, "/review")
		check(&every, heads[i].reviewEvery, f, "/review_every")
	}
	org.Review.Enforce = review.val == "enforce"
	if every.val != "" {
		if d, err := ParseDuration(every.val); err == nil && d > 0 {
			org.Review.Every = d
		}
	}
	return ds
}

// reviews checks every rule's reviewed_until against the clock and the stack's review_every.
func (c *checker) reviews() {
	every := c.org.Review.Every
	for _, p := range c.org.Policies {
		s := c.srcs.policies[p]
		for j, r := range p.Rules {
			sub := fmt.Sprintf("/rules/%d", j)
			if r.ReviewedUntil == nil {
				if every > 0 && !s.badWithin(sub) && !s.bad("/reviewed_until") {
					c.add(s, sub, "E510", p.Key(), fmt.Sprintf("this rule has no reviewed_until, and the stack reviews every grant at least every %s (review_every)", FormatDuration(every)),
						fmt.Sprintf("add reviewed_until: DATE to the rule or its policy, at most %s from today, once its grant has been reviewed", FormatDuration(every)))
				}
				continue
			}
			at := r.ReviewPos
			rsub := sub + "/reviewed_until"
			if _, own := s.f.entries[s.ptr+rsub]; !own {
				rsub = "/reviewed_until"
			}
			until := r.ReviewedUntil.UTC()
			switch {
			case c.now.IsZero():
			case !until.After(c.now):
				what := "plans report it until it is recertified"
				if c.org.Review.Enforce {
					what = "with review: enforce, plans leave the rule out and the next apply removes it"
				}
				c.ds = append(c.ds, Diagnostic{Pos: at, Path: s.path(rsub), Key: p.Key(), Code: "E509", Severity: SeverityWarning,
					Msg:  fmt.Sprintf("this grant was approved until %s and is due for review: %s", until.Format(time.DateOnly), what),
					Hint: "review the grant, then move reviewed_until to a later date (or delete the rule) in a pull request"})
			case every > 0 && until.Sub(c.now) > every:
				c.ds = append(c.ds, Diagnostic{Pos: at, Path: s.path(rsub), Key: p.Key(), Code: "E511", Severity: SeverityError,
					Msg:  fmt.Sprintf("reviewed_until %s is more than %s from today, longer than the stack's review_every allows", until.Format(time.DateOnly), FormatDuration(every)),
					Hint: fmt.Sprintf("approve the grant until %s at the latest", c.now.Add(every).UTC().Format(time.DateOnly))})
			}
		}
	}
}
