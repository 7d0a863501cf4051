package access

import (
	"fmt"
	"strings"
	"unicode"
)

// Escaping for terminals and Markdown. Names, emails, policy names and conditions come from
// manifests or from the organization, where anyone with IAM rights may have set them: they must
// not move a terminal's cursor, recolour it, reorder what a reviewer reads, or be read as HTML
// or Markdown in a comment. These are private copies of plan's printable, codeSpan and mdEscape
// (plan/render.go, plan/markdown.go), kept in step by hand until one package holds them for both.

// printable escapes control and bidirectional-formatting characters (tab aside).
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

// codeSpan quotes s as inline code, with a delimiter longer than any backtick run in it.
func codeSpan(s string) string {
	d := strings.Repeat("`", longestRun(s)+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return d + " " + s + " " + d
	}
	return d + s + d
}

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`")

// mdEscape keeps text from being read as HTML or Markdown.
func mdEscape(s string) string { return mdEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// htmlText escapes s for HTML (a <summary>, where Markdown is not read).
func htmlText(s string) string { return htmlEscaper.Replace(s) }

// cell makes s safe inside a Markdown table cell: GitHub splits cells on every unescaped |,
// code spans included.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
