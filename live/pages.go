package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Pagination bounded by sense (issue 16). A list's total_count is a claim, and a hostile or
// broken API can claim anything: before, a total of four billion made listAll start a
// goroutine per page and took the machine's memory. Every list iamsync reads now:
//
//   - refuses a total_count above maxObjects (--max-objects, default DefaultMaxObjects) with a
//     *TooManyError, after page 1 and before asking for any other;
//   - asks for ceil(total / first page's length) pages at most — the SDK's own rule
//     (BEHAVIOUR.md §2): the first page's length is the page size the API applied — through
//     at most as many workers as the list may run concurrently, and stops at the first page
//     that is empty or shorter than the first (the end of the list);
//   - keeps an ID once: a list read while another client creates (policies are in name order,
//     §5.7) can show an item on two pages, which is no fault. A page made only of IDs already
//     read is one: an API that serves the same page again would be read to its claimed end
//     for nothing, so the read stops with a *RepeatError (an error rather than a quiet stop,
//     since what the other pages hold is then unknown, and a plan from half a list would
//     create what exists).
//
// So memory follows what the API actually sent, never what it claimed. ListAll's backwards
// read (settle.go) takes the first two rules but not the third: there, an item moving to an
// earlier page between reads is expected and seen twice by design.

// DefaultMaxObjects is the default ceiling of one list's total_count: ten times the largest
// organization measured (BENCHMARKS.md, 10,000 resources of all kinds), far above the IAM
// quotas of an ordinary organization.
const DefaultMaxObjects = 100_000

// TooManyError is a list whose total_count exceeds the ceiling.
type TooManyError struct {
	What    string
	Claimed uint64
	Max     int
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("the API says there are %d %s, more than --max-objects allows (%d): iamsync reads no further (if the organization really holds that many, raise --max-objects)", e.Claimed, e.What, e.Max)
}

// RepeatError is a page that holds only items read on other pages of the same list.
type RepeatError struct {
	What string
	Page int32
	ID   string // one of the repeated items
}

func (e *RepeatError) Error() string {
	return fmt.Sprintf("page %d of %s holds only items already read on other pages (%s among them): the API repeats pages, so the list cannot be trusted; iamsync stops", e.Page, e.What, e.ID)
}

func checkTotal(what string, total uint64, maxObjects int) error {
	if total > uint64(maxObjects) {
		return &TooManyError{What: what, Claimed: total, Max: maxObjects}
	}
	return nil
}

// pageCount is the number of pages a list of total items takes at per per page.
func pageCount(total uint64, per int) int32 {
	return int32((total + uint64(per) - 1) / uint64(per))
}

// ids remembers the IDs read so far, for both the repeat check and the output's dedup.
type ids struct {
	mu   sync.Mutex
	seen map[string]bool
}

// add records the page's IDs and says whether any was new.
func (s *ids) add(items []string) (fresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range items {
		if !s.seen[id] {
			s.seen[id] = true
			fresh = true
		}
	}
	return fresh
}

func idsOf[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// listAll reads page 1, learns total_count, then reads the remaining pages concurrently
// (each holding a slot of sem) and returns the items in page order, each ID once.
func listAll[T any](ctx context.Context, sem chan struct{}, maxObjects int, what string, fetch func(page int32) ([]T, uint32, error), id func(T) string) ([]T, error) {
	call := func(ctx context.Context, page int32) ([]T, uint32, error) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, 0, context.Cause(ctx)
		}
		defer func() { <-sem }()
		items, total, err := fetch(page)
		if err != nil {
			return nil, 0, fmt.Errorf("list %s (page %d): %w", what, page, err)
		}
		return items, total, nil
	}
	first, total, err := call(ctx, 1)
	if err != nil {
		return nil, err
	}
	if err := checkTotal(what, uint64(total), maxObjects); err != nil {
		return nil, err
	}
	per := len(first)
	if per == 0 || uint64(per) >= uint64(total) {
		return first, nil
	}
	pages := pageCount(uint64(total), per)
	seen := &ids{seen: map[string]bool{}}
	seen.add(idsOf(first, id))
	rest := make([][]T, pages+1)
	var next, last atomic.Int32
	next.Store(2)
	last.Store(pages)
	g, gctx := errgroup.WithContext(ctx)
	for range min(int(pages-1), max(1, cap(sem))) {
		g.Go(func() error {
			for gctx.Err() == nil {
				p := next.Add(1) - 1
				if p > last.Load() {
					return nil
				}
				items, _, err := call(gctx, p)
				if err != nil {
					return err
				}
				if len(items) < per {
					// The end of the list: no page after this one is asked for.
					for l := last.Load(); p < l && !last.CompareAndSwap(l, p); l = last.Load() {
					}
				}
				if len(items) > 0 && !seen.add(idsOf(items, id)) {
					return &RepeatError{What: what, Page: p, ID: id(items[0])}
				}
				rest[p] = items
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := first
	kept := map[string]bool{}
	for _, it := range first {
		kept[id(it)] = true
	}
	for _, items := range rest[2:] {
		for _, it := range items {
			if !kept[id(it)] {
				kept[id(it)] = true
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// pageThrough reads a list one page after the other, with listAll's bounds, for the lists
// read in sequence (Find, Secret Manager's).
func pageThrough[T any](maxObjects int, what string, fetch func(page int32) ([]T, uint64, error), id func(T) string) ([]T, error) {
	first, total, err := fetch(1)
	if err != nil {
		return nil, fmt.Errorf("list %s (page 1): %w", what, err)
	}
	if err := checkTotal(what, total, maxObjects); err != nil {
		return nil, err
	}
	per := len(first)
	if per == 0 || uint64(per) >= total {
		return first, nil
	}
	seen := &ids{seen: map[string]bool{}}
	seen.add(idsOf(first, id))
	out := first
	for p := int32(2); p <= pageCount(total, per); p++ {
		items, _, err := fetch(p)
		if err != nil {
			return nil, fmt.Errorf("list %s (page %d): %w", what, p, err)
		}
		fresh := false
		for _, it := range items {
			if k := id(it); !seen.seen[k] {
				seen.seen[k], fresh = true, true
				out = append(out, it)
			}
		}
		if len(items) > 0 && !fresh {
			return nil, &RepeatError{What: what, Page: p, ID: id(items[0])}
		}
		if len(items) < per {
			break
		}
	}
	return out, nil
}
