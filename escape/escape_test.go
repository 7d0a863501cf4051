package escape

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain\tname":         "plain\tname",
		"red\x1b[31m":         `red\x1b[31m`,
		"abc\u202edcba":       `abc\u202edcba`,
		"line\u2028separator": `line\u2028separator`,
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	if got := Markdown("<b>*x*</b> [l](u) `c`"); got != "&lt;b&gt;\\*x\\*&lt;/b&gt; \\[l\\](u) \\`c\\`" {
		t.Errorf("Markdown = %q", got)
	}
	if got := MarkdownHint("run `iamsync plan` <now>"); got != "run `iamsync plan` &lt;now&gt;" {
		t.Errorf("MarkdownHint = %q", got)
	}
	if got := CodeSpan("a``b"); got != "```a``b```" {
		t.Errorf("CodeSpan = %q", got)
	}
	if got := CodeSpan("`x"); got != "`` `x ``" {
		t.Errorf("CodeSpan = %q", got)
	}
	if got := CodeFence("has ```` inside"); got != "`````" {
		t.Errorf("CodeFence = %q", got)
	}
	if got := TableCell("a|b"); got != `a\|b` {
		t.Errorf("TableCell = %q", got)
	}
	if got := HTML(`<"&>`); got != "&lt;&quot;&amp;&gt;" {
		t.Errorf("HTML = %q", got)
	}
}
