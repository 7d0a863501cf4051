package escape

// Look-alike names. A reviewer reading "application/аdmins" in a plan cannot tell that its
// first letter is Cyrillic; nor see a trailing space or a zero-width space. LookAlike compares
// names by their skeleton, what they look like:
//
//   - NFKC compatibility forms are folded (fullwidth ａ is a, the no-break space a space);
//   - the Cyrillic, Greek, Armenian and other letters in the homoglyphs table below, which are
//     drawn like a Latin letter in common fonts, become that letter, and the dashes and minus
//     signs become -;
//   - invisible characters (those Printable escapes) are removed, surrounding spaces trimmed.
//
// Case is kept: names that differ in case are visibly different in a review, and plain ASCII
// mix-ups (l and 1, O and 0) are left to the reader, who sees ASCII in a monospace plan. The
// table is deliberately small (Unicode's confusables.txt has over 6,000 entries): it holds
// the letters an attacker would reach for first; a name with a character outside it is
// still shown with that character escaped when it is invisible.

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// glyph is what a look-alike character is drawn as, and its Unicode name for messages.
type glyph struct {
	as   string
	name string
}

var homoglyphs = map[rune]glyph{
	// Cyrillic.
	'а': {"a", "CYRILLIC SMALL LETTER A"}, 'в': {"B", "CYRILLIC SMALL LETTER VE"},
	'е': {"e", "CYRILLIC SMALL LETTER IE"}, 'о': {"o", "CYRILLIC SMALL LETTER O"},
	'р': {"p", "CYRILLIC SMALL LETTER ER"}, 'с': {"c", "CYRILLIC SMALL LETTER ES"},
	'у': {"y", "CYRILLIC SMALL LETTER U"}, 'х': {"x", "CYRILLIC SMALL LETTER HA"},
	'ѕ': {"s", "CYRILLIC SMALL LETTER DZE"}, 'і': {"i", "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"},
	'ј': {"j", "CYRILLIC SMALL LETTER JE"}, 'һ': {"h", "CYRILLIC SMALL LETTER SHHA"},
	'ԁ': {"d", "CYRILLIC SMALL LETTER KOMI DE"}, 'ԛ': {"q", "CYRILLIC SMALL LETTER QA"},
	'ԝ': {"w", "CYRILLIC SMALL LETTER WE"}, 'ӏ': {"l", "CYRILLIC SMALL LETTER PALOCHKA"},
	'А': {"A", "CYRILLIC CAPITAL LETTER A"}, 'В': {"B", "CYRILLIC CAPITAL LETTER VE"},
	'Е': {"E", "CYRILLIC CAPITAL LETTER IE"}, 'К': {"K", "CYRILLIC CAPITAL LETTER KA"},
	'М': {"M", "CYRILLIC CAPITAL LETTER EM"}, 'Н': {"H", "CYRILLIC CAPITAL LETTER EN"},
	'О': {"O", "CYRILLIC CAPITAL LETTER O"}, 'Р': {"P", "CYRILLIC CAPITAL LETTER ER"},
	'С': {"C", "CYRILLIC CAPITAL LETTER ES"}, 'Т': {"T", "CYRILLIC CAPITAL LETTER TE"},
	'Х': {"X", "CYRILLIC CAPITAL LETTER HA"}, 'Ѕ': {"S", "CYRILLIC CAPITAL LETTER DZE"},
	'І': {"I", "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I"}, 'Ј': {"J", "CYRILLIC CAPITAL LETTER JE"},
	'Ү': {"Y", "CYRILLIC CAPITAL LETTER STRAIGHT U"}, 'Ԛ': {"Q", "CYRILLIC CAPITAL LETTER QA"},
	'Ԝ': {"W", "CYRILLIC CAPITAL LETTER WE"}, 'Ӏ': {"l", "CYRILLIC LETTER PALOCHKA"},
	// Greek.
	'α': {"a", "GREEK SMALL LETTER ALPHA"}, 'ο': {"o", "GREEK SMALL LETTER OMICRON"},
	'ν': {"v", "GREEK SMALL LETTER NU"}, 'ρ': {"p", "GREEK SMALL LETTER RHO"},
	'ι': {"i", "GREEK SMALL LETTER IOTA"}, 'κ': {"k", "GREEK SMALL LETTER KAPPA"},
	'υ': {"u", "GREEK SMALL LETTER UPSILON"}, 'χ': {"x", "GREEK SMALL LETTER CHI"},
	'Α': {"A", "GREEK CAPITAL LETTER ALPHA"}, 'Β': {"B", "GREEK CAPITAL LETTER BETA"},
	'Ε': {"E", "GREEK CAPITAL LETTER EPSILON"}, 'Ζ': {"Z", "GREEK CAPITAL LETTER ZETA"},
	'Η': {"H", "GREEK CAPITAL LETTER ETA"}, 'Ι': {"I", "GREEK CAPITAL LETTER IOTA"},
	'Κ': {"K", "GREEK CAPITAL LETTER KAPPA"}, 'Μ': {"M", "GREEK CAPITAL LETTER MU"},
	'Ν': {"N", "GREEK CAPITAL LETTER NU"}, 'Ο': {"O", "GREEK CAPITAL LETTER OMICRON"},
	'Ρ': {"P", "GREEK CAPITAL LETTER RHO"}, 'Τ': {"T", "GREEK CAPITAL LETTER TAU"},
	'Υ': {"Y", "GREEK CAPITAL LETTER UPSILON"}, 'Χ': {"X", "GREEK CAPITAL LETTER CHI"},
	// Others drawn as Latin letters.
	'ı': {"i", "LATIN SMALL LETTER DOTLESS I"}, 'օ': {"o", "ARMENIAN SMALL LETTER OH"},
	'ս': {"u", "ARMENIAN SMALL LETTER SEH"}, 'ɑ': {"a", "LATIN SMALL LETTER ALPHA"},
	'ɡ': {"g", "LATIN SMALL LETTER SCRIPT G"},
	// Dashes drawn as a hyphen-minus.
	'‐': {"-", "HYPHEN"}, '‑': {"-", "NON-BREAKING HYPHEN"}, '‒': {"-", "FIGURE DASH"},
	'–': {"-", "EN DASH"}, '—': {"-", "EM DASH"}, '−': {"-", "MINUS SIGN"},
}

// invisibleNames names the invisible characters an attacker reaches for; others are shown by
// code point only.
var invisibleNames = map[rune]string{
	' ': "SPACE", '\u00a0': "NO-BREAK SPACE", '\u00ad': "SOFT HYPHEN", '\u061c': "ARABIC LETTER MARK",
	'\u200b': "ZERO WIDTH SPACE", '\u200c': "ZERO WIDTH NON-JOINER", '\u200d': "ZERO WIDTH JOINER",
	'\u200e': "LEFT-TO-RIGHT MARK", '\u200f': "RIGHT-TO-LEFT MARK",
	'\u202a': "LEFT-TO-RIGHT EMBEDDING", '\u202b': "RIGHT-TO-LEFT EMBEDDING", '\u202c': "POP DIRECTIONAL FORMATTING",
	'\u202d': "LEFT-TO-RIGHT OVERRIDE", '\u202e': "RIGHT-TO-LEFT OVERRIDE",
	'\u2060': "WORD JOINER", '\u2066': "LEFT-TO-RIGHT ISOLATE", '\u2067': "RIGHT-TO-LEFT ISOLATE",
	'\u2068': "FIRST STRONG ISOLATE", '\u2069': "POP DIRECTIONAL ISOLATE", '\ufeff': "ZERO WIDTH NO-BREAK SPACE",
}

// Skeleton is what s looks like: equal skeletons mean a reader cannot tell the names apart.
func Skeleton(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(s) {
		switch g, ok := homoglyphs[r]; {
		case ok:
			b.WriteString(g.as)
		case unsafeRune(r) && !unicode.IsSpace(r), r == '\t':
			// Invisible: dropped. (Spaces count, but only inside the name.)
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimFunc(b.String(), unicode.IsSpace)
}

// LookAlike reports whether a and b differ but cannot be told apart by eye.
func LookAlike(a, b string) bool { return a != b && Skeleton(a) == Skeleton(b) }

// Deceptive reports whether s holds a character that is not what it looks like: one that
// Skeleton changes, drops or trims.
func Deceptive(s string) bool { return len(Suspects(s)) > 0 }

// Suspects lists the characters of s that are not what they look like, with their code point,
// name when known, and 1-based position in characters: "U+0430 CYRILLIC SMALL LETTER A at 1",
// "trailing U+0020 SPACE at 7", "U+FF41 (a form of "a") at 1".
func Suspects(s string) []string {
	var out []string
	lead := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	trail := len(strings.TrimRightFunc(s, unicode.IsSpace))
	i := 0
	for off, r := range s {
		i++
		var what string
		switch g, ok := homoglyphs[r]; {
		case off < lead:
			what = "leading " + describe(r, invisibleNames[r]) + fmt.Sprintf(" at %d", i)
		case off >= trail:
			what = "trailing " + describe(r, invisibleNames[r]) + fmt.Sprintf(" at %d", i)
		case ok:
			what = describe(r, g.name) + fmt.Sprintf(" at %d", i)
		case r == '\t' || (unsafeRune(r) && r != ' '):
			what = describe(r, invisibleNames[r]) + fmt.Sprintf(" at %d", i)
		case norm.NFKC.String(string(r)) != string(r):
			what = describe(r, "") + fmt.Sprintf(" (a form of %s) at %d", Quote(norm.NFKC.String(string(r))), i)
		}
		if what != "" {
			out = append(out, what)
		}
	}
	return out
}

func describe(r rune, name string) string {
	if name == "" {
		return fmt.Sprintf("%U", r)
	}
	return fmt.Sprintf("%U %s", r, name)
}
