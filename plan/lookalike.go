package plan

// Look-alike names. Names come from whoever has IAM write rights: "application/аdmins" (with a
// Cyrillic а), "admins " or "ad\u200bmins" read as "application/admins" in a review, and a
// policy granted to the look-alike passes for one granted to the real one. Escaping makes the
// invisible characters visible (package escape); a letter from another script stays as it is,
// legitimately, so the plan warns instead.
//
// Every name of the manifests and of the live organization is grouped by kind and skeleton
// (escape.Skeleton: what it looks like). A group with several distinct names, one of which the
// manifests declare or this stack owns, gets a warning on each name holding a deceptive
// character, saying which name it looks like and which characters deceive, with code points.
// A declared name that only looks like a live one is called out as such: a typo, or a name
// chosen to pass review. Groups of live names this stack has nothing to do with are the
// audit's business, not this plan's.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// lookAlikeName is one distinct name of a skeleton group, with where it was seen.
type lookAlikeName struct {
	key      model.Key
	declared bool
	pos      model.Pos
	live     bool
	ours     bool // a live resource of this name is owned by this stack
}

// warnLookAlikes adds the look-alike warnings of the differ's desired and live organizations.
func (df *differ) warnLookAlikes() {
	type group struct{ kind, parent, name string }
	groups := map[group][]*lookAlikeName{}
	byKey := map[model.Key]*lookAlikeName{}
	note := func(r model.Resource, declared bool) {
		k := r.Key()
		n := byKey[k]
		if n == nil {
			n = &lookAlikeName{key: k}
			byKey[k] = n
			g := group{string(k.Kind), escape.Skeleton(k.Parent), escape.Skeleton(k.Name)}
			groups[g] = append(groups[g], n)
		}
		m := r.Metadata()
		if declared {
			n.declared, n.pos = true, m.Pos
		} else {
			n.live = true
			n.ours = n.ours || (m.Owner != "" && m.Owner == df.stack)
		}
	}
	for r := range df.d.Resources() {
		note(r, true)
	}
	for r := range df.l.Resources() {
		note(r, false)
	}
	for _, names := range groups {
		if len(names) < 2 || !slices.ContainsFunc(names, func(n *lookAlikeName) bool { return n.declared || n.ours }) {
			continue
		}
		slices.SortFunc(names, func(a, b *lookAlikeName) int { return strings.Compare(a.key.String(), b.key.String()) })
		deceptive := slices.ContainsFunc(names, func(o *lookAlikeName) bool { return len(keySuspects(o.key)) > 0 })
		for _, n := range names {
			suspects := keySuspects(n.key)
			other := lookedLike(names, n)
			if !deceptive {
				// No character deceives, yet the skeletons match: the same letters, composed
				// differently (é as e and a combining accent). Warn on each.
				suspects = []string{"the same letters, encoded differently"}
			}
			if len(suspects) == 0 {
				continue
			}
			msg := fmt.Sprintf("looks like %s (%s)", escape.Quote(other.key.String()), strings.Join(suspects, ", "))
			if n.declared && !n.live && other.live && !other.declared {
				msg = fmt.Sprintf("the declared name looks like the live %s (%s): a typo, or a look-alike chosen to pass review; write the name exactly as intended",
					escape.Quote(other.key.String()), strings.Join(suspects, ", "))
			}
			df.plan.Warnings = append(df.plan.Warnings, Warning{Key: n.key, Pos: n.pos, Message: msg})
		}
	}
}

// lookedLike is the name n is mistaken for: the first plain name of its group, else the first
// other one.
func lookedLike(names []*lookAlikeName, n *lookAlikeName) *lookAlikeName {
	var first *lookAlikeName
	for _, o := range names {
		if o == n {
			continue
		}
		if len(keySuspects(o.key)) == 0 {
			return o
		}
		if first == nil {
			first = o
		}
	}
	return first
}

// keySuspects lists the deceptive characters of k's name, then of its parent's.
func keySuspects(k model.Key) []string {
	out := escape.Suspects(k.Name)
	for _, s := range escape.Suspects(k.Parent) {
		out = append(out, "in "+escape.Quote(k.Parent)+": "+s)
	}
	return out
}
