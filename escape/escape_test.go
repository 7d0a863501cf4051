package escape

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain\tname":         "plain\tname",
		"red\x1b[31m":         `red\x1b[31m`,
		"abc\u202edcba":       `abc\u202edcba`,
		"line\u2028separator": `line\u2028separator`,
		"new\nline\rback\b":   `new\x0aline\x0dback\x08`,
		"zero\u200bwidth":     `zero\u200bwidth`,
		"soft\u00adhyphen":    `soft\u00adhyphen`,
		"bom\ufeff":           `bom\ufeff`,
		"isolate\u2066x":      `isolate\u2066x`,
		"alm\u061c":           `alm\u061c`,
		"nbsp\u00a0":          `nbsp\u00a0`,
		"vs\ufe0f":            `vs\ufe0f`,
		"filler\u3164":        `filler\u3164`,
		"tag\U000e0041":       `tag\U000e0041`,
		"c1\u0085":            `c1\u0085`,
		"café аdmins ✓":       "café аdmins ✓",
	} {
		got := Printable(in)
		if got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
		if Printable(got) != got {
			t.Errorf("Printable is not idempotent on %q", in)
		}
	}
}

func TestQuoteAndName(t *testing.T) {
	for in, want := range map[string]string{
		"admins":          "admins",
		"":                `""`,
		"admins ":         `"admins "`,
		" admins":         `" admins"`,
		"ad\u200bmins":    `"ad\u200bmins"`,
		"a\"b":            `"a\"b"`,
		`a\u200bb`:        `"a\\u200bb"`, // a literal backslash cannot pass for an escape
		"tab\there":       `"tab\x09here"`,
		"two words":       "two words",
		"аdmins":          "аdmins", // a look-alike is printable: LookAlike tells it apart
		"x\ufe0f":         `"x\ufe0f"`,
		"line\nforged: 1": `"line\x0aforged: 1"`,
	} {
		got := Name(in)
		if got != want {
			t.Errorf("Name(%q) = %s, want %s", in, got, want)
		}
		q := Quote(in)
		if back, err := strconv.Unquote(q); err != nil || back != in {
			t.Errorf("Quote(%q) = %s does not read back (%q, %v)", in, q, back, err)
		}
	}
}

func TestMarkdown(t *testing.T) {
	if got := Markdown("<b>*x*</b> [l](u) `c` a|b ~~s~~ \\"); got != "&lt;b&gt;\\*x\\*&lt;/b&gt; \\[l\\](u) \\`c\\` a\\|b \\~\\~s\\~\\~ \\\\" {
		t.Errorf("Markdown = %q", got)
	}
	for in, want := range map[string]string{
		"a``b":     "```a``b```",
		"`x":       "`` `x ``",
		" x":       "`  x `",
		"x ":       "` x  `",
		"":         "` `",
		"esc\x1b[": "`esc\\x1b[`",
	} {
		if got := CodeSpan(in); got != want {
			t.Errorf("CodeSpan(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Code("admins "); got != "`\"admins \"`" {
		t.Errorf("Code = %q", got)
	}
	if got := CodeFence("has ```` inside"); got != "`````" {
		t.Errorf("CodeFence = %q", got)
	}
	if got := TableCell("a|b"); got != `a\|b` {
		t.Errorf("TableCell = %q", got)
	}
	if got := HTML("<\"&>\u202e"); got != `&lt;&quot;&amp;&gt;\u202e` {
		t.Errorf("HTML = %q", got)
	}
	if got := SARIF("see [x](https://evil)\x1b"); got != `see \[x\](https://evil)\x1b` {
		t.Errorf("SARIF = %q", got)
	}
	if got := YAMLComment("a\nkey: forged"); strings.Contains(got, "\n") {
		t.Errorf("YAMLComment = %q", got)
	}
}

func TestMessage(t *testing.T) {
	for in, want := range map[string]string{
		`owned by stack "web"`:                       "owned by stack `web`",
		`description is "[Approve](https://evil)"`:   "description is `[Approve](https://evil)`",
		`named "@team" and "x "`:                     "named `@team` and `\"x \"`",
		`mentions "a`:                                "mentions `\"a`",
		"unquoted @team and https://evil *bold*":     "unquoted `@team` and `https://evil` \\*bold\\*",
		`quoted "a\"b" then <img src=x>`:             "quoted `\"a\\\"b\"` then &lt;img src=x&gt;",
		"its description mentions \"ci\u200b\"":      "its description mentions `\"ci\\u200b\"`",
		"it's fine: a policy grants AllProductsFull": "it's fine: a policy grants AllProductsFull",
		"add `adopt: true` or run `x`":               "add `adopt: true` or run `x`",
		"open `tick":                                 "open `` `tick ``",
	} {
		if got := Message(in); got != want {
			t.Errorf("Message(%q)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestLookAlike(t *testing.T) {
	for _, c := range []struct {
		a, b     string
		want     bool
		suspects []string
	}{
		{"аdmins", "admins", true, []string{"U+0430 CYRILLIC SMALL LETTER A at 1"}},
		{"admins ", "admins", true, []string{"trailing U+0020 SPACE at 7"}},
		{" admins", "admins", true, []string{"leading U+0020 SPACE at 1"}},
		{"ad\u200bmins", "admins", true, []string{"U+200B ZERO WIDTH SPACE at 3"}},
		{"ａdmins", "admins", true, []string{`U+FF41 (a form of "a") at 1`}},
		{"ci–deployer", "ci-deployer", true, []string{"U+2013 EN DASH at 3"}},
		{"οps", "ops", true, []string{"U+03BF GREEK SMALL LETTER OMICRON at 1"}},
		{"Admins", "admins", false, nil},
		{"admins", "admins", false, nil},
		{"admin", "admins", false, nil},
		{"café", "cafe", false, nil},
	} {
		if got := LookAlike(c.a, c.b); got != c.want {
			t.Errorf("LookAlike(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := Suspects(c.a); !slices.Equal(got, c.suspects) {
			t.Errorf("Suspects(%q) = %q, want %q", c.a, got, c.suspects)
		}
	}
}
