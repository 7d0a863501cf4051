package access

import (
	"bufio"
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"io"
	"strings"
	"time"
)

// RenderText writes r as the access section of a text plan: a summary line, then each
// principal whose access changes with its grants gained (+) and lost (-), riskiest first, each
// followed by the paths that give it.
func RenderText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(summaryLine(r, func(s string) string { return s }) + "\n")
	for _, c := range r.Changes {
		fmt.Fprintf(bw, "\n%s\n", escape.Name(c.Principal.String()))
		for _, g := range c.Gained {
			textGrant(bw, "+", g)
		}
		for _, g := range c.Lost {
			textGrant(bw, "-", g)
		}
	}
	if len(r.Unattached) > 0 {
		names := make([]string, len(r.Unattached))
		for i, n := range r.Unattached {
			names[i] = escape.Name(n)
		}
		fmt.Fprintf(bw, "\nNow attached to no principal (they grant nothing until one is set): %s.\n", strings.Join(names, ", "))
	}
	return bw.Flush()
}

func textGrant(w *bufio.Writer, sign string, g Grant) {
	fmt.Fprintf(w, "  %s %-6s  %s\n", sign, g.Tier, grantText(g))
	for _, p := range g.Paths {
		fmt.Fprintf(w, "              %s\n", pathText(p))
	}
}

// Text is g in words, as the text report shows it, escaped for a terminal: SET on SCOPE
// [if CONDITION] [until TIME].
func (g Grant) Text() string { return grantText(g) }

// Text is p as the text report shows it (kind/name), escaped for a terminal.
func (p Principal) Text() string { return escape.Name(p.String()) }

// grantText is a grant in words: SET on SCOPE [if CONDITION] [until TIME].
func grantText(g Grant) string {
	s := fmt.Sprintf("%s on %s", escape.Name(g.PermissionSet), textScope(g.Scope))
	if g.Condition != "" {
		s += " if " + escape.Printable(g.Condition)
	}
	if g.ExpiresAt != nil {
		s += " until " + g.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return s
}

// pathText is a path in words; the rule is shown only when no manifest position points at it.
func pathText(p Path) string {
	var b strings.Builder
	if p.Group != "" {
		fmt.Fprintf(&b, "through group %s, ", escape.Name(p.Group))
	}
	fmt.Fprintf(&b, "policy %s", escape.Name(p.Policy))
	if p.Pos.IsZero() {
		fmt.Fprintf(&b, ", rule %s", escape.Name(p.Rule))
	} else {
		fmt.Fprintf(&b, " (%s)", escape.Name(p.Pos.String()))
	}
	return b.String()
}

// summaryLine says who gains and loses how much; strong marks the high-tier count (Markdown).
func summaryLine(r *Report, strong func(string) string) string {
	s := r.Summary
	if r.Empty() {
		return "Access changes: none. No principal gains or loses access."
	}
	var tiers []string
	for _, t := range []struct {
		n    int
		name string
	}{{s.GainedHigh, "high"}, {s.GainedMedium, "medium"}, {s.GainedLow, "low"}} {
		if t.n > 0 {
			part := fmt.Sprintf("%d %s", t.n, t.name)
			if t.name == "high" {
				part = strong(part)
			}
			tiers = append(tiers, part)
		}
	}
	gained := plural(s.Gained, "grant", "grants")
	if len(tiers) > 0 {
		gained += " (" + strings.Join(tiers, ", ") + ")"
	}
	who := plural(s.Principals, "principal", "principals")
	verbs := [2]string{"gain", "lose"}
	if s.Principals == 1 {
		verbs = [2]string{"gains", "loses"}
	}
	return fmt.Sprintf("Access changes: %s %s %s and %s %s.", who, verbs[0], gained, verbs[1], plural(s.Lost, "grant", "grants"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// textScope is a scope in text, the project's name shown as escape.Name shows names.
func textScope(s Scope) string {
	if s.Kind == ScopeProject {
		return "project " + escape.Name(s.Project)
	}
	return s.String()
}
