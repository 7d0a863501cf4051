package plan

// Ordering. Apply runs actions in plan order, one phase after the other, as iamy does:
//
//  1. creations, updates, adoptions and replacements, by dependency rank (model.Kind.Rank:
//     applications, groups, API keys, policies), so a group's member application, a key's
//     application and a policy's principal exist before they are referred to;
//  2. deletions in reverse rank (policies, keys, groups, applications), so nothing is deleted
//     while something still refers to it.
//
// Deletions of a kind nothing refers to and whose number the API caps (kindDiff.deleteFirst:
// SCIM tokens) run in the first phase instead, just before the kind's other actions, so that
// a creation finds the room they free.
//
// Ties are broken by Key, then by op and ID, so that the same inputs give the same plan.

import (
	"cmp"
	"slices"

	"github.com/iamsync/iamsync/model"
)

func sortActions(as []Action) {
	early := func(a Action) bool { return a.Op == Delete && kindDiffs[a.Key.Kind].deleteFirst }
	slices.SortStableFunc(as, func(a, b Action) int {
		ad, bd := a.Op == Delete && !early(a), b.Op == Delete && !early(b)
		if ad != bd {
			if ad {
				return 1
			}
			return -1
		}
		if ad && a.Key.Kind != b.Key.Kind {
			return b.Key.Kind.Rank() - a.Key.Kind.Rank()
		}
		if !ad && a.Key.Kind == b.Key.Kind && early(a) != early(b) {
			if early(a) {
				return -1
			}
			return 1
		}
		if c := compareKeys(a.Key, b.Key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Op, b.Op); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func compareKeys(a, b model.Key) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

func sortConflicts(cs []Conflict) {
	slices.SortStableFunc(cs, func(a, b Conflict) int {
		if c := compareKeys(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

func sortWarnings(ws []Warning) {
	slices.SortStableFunc(ws, func(a, b Warning) int {
		if c := compareKeys(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Message, b.Message)
	})
}
