// Package escape is the one rule by which iamsync shows text it does not control (names,
// descriptions, emails, conditions: anyone with IAM write rights sets them), so that it reads
// as exactly what it is in a terminal, a Markdown comment, a SARIF alert or a YAML comment.
//
// The rule, for every renderer:
//   - Control characters, bidirectional overrides and isolates, zero-width and other
//     invisible characters are written as visible escapes (\x1b, \u202e, \u200b): they must
//     not move a terminal's cursor, recolour it, forge a line, reorder what a reviewer reads,
//     or hide inside a name that looks like another (Printable).
//   - A name standing alone is shown as is when that is unambiguous, else Go-quoted: empty,
//     surrounding spaces, escapes, quotes or backslashes (Name). Messages quote the names and
//     values they mention with %q or Quote, so renderers can find them again.
//   - In Markdown, text from outside is only ever inline code, with a fence no backtick in it
//     can close (Code, CodeSpan): never links, images, mentions or HTML. Messages become prose
//     with their quoted literals as code (Message). Table cells also escape | (TableCell).
//   - Names that differ only by look-alike characters are told apart (LookAlike, confusable.go).
package escape

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// unsafeRune reports whether r must not reach a reader raw: control characters (tab aside,
// for the text diffs of descriptions), anything Go does not consider printable (format
// characters such as bidi controls and zero-width spaces, separators other than the space,
// private use, unassigned), and the printable-but-blank characters listed in invisible.
func unsafeRune(r rune) bool {
	if r == '\t' {
		return false
	}
	return !strconv.IsPrint(r) || invisible(r)
}

// invisible lists characters Go deems printable that show nothing: combining grapheme joiner,
// Hangul and Khmer fillers, Mongolian and Unicode variation selectors, braille blank.
func invisible(r rune) bool {
	switch {
	case r == '\u034f', r == '\u115f', r == '\u1160', r == '\u17b4', r == '\u17b5',
		r == '\u2800', r == '\u3164', r == '\uffa0':
		return true
	case r >= '\u180b' && r <= '\u180f', r >= '\ufe00' && r <= '\ufe0f', r >= 0xe0100 && r <= 0xe01ef:
		return true
	}
	return false
}

// writeEscaped writes r as a Go escape: \xNN for ASCII, \uNNNN, or \UNNNNNNNN.
func writeEscaped(b *strings.Builder, r rune) {
	switch {
	case r < 0x80:
		fmt.Fprintf(b, "\\x%02x", r)
	case r <= 0xffff:
		fmt.Fprintf(b, "\\u%04x", r)
	default:
		fmt.Fprintf(b, "\\U%08x", r)
	}
}

// Printable escapes every unsafe character of s visibly (\x1b, \u202e). It is idempotent: the
// escapes are plain ASCII.
func Printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			writeEscaped(&b, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Quote is s in double quotes with Go's escapes for ", \ and every unsafe character (tab
// included): like %q, which leaves the invisible printable characters raw, but otherwise the
// same syntax, so strconv.Unquote reads it back.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t' || unsafeRune(r):
			writeEscaped(&b, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Name shows a name, key or email: as is when what a reader sees is exactly what it is,
// Quote'd when it is empty, has surrounding spaces, or holds anything Printable would escape
// or that could be mistaken for an escape or a quote (\ and ").
func Name(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r == '\t' || r == '\\' || r == '"' || unsafeRune(r) }) ||
		strings.TrimFunc(s, unicode.IsSpace) != s {
		return Quote(s)
	}
	return s
}

// longestRun is the length of the longest run of backticks in s.
func longestRun(s string) int {
	n, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			n = max(n, run)
		} else {
			run = 0
		}
	}
	return n
}

// CodeFence returns a backtick fence longer than any backtick run in s.
func CodeFence(s string) string { return strings.Repeat("`", max(3, longestRun(s)+1)) }

// CodeSpan quotes s, made Printable, as inline code: its delimiter is longer than any backtick
// run in it, and it is padded with a space when it starts or ends with a backtick or a space
// (CommonMark strips one space on each side of a padded span, so the content reads exactly).
func CodeSpan(s string) string {
	s = Printable(s)
	if s == "" {
		return "` `"
	}
	d := strings.Repeat("`", longestRun(s)+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return d + " " + s + " " + d
	}
	return d + s + d
}

// Code is a name as inline Markdown code: CodeSpan of its Name.
func Code(s string) string { return CodeSpan(Name(s)) }

var markdown = strings.NewReplacer("\\", `\\`, "&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`", "~", `\~`, "|", `\|`)

// Markdown keeps prose, made Printable, from being read as HTML or Markdown. A mention or a
// bare link would survive it (GitHub finds those in the rendered text): text iamsync does not
// control goes through Code or Message instead.
func Markdown(s string) string { return markdown.Replace(Printable(s)) }

var html = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// HTML escapes s, made Printable, for HTML, where Markdown is not read. Text from outside goes
// inside <code> there, where GitHub looks for no mention.
func HTML(s string) string { return html.Replace(Printable(s)) }

// TableCell makes s safe inside a Markdown table cell: GitHub splits cells on every unescaped
// |, code spans included (and shows \| in a code span as |).
func TableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Message renders a message iamsync composed (a reason, a hint, a finding, a warning) as
// Markdown prose: each double-quoted Go literal in it (how messages quote names and values)
// becomes inline code of its Name, each `backquoted` command inline code of its text, and the
// rest is escaped prose. As a second line of defence, a word of the prose with @ or :// (an
// unquoted email, mention or link) is inline code too, and a stray quote makes the rest of the
// message code: whatever the message holds, nothing in it renders as a link, an image, a
// mention or HTML.
func Message(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexAny(s, "\"`")
		if i < 0 {
			b.WriteString(prose(s))
			break
		}
		b.WriteString(prose(s[:i]))
		if s[i] == '`' {
			end := strings.IndexByte(s[i+1:], '`')
			if end < 0 {
				b.WriteString(CodeSpan(s[i:]))
				break
			}
			b.WriteString(CodeSpan(s[i+1 : i+1+end]))
			s = s[i+1+end+1:]
			continue
		}
		lit, err := strconv.QuotedPrefix(s[i:])
		if err != nil {
			b.WriteString(CodeSpan(s[i:]))
			break
		}
		v, _ := strconv.Unquote(lit)
		b.WriteString(Code(v))
		s = s[i+len(lit):]
	}
	return b.String()
}

// mentionOrLink finds what GitHub would turn into a mention, an email link or a URL.
var mentionOrLink = regexp.MustCompile(`@\w|://|(?i)^www\.`)

// prose escapes text between a message's quoted literals, word by word.
func prose(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if mentionOrLink.MatchString(w) {
			words[i] = CodeSpan(w)
		} else {
			words[i] = Markdown(w)
		}
	}
	return strings.Join(words, " ")
}

// SARIF makes s safe in a SARIF message's text: Printable, with [ and ] escaped, which
// SARIF 2.1.0 §3.11.6 reads as literal characters instead of the start of an embedded link
// (GitHub code scanning renders those as links).
func SARIF(s string) string { return sarif.Replace(Printable(s)) }

var sarif = strings.NewReplacer("[", `\[`, "]", `\]`)

// YAMLComment makes s safe as the text of a YAML comment: Printable, which leaves no line break
// to end the comment and start a forged key.
func YAMLComment(s string) string { return Printable(s) }
