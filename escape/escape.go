// Package escape makes text from manifests or the organization safe to show: in a terminal
// (no control or bidirectional characters) and in Markdown (not read as markup or HTML).
//
// Names, emails, descriptions and conditions may be set by anyone with IAM rights: they must not
// move a terminal's cursor, recolour it, reorder what a reviewer reads, or turn into links and
// HTML in a pull-request comment.
package escape

import (
	"fmt"
	"strings"
	"unicode"
)

// Printable escapes control and bidirectional-formatting characters (tab aside) as \xNN or
// \uNNNN.
func Printable(s string) string {
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

// CodeSpan quotes s as inline code, with a delimiter longer than any backtick run in it.
func CodeSpan(s string) string {
	d := strings.Repeat("`", longestRun(s)+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return d + " " + s + " " + d
	}
	return d + s + d
}

var markdown = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`")

// Markdown keeps s from being read as HTML or Markdown.
func Markdown(s string) string { return markdown.Replace(s) }

var markdownHint = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`)

// MarkdownHint is Markdown but for backticks: hints quote what to type as code.
func MarkdownHint(s string) string { return markdownHint.Replace(s) }

var html = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// HTML escapes s for HTML (a <summary>, where Markdown is not read).
func HTML(s string) string { return html.Replace(s) }

// TableCell makes s safe inside a Markdown table cell: GitHub splits cells on every unescaped
// |, code spans included.
func TableCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
