package live

import (
	"context"
	"fmt"
	"strings"

	"github.com/iamsync/iamsync/model"
)

// pager reads page N of one kind's list, in creation order, as model.Found values, and the
// list's total.
type pager func(page int32) ([]model.Found, uint32, error)

// pages is the pager of kind: the one conversion of each list to Found that Find and ListAll
// share. name narrows it with the list's own name filter where the API has one (Find: callers
// still compare names exactly, since whether the filter matches exactly is unknown,
// BEHAVIOUR.md §3); parent narrows API keys to one application's. ListAll passes neither
// (settle.go says why). Found.Tags carries the ownership tag for every kind, from the key's
// description marker or the SSH key's name marker where the kind has no tags.
func (c *Client) pages(ctx context.Context, kind model.Kind, name, parent string) (pager, error) {
	lk, ok := liveKinds[kind]
	if !ok || lk.pages == nil {
		return nil, fmt.Errorf("list: kind %q cannot be listed", kind)
	}
	q := listQuery{parent: parent, ordered: true}
	if name != "" {
		q.filter = &name
	}
	return lk.pages(c, ctx, q), nil
}

// Find lists the live resources of kind named name (for API keys: the keys of application
// parent, whatever their description; for members, the email in any case), to settle a
// create whose outcome was unknown.
func (c *Client) Find(ctx context.Context, kind model.Kind, name, parent string) ([]model.Found, error) {
	lk := liveKinds[kind]
	filter := name
	if lk.byParent {
		filter = ""
	}
	fetch, err := c.pages(ctx, kind, filter, parent)
	if err != nil {
		return nil, err
	}
	all, err := pageThrough(c.maxObjects, string(kind)+"s", func(page int32) ([]model.Found, uint64, error) {
		items, total, err := fetch(page)
		return items, uint64(total), err
	}, func(f model.Found) string { return f.ID })
	if err != nil {
		return nil, fmt.Errorf("find %s %q: %w", kind, name, err)
	}
	if lk.byParent {
		return applicationKeys(all), nil
	}
	var out []model.Found
	for _, f := range all {
		if f.Name == name || (lk.foldCase && strings.EqualFold(f.Name, name)) {
			out = append(out, f)
		}
	}
	return out, nil
}

// applicationKeys drops users' personal keys from a list of keys: they are nobody's twin, since
// iamsync never makes them.
func applicationKeys(keys []model.Found) []model.Found {
	out := keys[:0:0]
	for _, k := range keys {
		if k.Parent != "" {
			out = append(out, k)
		}
	}
	return out
}
