package model

import (
	"regexp"
	"strings"
	"time"
)

// Time-boxed grants. A manifest rule's expires_at becomes part of its condition, so that
// Scaleway itself stops honouring the rule at that instant, whether or not iamsync runs again:
//
//	request.time < timestamp("2026-12-01T00:00:00Z")            (no condition of its own)
//	(COND) && request.time < timestamp("2026-12-01T00:00:00Z")  (with condition COND)
//
// The form is canonical (the condition trimmed, always parenthesised, the instant in UTC
// RFC 3339 with no trailing zero fraction) because the API echoes conditions verbatim
// (BEHAVIOUR.md §5.3): the live rule must read back exactly as the manifest compiles, or every
// plan would show a change. Live rules have no expires_at of their own; Rule.Expiry reads the
// instant back out of the condition.

// ExpiryClause is the condition clause that grants only before t.
func ExpiryClause(t time.Time) string {
	return `request.time < timestamp("` + t.UTC().Format(time.RFC3339Nano) + `")`
}

// WithExpiry returns cond restricted to requests made before t, in the canonical form.
func WithExpiry(cond string, t time.Time) string {
	cond = strings.TrimSpace(cond)
	if cond == "" {
		return ExpiryClause(t)
	}
	return "(" + cond + ") && " + ExpiryClause(t)
}

var expiryRE = regexp.MustCompile(`(?s)^(?:\((.*)\) && )?request\.time < timestamp\("([^"]+)"\)$`)

// SplitExpiry undoes WithExpiry: it returns the condition as written before the expiry was
// compiled in, and the instant. ok is false when cond does not end with an expiry clause in the
// canonical form (a condition that merely mentions request.time is not an expiry).
func SplitExpiry(cond string) (base string, t time.Time, ok bool) {
	m := expiryRE.FindStringSubmatch(cond)
	if m == nil {
		return "", time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, m[2])
	if err != nil || WithExpiry(m[1], t) != cond {
		return "", time.Time{}, false
	}
	return m[1], t.UTC(), true
}

// Expiry is the instant after which r grants nothing: its ExpiresAt on desired values, else
// the one compiled into its condition (live values).
func (r Rule) Expiry() (time.Time, bool) {
	if r.ExpiresAt != nil {
		return r.ExpiresAt.UTC(), true
	}
	_, t, ok := SplitExpiry(r.Condition)
	return t, ok
}

// ExpiredAt reports whether r's expiry has passed at t. The compiled clause is a strict
// request.time < expiry, so the rule stops granting at the expiry instant itself.
func (r Rule) ExpiredAt(t time.Time) bool {
	exp, ok := r.Expiry()
	return ok && !t.Before(exp)
}
