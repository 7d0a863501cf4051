package access

import (
	"cmp"
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"io"
	"slices"
	"strings"
	"time"
)

// MarkdownOptions tune RenderMarkdown.
type MarkdownOptions struct {
	// MaxBytes bounds the section; 0 means DefaultMarkdownBytes. A plan comment that also holds
	// the plan's own Markdown must give each part its share of GitHub's 65,536-character limit.
	MaxBytes int
}

// DefaultMarkdownBytes leaves room within GitHub's 65,536-character comment limit (bytes are
// never fewer than characters) for a heading and a footer around the section.
const DefaultMarkdownBytes = 60000

// Markdown layout limits: beyond these a section summarises instead of listing.
const (
	mdMaxCallout     = 20 // high-risk gains listed in the callout
	mdMaxRows        = 50 // rows in one principal's table
	mdMaxUnattached  = 20 // policy names in the unattached note
	mdFooterReserved = 400
)

// RenderMarkdown writes r as the access section of a pull-request comment: the summary, the
// high-risk gains in a callout a reviewer cannot miss, then one collapsed <details> table per
// principal, principals with the riskiest gains first. When the tables would not fit in
// two thirds of MaxBytes, the principals left over are summarised one line each in the rest,
// and past that counted: a table is always written whole or not at all.
func RenderMarkdown(w io.Writer, r *Report, opts MarkdownOptions) error {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMarkdownBytes
	}
	var b strings.Builder
	b.WriteString("### Access review\n\n")
	b.WriteString(summaryLine(r, func(s string) string { return "**" + s + "**" }) + "\n")

	if high := highGains(r); len(high) > 0 {
		b.WriteString("\n> [!CAUTION]\n> **High-risk access gained:**\n")
		for i, h := range high {
			line := fmt.Sprintf("> - %s: %s\n", escape.Code(h.who.String()), mdGrant(h.g))
			if i == mdMaxCallout || b.Len()+len(line)+mdFooterReserved > limit {
				fmt.Fprintf(&b, "> - and %s\n", plural(len(high)-i, "more high-risk grant", "more high-risk grants"))
				break
			}
			b.WriteString(line)
		}
	}

	order := slices.Clone(r.Changes)
	slices.SortStableFunc(order, func(a, c Change) int { return cmp.Compare(highestGained(c), highestGained(a)) })
	footer := unattachedNote(r)
	// Tables stop at two thirds of the room, so that a large change still gets a line for
	// many more principals in the summary after them.
	tables := limit - (limit-b.Len())/3
	var left []Change
	for i, c := range order {
		block := mdBlock(c)
		if b.Len()+len(block)+len(footer)+mdFooterReserved > tables {
			left = order[i:]
			break
		}
		b.WriteString(block)
	}
	if len(left) > 0 {
		b.WriteString(mdLeftOver(left, limit-b.Len()-len(footer)))
	}
	b.WriteString(footer)
	_, err := io.WriteString(w, b.String())
	return err
}

type whoGrant struct {
	who Principal
	g   Grant
}

func highGains(r *Report) []whoGrant {
	var out []whoGrant
	for _, c := range r.Changes {
		for _, g := range c.Gained {
			if g.Tier == High {
				out = append(out, whoGrant{c.Principal, g})
			}
		}
	}
	return out
}

func highestGained(c Change) Tier {
	var t Tier
	for _, g := range c.Gained {
		t = max(t, g.Tier)
	}
	return t
}

// mdGrant is a grant in Markdown, with its first path.
func mdGrant(g Grant) string {
	s := fmt.Sprintf("%s on %s", escape.Code(g.PermissionSet), mdScope(g.Scope))
	if g.Condition != "" {
		s += " if " + escape.CodeSpan(g.Condition)
	}
	if g.ExpiresAt != nil {
		s += " until " + g.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if len(g.Paths) > 0 {
		s += ", " + mdPath(g.Paths[0])
		if n := len(g.Paths) - 1; n > 0 {
			s += fmt.Sprintf(" (and %s)", plural(n, "other path", "other paths"))
		}
	}
	return s
}

func mdPath(p Path) string {
	var b strings.Builder
	if p.Group != "" {
		fmt.Fprintf(&b, "through group %s, ", escape.Code(p.Group))
	}
	fmt.Fprintf(&b, "policy %s", escape.Code(p.Policy))
	if p.Pos.IsZero() {
		fmt.Fprintf(&b, ", rule %s", escape.Code(p.Rule))
	} else {
		fmt.Fprintf(&b, " (%s)", escape.Code(p.Pos.String()))
	}
	return b.String()
}

// mdBlock is one principal's collapsed table, at most mdMaxRows rows.
func mdBlock(c Change) string {
	var b strings.Builder
	counts := fmt.Sprintf("%d gained", len(c.Gained))
	if t := highestGained(c); t == High {
		counts += fmt.Sprintf(" (%d high)", countTier(c.Gained, High))
	}
	counts += fmt.Sprintf(", %d lost", len(c.Lost))
	fmt.Fprintf(&b, "\n<details><summary><code>%s</code>: %s</summary>\n\n", escape.HTML(escape.Name(c.Principal.String())), counts)
	b.WriteString("| | tier | permission set | scope | condition | given by |\n| --- | --- | --- | --- | --- | --- |\n")
	rows := 0
	row := func(sign string, g Grant) {
		tier := g.Tier.String()
		if g.Tier == High {
			tier = "**high**"
		}
		cond := ""
		if g.Condition != "" {
			cond = escape.CodeSpan(g.Condition)
		}
		if g.ExpiresAt != nil {
			cond = strings.TrimSpace(cond + " until " + g.ExpiresAt.UTC().Format(time.RFC3339))
		}
		paths := make([]string, len(g.Paths))
		for i, p := range g.Paths {
			paths[i] = mdPath(p)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", sign, tier, escape.TableCell(escape.Code(g.PermissionSet)),
			escape.TableCell(mdScope(g.Scope)), escape.TableCell(cond), escape.TableCell(strings.Join(paths, "; ")))
		rows++
	}
	all := len(c.Gained) + len(c.Lost)
	for _, g := range c.Gained {
		if rows < mdMaxRows {
			row("+", g)
		}
	}
	for _, g := range c.Lost {
		if rows < mdMaxRows {
			row("-", g)
		}
	}
	if all > rows {
		fmt.Fprintf(&b, "\n… and %s more for this principal: see the text or JSON plan.\n", plural(all-rows, "grant", "grants"))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func countTier(gs []Grant, t Tier) int {
	n := 0
	for _, g := range gs {
		if g.Tier == t {
			n++
		}
	}
	return n
}

// mdLeftOver summarises the principals whose tables did not fit: one row each while room
// lasts, then a count of the rest.
func mdLeftOver(left []Change, room int) string {
	var b strings.Builder
	head := fmt.Sprintf("\n**%s not shown above** (the comment would be too long):\n\n| principal | gained | lost | highest gained |\n| --- | --- | --- | --- |\n",
		plural(len(left), "more principal", "more principals"))
	var rows strings.Builder
	shown := 0
	for _, c := range left {
		high := "none"
		if t := highestGained(c); t != 0 {
			high = t.String()
		}
		row := fmt.Sprintf("| %s | %d | %d | %s |\n", escape.TableCell(escape.Code(c.Principal.String())), len(c.Gained), len(c.Lost), high)
		if len(head)+rows.Len()+len(row)+mdFooterReserved > room {
			break
		}
		rows.WriteString(row)
		shown++
	}
	if shown > 0 {
		b.WriteString(head)
		b.WriteString(rows.String())
	}
	if rest := left[shown:]; len(rest) > 0 {
		gained, lost := 0, 0
		for _, c := range rest {
			gained += len(c.Gained)
			lost += len(c.Lost)
		}
		fmt.Fprintf(&b, "\n… and %s (%d gained, %d lost): see the text or JSON plan.\n",
			plural(len(rest), "more principal", "more principals"), gained, lost)
	}
	return b.String()
}

func unattachedNote(r *Report) string {
	if len(r.Unattached) == 0 {
		return ""
	}
	names := make([]string, 0, mdMaxUnattached)
	for i, n := range r.Unattached {
		if i == mdMaxUnattached {
			names = append(names, fmt.Sprintf("and %d more", len(r.Unattached)-i))
			break
		}
		names = append(names, escape.Code(n))
	}
	return fmt.Sprintf("\nNow attached to no principal (they grant nothing until one is set): %s.\n", strings.Join(names, ", "))
}

// mdScope is a scope in Markdown: the project's name, which the organization sets, as code.
func mdScope(s Scope) string {
	if s.Kind == ScopeProject {
		return "project " + escape.Code(s.Project)
	}
	return s.String()
}
