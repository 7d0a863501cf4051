package access

import "strings"

// normalizeCondition is the text two conditions are compared by: trimmed, and every run of
// white space outside string literals made one space, so that reflowing a condition over
// several YAML lines is not a change of access. Literals are kept byte for byte: 'a  b' and
// 'a b' are different values. CEL literals are quoted with ' or ", single or tripled, with
// backslash escapes (raw strings have none, but a backslash before the closing quote cannot end
// a raw literal either, so treating it as an escape only matters for malformed input).
func normalizeCondition(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = true
			i++
			continue
		case c == '\'' || c == '"':
			if space {
				b.WriteByte(' ')
				space = false
			}
			end := literalEnd(s, i)
			b.WriteString(s[i:end])
			i = end
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// literalEnd returns the index just past the string literal starting at s[i], or len(s) when it
// is not closed.
func literalEnd(s string, i int) int {
	q := s[i : i+1]
	if strings.HasPrefix(s[i:], q+q+q) {
		q = q + q + q
	}
	for j := i + len(q); j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if strings.HasPrefix(s[j:], q) {
			return j + len(q)
		}
	}
	return len(s)
}
