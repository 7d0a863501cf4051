package schema

import "strings"

// suggest returns the candidate closest to s, or "" when none is a plausible typo. Case is
// ignored when measuring (iamreadonly → IAMReadOnly) and ties go to the first candidate, so the
// answer is stable.
func suggest(s string, candidates []string) string {
	if len(s) > 128 {
		return "" // no name is that long; keep the quadratic distance cheap on hostile input
	}
	best, bestD := "", len(s)/3+2
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := editDistance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// didYouMean is a hint naming the closest candidate, or "".
func didYouMean(s string, candidates []string) string {
	if c := suggest(s, candidates); c != "" {
		return "did you mean " + c + "?"
	}
	return ""
}
