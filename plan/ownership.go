package plan

// Ownership and adoption, without a state file.
//
// A stack owns the live resources that carry its ownership tag (applications, groups,
// policies) or its marker at the end of the description (API keys, which have no tags); the
// live reader turns either into Meta.Owner. From that alone:
//
//   - A declared resource is matched to the live resources of the same kind and name (API
//     keys: same application and name). No match: Create.
//   - A match owned by this stack: Update when a field differs, nothing otherwise.
//   - A match that nobody owns (Owner "" and not provider-managed): Adopt when the manifest
//     says adopt: true or the run has --adopt, else a Conflict. Adopting tags the resource
//     and updates it in place; it never deletes and recreates, since the resource may be in
//     use (a key's secret, a policy's grants).
//   - A match owned by another stack, or provider-managed (BEHAVIOUR.md §4, trap 15): a
//     Conflict. Nothing is changed on it, ever.
//   - Several live resources with the name (IAM does not forbid it, §5.6): this stack's one
//     if there is exactly one, else a Conflict, since picking one would be a guess.
//   - An API key declared with an ID (its access key) is matched by that access key instead:
//     this is how a key created by hand, whose name is not yet recorded, is taken over. Naming
//     the access key counts as asking for adoption.
//   - A live resource owned by this stack that no declared resource matched: Delete.
//
// Conflicts sit beside the actions, not among them: a plan with any cannot be applied, and the
// reader is told what to do (adopt, rename, or move the resource between stacks).

import (
	"fmt"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
)

// verdict is what to do with one declared resource.
type verdict int

const (
	vCreate verdict = iota
	vUpdate
	vAdopt
	vConflict
)

// decide chooses the fate of a declared resource, given the metadata of the live candidates
// of the same kind and name (or access key), and returns the index of the chosen candidate.
// It records conflicts itself, and marks as claimed the candidates this stack owns, so that
// they are not deleted as undeclared.
func (df *differ) decide(key model.Key, d *model.Meta, cands []*model.Meta, explicitID bool) (verdict, int) {
	if len(cands) == 0 {
		if explicitID {
			df.conflict(key, d.Pos, d.ID, fmt.Sprintf("no live API key has the access key %q", d.ID),
				"correct the id, or remove it to create a new key")
			return vConflict, -1
		}
		if d.Adopt {
			df.warn(key, d.Pos, "adopt: true, but no live resource has this name: it will be created")
		}
		return vCreate, -1
	}
	var ours []int
	for i, c := range cands {
		if c.Owner == df.stack && !c.Managed {
			ours = append(ours, i)
			df.claimed[c] = true
		}
	}
	switch {
	case len(ours) == 1:
		return vUpdate, ours[0]
	case len(ours) > 1:
		df.conflict(key, d.Pos, "", fmt.Sprintf("%d live resources named %s are owned by stack %s", len(ours), escape.Quote(key.String()), escape.Quote(df.stack)),
			"delete all but one of them by hand; iamsync will not guess which one to keep")
		return vConflict, -1
	case len(cands) > 1:
		df.conflict(key, d.Pos, "", fmt.Sprintf("%d live resources are named %s and none is owned by stack %s", len(cands), escape.Quote(key.String()), escape.Quote(df.stack)),
			"rename the manifest entry, or rename or delete the duplicates so that one remains to adopt")
		return vConflict, -1
	}
	c := cands[0]
	switch {
	case c.Managed:
		df.conflict(key, d.Pos, c.ID, "it exists and is managed by Scaleway (read-only)",
			"choose another name in the manifests")
	case c.Owner != "":
		df.conflict(key, d.Pos, c.ID, "it exists and is owned by stack "+escape.Quote(c.Owner),
			fmt.Sprintf("remove it from the manifests of stack %s first, or choose another name", escape.Quote(c.Owner)))
	case d.Adopt || df.opts.Adopt || explicitID:
		return vAdopt, 0
	default:
		df.conflict(key, d.Pos, c.ID, "it exists and no stack owns it",
			"add `adopt: true` to the manifest entry, or run with --adopt, to take it over; or choose another name")
	}
	return vConflict, -1
}

func (df *differ) conflict(key model.Key, pos model.Pos, id, reason, hint string) {
	df.plan.Conflicts = append(df.plan.Conflicts, Conflict{Key: key, Pos: pos, ID: id, Reason: reason, Hint: hint})
}

// deletable reports whether m is a live resource this stack owns and no declared one claimed.
func (df *differ) deletable(m *model.Meta) bool {
	return m.Owner == df.stack && !m.Managed && !df.claimed[m]
}

// Claims reports whether a stack that declares a resource of kind k (with metadata d) takes
// the live resource with metadata l, of the same key, for its own, as the differ does: owned
// by the stack, or owned by nobody and adopted (adopt: true, or a kind adopted without it).
// Several candidates of one key are the differ's to judge (a conflict); this is the rule for
// one, which audit uses to tell its findings from another owner's.
func Claims(stack string, k model.Kind, d, l *model.Meta) bool {
	kd := kindDiffs[k]
	switch {
	case l.Managed:
		return false
	case kd.singleton, kd.claimLive != nil:
		return true
	case l.Owner != "":
		return stack != "" && l.Owner == stack
	}
	return d.Adopt || kd.adoptUnowned
}
