package plan

// Rendering. Only the renderers format: Diff produces data, and RenderText and RenderMarkdown
// lay the same lines out for a terminal or a pull-request comment. Both are deterministic (the
// plan is sorted, nothing reads the clock), so golden files can pin them and a plan read back
// from JSON renders the same.

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// lineKind says what a rendered line shows, so each renderer can mark and colour it.
type lineKind int

const (
	lHeader  lineKind = iota // an action's first line; op says which
	lNote                    // a reason, in comment style
	lField                   // a field name or a scalar change
	lAdded                   // an item added to a set, or a line added to a text
	lRemoved                 // an item removed from a set, or a line removed from a text
	lSame                    // an unchanged line of a multi-line text, for context
)

// line is one rendered line of an action. text excludes the indent and any +/- mark.
type line struct {
	kind  lineKind
	op    Op // the action's op
	depth int
	text  string
}

// actionLines lays out one action.
func actionLines(a Action) []line {
	head := a.Op.Symbol() + " " + printable(a.Key.String())
	var where []string
	if !a.Pos.IsZero() {
		where = append(where, a.Pos.String())
	}
	if a.ID != "" {
		where = append(where, "id "+a.ID)
	}
	if len(where) > 0 {
		head += "  # " + strings.Join(where, ", ")
	}
	ls := []line{{kind: lHeader, op: a.Op, text: head}}
	if a.Reason != "" {
		ls = append(ls, line{kind: lNote, depth: 2, text: "# " + a.Reason})
	}
	for _, c := range a.Changes {
		ls = append(ls, changeLines(a.Op, c)...)
	}
	for i := range ls {
		ls[i].op = a.Op
	}
	return ls
}

func changeLines(op Op, c FieldChange) []line {
	if c.IsSet() {
		ls := []line{{kind: lField, depth: 2, text: c.Field + ":"}}
		for _, s := range c.Added {
			ls = append(ls, line{kind: lAdded, depth: 3, text: s})
		}
		for _, s := range c.Removed {
			ls = append(ls, line{kind: lRemoved, depth: 3, text: s})
		}
		return ls
	}
	if strings.Contains(c.Old, "\n") || strings.Contains(c.New, "\n") {
		return append([]line{{kind: lField, depth: 2, text: c.Field + ":"}}, textDiff(c.Old, c.New)...)
	}
	if op == Create || (c.Old == "" && c.Field == FieldOwner) {
		return []line{{kind: lField, depth: 2, text: fmt.Sprintf("%s: %q", c.Field, c.New)}}
	}
	return []line{{kind: lField, depth: 2, text: fmt.Sprintf("%s: %q → %q", c.Field, c.Old, c.New)}}
}

// textDiff shows a change of multi-line text line by line.
func textDiff(old, new string) []line {
	// Diff whole lines only: a last line without its newline would otherwise differ from the
	// same line with one. A change of the final newline alone gets a note.
	var note []line
	if strings.HasSuffix(old, "\n") != strings.HasSuffix(new, "\n") {
		what := "removed"
		if strings.HasSuffix(new, "\n") {
			what = "added"
		}
		note = []line{{kind: lNote, depth: 3, text: "# final newline " + what}}
	}
	if !strings.HasSuffix(old, "\n") && old != "" {
		old += "\n"
	}
	if !strings.HasSuffix(new, "\n") && new != "" {
		new += "\n"
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var ls []line
	for _, d := range diffs {
		kind := lSame
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			kind = lAdded
		case diffmatchpatch.DiffDelete:
			kind = lRemoved
		}
		for _, t := range strings.SplitAfter(d.Text, "\n") {
			if t == "" {
				continue
			}
			ls = append(ls, line{kind: kind, depth: 3, text: strings.TrimSuffix(t, "\n")})
		}
	}
	return append(ls, note...)
}

func conflictWhere(c Conflict) string {
	var where []string
	if !c.Pos.IsZero() {
		where = append(where, c.Pos.String())
	}
	if c.ID != "" {
		where = append(where, "id "+c.ID)
	}
	return strings.Join(where, ", ")
}

func warningWhere(w Warning) string {
	if w.Pos.IsZero() {
		return printable(w.Key.String())
	}
	return printable(fmt.Sprintf("%s (%s)", w.Key, w.Pos))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// printable escapes control and bidirectional-formatting characters (tab aside), so that a
// name or tag someone set in the organization cannot move the cursor, recolour a terminal or
// reorder what a reviewer reads.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029')
}
