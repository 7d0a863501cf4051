package live

import (
	"context"
	"fmt"

	"github.com/iamsync/iamsync/model"
)

// ListAll lists every live resource of kind (for API keys: every application's key), for
// apply to settle a whole phase of creations with one list instead of one per creation
// (apply/settle.go). Settlement relies on one property: every resource created before the
// list started is in it, even while other runs create and delete resources of the kind (a
// twin's loser deletes its copy while the winner lists). An ordinary paginated read does not
// give that: a deletion on an early page, between two page reads, moves an item of the next
// page onto the one already read, and it is never seen.
//
// So the list is ordered by created_at ascending (a new resource always lands at the end, so
// creations never move an earlier item; BEHAVIOUR.md §5.7 for the default order, asked for
// explicitly here), and after page 1 (which gives the total) the pages are read one at a time
// from the last down to the first, page 1 again included. A resource that exists throughout
// only ever moves to earlier positions. Let f(k) be its page when page k is read: as k falls by
// one per read, f never grows, so f(k) − k rises by at most one per read; it is ≤ 0 at the last
// page and ≥ 0 at page 1, so it is 0 at some read, which sees the resource. Cost: the pages
// plus one, read in sequence. No filter is used: a tag filter would let a tag added to an older
// resource (another run adopting it) insert it mid-list, which breaks the property; keys have
// no tags, and the semantics of the description filter are unknown (BEHAVIOUR.md §3).
func (c *Client) ListAll(ctx context.Context, kind model.Kind) ([]model.Found, error) {
	fetch, err := c.pages(ctx, kind, "", "")
	if err != nil {
		return nil, err
	}
	found, err := listBackwards(kind, fetch, c.maxObjects)
	if kind == model.KindAPIKey {
		found = applicationKeys(found)
	}
	return found, err
}

// listBackwards is ListAll's read. Its pages are bounded as every list's (pages.go): the
// total is checked against maxObjects before page 2, and the page count is the first page's.
// Repeated items are expected here (an item moving back is read twice), so they are only
// dropped.
func listBackwards(kind model.Kind, fetch pager, maxObjects int) ([]model.Found, error) {
	first, total, err := fetch(1)
	if err != nil {
		return nil, fmt.Errorf("list %ss (page 1): %w", kind, err)
	}
	if err := checkTotal(string(kind)+"s", uint64(total), maxObjects); err != nil {
		return nil, err
	}
	if len(first) == 0 || uint32(len(first)) >= total {
		return first, nil
	}
	pages := pageCount(uint64(total), len(first)) // the first page's length: the page size the API applied
	seen := map[string]bool{}
	var out []model.Found
	for p := pages; p >= 1; p-- {
		items, _, err := fetch(p)
		if err != nil {
			return nil, fmt.Errorf("list %ss (page %d): %w", kind, p, err)
		}
		for _, f := range items {
			if !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}
