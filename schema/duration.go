package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a manifest duration: Go's syntax (12h, 1h30m) plus days (d = 24h) and
// weeks (w = 7d), which Go lacks and key lifetimes need. Units may be combined: 1w2d.
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: expected a number before %q", s, rest)
		}
		num := rest[:i]
		rest = rest[i:]
		j := 0
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		var part time.Duration
		switch unit {
		case "d", "w":
			x, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("duration %q: bad number %q", s, num)
			}
			day := 24 * time.Hour
			if unit == "w" {
				day *= 7
			}
			f := x * float64(day)
			if f >= float64(1<<63-1) {
				return 0, fmt.Errorf("duration %q is too long", s)
			}
			part = time.Duration(f)
		case "":
			return 0, fmt.Errorf("duration %q: missing unit after %s (use w, d, h, m or s)", s, num)
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				if strings.Contains(err.Error(), "invalid duration") || strings.Contains(err.Error(), "overflow") {
					return 0, fmt.Errorf("duration %q: %s%s is not a duration (units: w, d, h, m, s)", s, num, unit)
				}
				return 0, fmt.Errorf("duration %q: %w", s, err)
			}
			part = d
		}
		if total > (1<<63-1)-part {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += part
	}
	return total, nil
}

// FormatDuration writes d in the manifest syntax ParseDuration reads, preferring whole weeks and
// days (90d rather than 2160h0m0s).
func FormatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d <= 0:
		return d.String()
	case d%(7*day) == 0:
		return fmt.Sprintf("%dw", d/(7*day))
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
