package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/escape"
)

// TextOptions tune RenderText.
type TextOptions struct {
	// Color adds ANSI colours. The caller decides (terminal, NO_COLOR); the plan never does.
	Color bool
}

// NoChanges is the last line of the text rendering of an empty plan.
const NoChanges = "No changes. The organization matches the manifests."

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// RenderText writes p for a terminal: each action with its marker, key, manifest position and
// field changes, then conflicts and warnings, then a one-line summary.
func RenderText(w io.Writer, p *Plan, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !opts.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	if len(p.Actions) > 0 {
		fmt.Fprintf(bw, "Stack %s will make these changes:\n", escape.Quote(p.Stack))
		for _, a := range p.Actions {
			bw.WriteString("\n")
			for _, l := range actionLines(p, a) {
				bw.WriteString(textLine(l, paint))
				bw.WriteString("\n")
			}
		}
	}
	if len(p.Conflicts) > 0 {
		if len(p.Actions) > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString(paint(ansiBold+ansiRed, fmt.Sprintf("Conflicts (%d): declared resources this stack may not change. The plan cannot be applied.", len(p.Conflicts))))
		bw.WriteString("\n")
		for _, c := range p.Conflicts {
			head := "! " + escape.Name(c.Key.String())
			if where := conflictWhere(c); where != "" {
				head += "  # " + printable(where)
			}
			fmt.Fprintf(bw, "\n%s\n    %s\n", paint(ansiRed, head), printable(c.Reason))
			if c.Hint != "" {
				fmt.Fprintf(bw, "    hint: %s\n", printable(c.Hint))
			}
		}
	}
	if len(p.OverQuota) > 0 {
		bw.WriteString("\n")
		bw.WriteString(paint(ansiBold+ansiRed, fmt.Sprintf("Over quota (%d): the plan cannot be applied.", len(p.OverQuota))))
		bw.WriteString("\n")
		for _, q := range p.OverQuota {
			fmt.Fprintf(bw, "  ! %s\n", printable(q.String()))
		}
	}
	if len(p.Warnings) > 0 {
		if len(p.Actions)+len(p.Conflicts) > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString(paint(ansiYellow, fmt.Sprintf("Warnings (%d):", len(p.Warnings))))
		bw.WriteString("\n")
		for _, wa := range p.Warnings {
			fmt.Fprintf(bw, "  %s: %s\n", warningWhere(wa), printable(wa.Message))
		}
	}
	if len(p.Unread) > 0 {
		if len(p.Actions)+len(p.Conflicts)+len(p.Warnings) > 0 {
			bw.WriteString("\n")
		}
		bw.WriteString(paint(ansiYellow, fmt.Sprintf("Not read (%d): nothing of these is compared, created or deleted.", len(p.Unread))))
		bw.WriteString("\n")
		for _, u := range p.Unread {
			fmt.Fprintf(bw, "  %s\n", printable(u.String()))
		}
	}
	if len(p.Actions)+len(p.Conflicts)+len(p.Warnings)+len(p.Unread) > 0 {
		bw.WriteString("\n")
	}
	if p.Empty() {
		bw.WriteString(NoChanges)
	} else {
		fmt.Fprintf(bw, "Plan: %s.", p.Summary())
	}
	bw.WriteString("\n")
	renderRecertificationsText(bw, p)
	if p.reviewsAccess() {
		bw.WriteString("\n")
		if err := access.RenderText(bw, p.Access); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func opColor(o Op) string {
	switch o {
	case Create:
		return ansiGreen
	case Update:
		return ansiYellow
	case Replace, Delete:
		return ansiRed
	case Adopt:
		return ansiCyan
	}
	return ""
}

func textLine(l line, paint func(code, s string) string) string {
	return strings.TrimRight(textLine1(l, paint), " ")
}

func textLine1(l line, paint func(code, s string) string) string {
	indent := strings.Repeat("  ", l.depth)
	l.text = printable(l.text)
	switch l.kind {
	case lHeader:
		return paint(ansiBold+opColor(l.op), l.text)
	case lAdded:
		return paint(ansiGreen, indent+"+ "+l.text)
	case lRemoved:
		return paint(ansiRed, indent+"- "+l.text)
	case lSame:
		return indent + "  " + l.text
	}
	return indent + l.text
}
