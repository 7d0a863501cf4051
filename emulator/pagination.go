package emulator

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// IAM lists default to 20 items per page and accept at most 100 (BEHAVIOUR.md §2). Account
// projects have a larger, unknown default (≥ 42 recorded); 100 is this emulator's choice.
const (
	iamDefaultPageSize     = 20
	projectDefaultPageSize = 100
	maxPageSize            = 100
)

// query wraps url.Values with the validations every list shares; the first failure wins.
type query struct {
	v   url.Values
	err *apiError
}

func (q *query) str(name string) (string, bool) {
	vals, ok := q.v[name]
	if !ok || len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		// Accept both repeated keys (what the SDK sends) and comma-separated values.
		for _, p := range strings.Split(v, ",") {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (q *query) boolean(name string) *bool {
	s, ok := q.str(name)
	if !ok || s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail(errInvalid(name, "format", "value must be true or false"))
		return nil
	}
	return &b
}

func (q *query) fail(e *apiError) {
	if q.err == nil {
		q.err = e
	}
}

// enum returns the value of name if it is one of allowed, def when absent.
func (q *query) enum(name, def string, allowed ...string) string {
	s, ok := q.str(name)
	if !ok || s == "" {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.fail(errInvalid(name, "format", fmt.Sprintf("value must be one of: %s", strings.Join(allowed, ", "))))
	return def
}

// timestamp parses an RFC 3339 filter; absent is nil.
func (q *query) timestamp(name string) *time.Time {
	s, ok := q.str(name)
	if !ok || s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		q.fail(errInvalid(name, "format", "value must be an RFC 3339 timestamp"))
		return nil
	}
	return &t
}

// uuids validates a repeated ID filter.
func (q *query) uuids(name string) []string {
	ids := q.list(name)
	for _, id := range ids {
		if !isUUID(id) {
			q.fail(errInvalid(name, "format", "value must be a valid UUID"))
		}
	}
	return ids
}

// page returns the 1-based page and the page size.
func (q *query) page(defSize int) (page, size int) {
	page, size = 1, defSize
	if s, ok := q.str("page"); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			q.fail(errInvalid("page", "constraint", "value must be greater than or equal to 1"))
			return 1, defSize
		}
		page = n
	}
	if s, ok := q.str("page_size"); ok && s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			q.fail(errInvalid("page_size", "constraint", "value must be between 1 and 100"))
			return page, defSize
		}
		size = n
	}
	return page, size
}

// paginate cuts one page out of items; a page past the end is empty (its total_count stays
// right, which is what the SDK's all-pages loop needs, BEHAVIOUR.md §2).
func paginate[T any](items []T, page, size int) []T {
	start := (page - 1) * size
	if start >= len(items) || start < 0 {
		return []T{}
	}
	end := start + size
	if end > len(items) {
		end = len(items)
	}
	return items[start:end]
}

// containsFold is the emulator's choice for name/description filters, which the recordings
// cannot tell apart from exact matching (BEHAVIOUR.md §3, §9): case-insensitive substring.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// hasTag is exact membership: the recorded tag filters return only carriers of that tag.
func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
