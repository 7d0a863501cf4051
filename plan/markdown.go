package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/escape"
)

// RenderMarkdown writes p for a pull-request comment: the summary first, conflicts and
// destructions where a reviewer cannot miss them, then the actions in a fenced diff block,
// whose first column GitHub colours (+ added, - removed, ! changed) and is the only marker on a
// line; the block is open when the plan is short (mdOpenActions), collapsed when it is long.
func RenderMarkdown(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	s := p.Summary()
	if p.Empty() {
		fmt.Fprintf(bw, "**iamsync plan** for stack %s: no changes. The organization matches the manifests.\n", escape.Code(p.Stack))
	} else {
		fmt.Fprintf(bw, "**iamsync plan** for stack %s: %s.\n", escape.Code(p.Stack), s)
	}

	if len(p.Conflicts) > 0 {
		fmt.Fprintf(bw, "\n> [!CAUTION]\n> **%s: this plan cannot be applied.**\n>\n", plural(len(p.Conflicts), "conflict", "conflicts"))
		for _, c := range p.Conflicts {
			fmt.Fprintf(bw, "> - %s", escape.Code(c.Key.String()))
			if where := conflictWhere(c); where != "" {
				fmt.Fprintf(bw, " (%s)", escape.CodeSpan(where))
			}
			fmt.Fprintf(bw, ": %s.", escape.Message(c.Reason))
			if c.Hint != "" {
				fmt.Fprintf(bw, " Hint: %s.", escape.Message(c.Hint))
			}
			bw.WriteString("\n")
		}
	}

	if len(p.OverQuota) > 0 {
		fmt.Fprintf(bw, "\n> [!CAUTION]\n> **Over quota: this plan cannot be applied.**\n>\n")
		for _, q := range p.OverQuota {
			fmt.Fprintf(bw, "> - %s\n", escape.Message(q.String()))
		}
	}

	var destroyed []string
	for _, a := range p.Actions {
		if a.Op.Destructive() {
			destroyed = append(destroyed, fmt.Sprintf("%s (%s)", escape.Code(a.Key.String()), a.Op))
		}
	}
	if n := len(destroyed); n > 0 {
		const shown = 25
		if n > shown {
			destroyed = append(destroyed[:shown], fmt.Sprintf("and %d more", n-shown))
		}
		fmt.Fprintf(bw, "\n> [!WARNING]\n> **%s:** %s\n", plural(n, "resource will be destroyed", "resources will be destroyed"), strings.Join(destroyed, ", "))
	}

	if len(p.Actions) > 0 {
		var body strings.Builder
		for i, a := range p.Actions {
			var block strings.Builder
			if i > 0 {
				block.WriteString("\n")
			}
			for _, l := range actionLines(p, a) {
				block.WriteString(mdLine(l))
				block.WriteString("\n")
			}
			if body.Len()+block.Len() > mdMaxActions {
				fmt.Fprintf(&body, "\n  … %s more, left out to fit in a comment: see the text plan\n", plural(len(p.Actions)-i, "action", "actions"))
				break
			}
			body.WriteString(block.String())
		}
		fence := codeFence(body.String())
		open := ""
		if len(p.Actions) <= mdOpenActions {
			open = " open"
		}
		fmt.Fprintf(bw, "\n<details%s><summary>%s</summary>\n\n%sdiff\n%s%s\n\n</details>\n",
			open, plural(len(p.Actions), "action", "actions"), fence, body.String(), fence)
	}

	if len(p.Warnings) > 0 {
		fmt.Fprintf(bw, "\n**%s**\n\n", plural(len(p.Warnings), "warning", "warnings"))
		for _, wa := range p.Warnings {
			fmt.Fprintf(bw, "- %s: %s\n", escape.Code(wa.Key.String()), escape.Message(wa.Message))
		}
	}
	if len(p.Unread) > 0 {
		fmt.Fprintf(bw, "\n**Not read** (nothing of these is compared, created or deleted)\n\n")
		for _, u := range p.Unread {
			fmt.Fprintf(bw, "- %s\n", escape.Message(u.String()))
		}
	}
	renderRecertificationsMarkdown(bw, p)
	if p.reviewsAccess() {
		bw.WriteString("\n")
		if err := access.RenderMarkdown(bw, p.Access, access.MarkdownOptions{MaxBytes: mdMaxAccess}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// mdMaxActions and mdMaxAccess bound the diff block and the access review so that a comment
// stays under GitHub's 65,536-character limit with room for the rest (the summary, conflicts
// and destructions above, which are always complete, and the warnings).
const (
	mdMaxActions = 35000
	mdMaxAccess  = 25000
)

// mdOpenActions is the most actions shown expanded: a reviewer reads a short plan at once, and
// opens a long one on purpose.
const mdOpenActions = 20

// mdLine is l in the diff block: the gutter is the line's one marker, so the text renderer's
// own (the op symbol of a header, "+"/"-" of a set member) gives way to it. A header whose op
// the gutter cannot say (update, replace, adopt: "!") names it in words.
func mdLine(l line) string {
	text := textLine(l, noPaint)
	switch l.kind {
	case lHeader:
		text = strings.TrimPrefix(text, l.op.Symbol()+" ")
		if l.op != Create && l.op != Delete {
			text = l.op.String() + " " + text
		}
	case lAdded, lRemoved:
		text = strings.TrimRight(strings.Repeat("  ", l.depth)+"  "+printable(l.text), " ")
	}
	return strings.TrimRight(mdGutter(l)+" "+text, " ")
}

func noPaint(_, s string) string { return s }

// mdGutter is the diff-block column that GitHub colours.
func mdGutter(l line) string {
	switch l.kind {
	case lHeader:
		switch l.op {
		case Create:
			return "+"
		case Delete:
			return "-"
		}
		return "!"
	case lAdded:
		return "+"
	case lRemoved:
		return "-"
	}
	// The body of a creation is all new, that of a deletion all gone.
	switch l.op {
	case Create:
		return "+"
	case Delete:
		return "-"
	}
	return " "
}

var codeFence = escape.CodeFence
