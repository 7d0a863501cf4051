package plan

// Rendering. Only the renderers format: Diff produces data, and RenderText and RenderMarkdown
// lay the same lines out for a terminal or a pull-request comment. Both are deterministic (the
// plan is sorted, nothing reads the clock), so golden files can pin them and a plan read back
// from JSON renders the same.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"

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

// actionLines lays out one action of p.
func actionLines(p *Plan, a Action) []line {
	head := a.Op.Symbol() + " " + escape.Name(a.Key.String())
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
		ls = append(ls, changeLines(p, c)...)
	}
	for i := range ls {
		ls[i].op = a.Op
	}
	return ls
}

func changeLines(p *Plan, c Change) []line {
	field := c.Field.String()
	if c.Field.IsSet() {
		ls := []line{{kind: lField, depth: 2, text: field + ":"}}
		for _, s := range p.valueTexts(c.Field, c.Added) {
			ls = append(ls, line{kind: lAdded, depth: 3, text: s})
		}
		for _, s := range p.valueTexts(c.Field, c.Removed) {
			ls = append(ls, line{kind: lRemoved, depth: 3, text: s})
		}
		return ls
	}
	var old, new string
	if c.Old != nil {
		old = p.ValueText(c.Field, *c.Old)
	}
	if c.New != nil {
		new = p.ValueText(c.Field, *c.New)
	}
	if strings.Contains(old, "\n") || strings.Contains(new, "\n") {
		return append([]line{{kind: lField, depth: 2, text: field + ":"}}, textDiff(old, new)...)
	}
	if c.Field.quoted() {
		old, new = strconv.Quote(old), strconv.Quote(new)
	}
	if c.Old == nil {
		return []line{{kind: lField, depth: 2, text: fmt.Sprintf("%s: %s", field, new)}}
	}
	return []line{{kind: lField, depth: 2, text: fmt.Sprintf("%s: %s → %s", field, old, new)}}
}

// ValueText shows a value of field as a reviewer reads it: members as application:NAME or
// user:EMAIL, principals as "application NAME" (or "none"), rules as model.Rule.Canonical and
// projects as the plan carries them (by name where no other project has it), expiries as an instant, "90d after creation" or
// "never". It is the one place values are formatted (audit's findings use it too).
func (p *Plan) ValueText(field Field, v Value) string {
	switch field {
	case FieldMembers:
		if v.Member == nil {
			return ""
		}
		return string(v.Member.Kind) + ":" + v.Member.Name
	case FieldPrincipal:
		if v.Principal == nil {
			return model.Principal{}.String()
		}
		return v.Principal.String()
	case FieldRules:
		if v.Rule == nil {
			return ""
		}
		return v.Rule.Canonical()
	case FieldDefaultProject, FieldProject:
		return v.Project
	case FieldPassword:
		return "generated, stored in the secrets file as " + v.Text
	case FieldBearerToken:
		return "issued by Scaleway, stored in the secrets store as " + v.Text
	case FieldLocked, FieldWelcomeEmail, FieldDisabled, FieldPasswordRenewal,
		FieldLoginPassword, FieldLoginOAuth2, FieldLoginMagicCode, FieldLoginSAML:
		return fmt.Sprint(v.Bool != nil && *v.Bool)
	case FieldGracePeriod, FieldMaxLoginSession, FieldMaxKeyLifetime:
		if v.Duration == nil || *v.Duration == 0 {
			return "0"
		}
		return durationString(*v.Duration)
	case FieldLoginAttempts:
		if v.Number == nil {
			return "0"
		}
		return fmt.Sprint(*v.Number)
	case FieldSessions:
		if v.Number == nil || *v.Number == 0 {
			return "revoked"
		}
		return fmt.Sprintf("%d open", *v.Number)
	case FieldExpiry:
		switch e := v.Expiry; {
		case e == nil, e.At == nil && e.In == 0:
			return "never"
		case e.At != nil:
			return e.At.UTC().Format(time.RFC3339Nano)
		default:
			return durationString(e.In) + " after creation"
		}
	}
	return v.Text
}

// quoted reports whether f's values are free text, shown quoted so that spaces and empty
// values are visible; flags, numbers and durations are shown bare.
func (f Field) quoted() bool {
	switch f {
	case FieldLocked, FieldWelcomeEmail, FieldDisabled, FieldPasswordRenewal, FieldGracePeriod,
		FieldLoginAttempts, FieldMaxLoginSession, FieldMaxKeyLifetime, FieldPassword, FieldSessions,
		FieldBearerToken, FieldLoginPassword, FieldLoginOAuth2, FieldLoginMagicCode, FieldLoginSAML, FieldCertificates:
		return false
	}
	return true
}

// valueTexts shows a set's values, sorted as shown.
func (p *Plan) valueTexts(field Field, vs []Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = p.ValueText(field, v)
	}
	slices.Sort(out)
	return out
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
		return escape.Name(w.Key.String())
	}
	return escape.Name(w.Key.String()) + " (" + printable(w.Pos.String()) + ")"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// printable is the escaping of all text a plan shows (package escape).
var printable = escape.Printable
