package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestWithExpiryCanonicalForm(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct{ cond, want string }{
		{"", `request.time < timestamp("2026-12-01T08:30:00Z")`},
		{"  ", `request.time < timestamp("2026-12-01T08:30:00Z")`},
		{"request.ip == '203.0.113.7'", `(request.ip == '203.0.113.7') && request.time < timestamp("2026-12-01T08:30:00Z")`},
		{" a || b\n", `(a || b) && request.time < timestamp("2026-12-01T08:30:00Z")`},
	} {
		if got := WithExpiry(tc.cond, at); got != tc.want {
			t.Errorf("WithExpiry(%q) = %q, want %q", tc.cond, got, tc.want)
		}
	}
	frac := time.Date(2026, 12, 1, 0, 0, 0, 500_000_000, time.UTC)
	if got := ExpiryClause(frac); !strings.Contains(got, `"2026-12-01T00:00:00.5Z"`) {
		t.Errorf("ExpiryClause keeps trailing zeros or drops the fraction: %s", got)
	}
}

func TestSplitExpiryRoundTrip(t *testing.T) {
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, base := range []string{"", "request.ip == '203.0.113.7'", "(a) && (b)", "x) && (y", "multi\nline"} {
		cond := WithExpiry(base, at)
		got, gotAt, ok := SplitExpiry(cond)
		if !ok || got != strings.TrimSpace(base) || !gotAt.Equal(at) {
			t.Errorf("SplitExpiry(%q) = %q, %v, %v; want %q, %v", cond, got, gotAt, ok, base, at)
		}
	}
	for _, cond := range []string{
		"",
		"request.ip == '203.0.113.7'",
		`request.time < timestamp("2027-03-01T00:00:00+01:00")`,    // not UTC: not the canonical form
		`request.time < timestamp("2027-03-01T00:00:00.000Z")`,     // trailing zeros
		`request.time < timestamp("tomorrow")`,                     // not a time
		`a && request.time < timestamp("2027-03-01T00:00:00Z")`,    // not parenthesised
		`request.time > timestamp("2027-03-01T00:00:00Z")`,         // a start, not an expiry
		`(a) && request.time < timestamp("2027-03-01T00:00:00Z") `, // trailing space
	} {
		if _, _, ok := SplitExpiry(cond); ok {
			t.Errorf("SplitExpiry(%q) took a non-canonical condition for an expiry", cond)
		}
	}
}

func TestRuleExpiredAt(t *testing.T) {
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	desired := Rule{PermissionSets: []string{"A"}, Organization: true, ExpiresAt: &at, Condition: WithExpiry("", at)}
	live := Rule{PermissionSets: []string{"A"}, Organization: true, Condition: WithExpiry("", at)}
	never := Rule{PermissionSets: []string{"A"}, Organization: true, Condition: "request.time < timestamp(\"2020-01-01T00:00:00Z\") || true"}
	for _, tc := range []struct {
		name string
		r    Rule
		t    time.Time
		want bool
	}{
		{"desired before", desired, at.Add(-time.Second), false},
		{"desired at the instant", desired, at, true},
		{"desired after", desired, at.Add(time.Hour), true},
		{"live before", live, at.Add(-time.Nanosecond), false},
		{"live after", live, at.Add(time.Nanosecond), true},
		{"no expiry", never, at.AddDate(10, 0, 0), false},
	} {
		if got := tc.r.ExpiredAt(tc.t); got != tc.want {
			t.Errorf("%s: ExpiredAt(%v) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
}

func TestRuleExpiresAtJSON(t *testing.T) {
	at := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	b, err := json.Marshal(Rule{PermissionSets: []string{"A"}, Organization: true, ExpiresAt: &at})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"expires_at":"2027-03-01T00:00:00Z"`) {
		t.Errorf("expires_at missing from %s", b)
	}
	b, _ = json.Marshal(Rule{PermissionSets: []string{"A"}, Organization: true})
	if strings.Contains(string(b), "expires_at") {
		t.Errorf("a rule without expiry writes expires_at: %s", b)
	}
}
