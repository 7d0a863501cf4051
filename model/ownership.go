package model

import (
	"regexp"
	"strings"
	"time"
)

// Ownership without a state file: applications, groups and policies that a stack creates carry
// the tag OwnerTag(stack); API keys, which have no tags, carry a marker at the end of their
// description. A live resource without either belongs to nobody and is never changed unless a
// manifest explicitly adopts it.

// OwnerTagPrefix starts the ownership tag; the stack name follows it.
const OwnerTagPrefix = "iamsync-stack="

// OwnerTag is the tag that marks a resource as owned by stack.
func OwnerTag(stack string) string { return OwnerTagPrefix + stack }

// SplitOwnerTag separates the ownership tag from the user's own tags. owner is "" when no
// ownership tag is present; if several are (someone edited them by hand), the first wins.
func SplitOwnerTag(tags []string) (owner string, rest []string) {
	rest = make([]string, 0, len(tags))
	for _, t := range tags {
		if s, ok := strings.CutPrefix(t, OwnerTagPrefix); ok {
			if owner == "" {
				owner = s
			}
			continue
		}
		rest = append(rest, t)
	}
	return owner, rest
}

// keyMarker matches "[iamsync:STACK/NAME]" at the end of a key's description, or
// "[iamsync:STACK/NAME retired-until=RFC3339]" on a key a rotation replaced but kept for a
// grace period.
var keyMarker = regexp.MustCompile(`\s*\[iamsync:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.@-]+)(?: retired-until=([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z))?\]$`)

// KeyDescription is the live description of an API key owned by stack, named name within its
// application, with the user's description desc in front.
func KeyDescription(desc, stack, name string) string {
	m := "[iamsync:" + stack + "/" + name + "]"
	if desc == "" {
		return m
	}
	return desc + " " + m
}

// RetiredKeyDescription is the description of a key that a rotation replaced and keeps until
// the given instant; the first apply after it deletes the key.
func RetiredKeyDescription(desc, stack, name string, until time.Time) string {
	m := "[iamsync:" + stack + "/" + name + " retired-until=" + until.UTC().Format(time.RFC3339) + "]"
	if desc == "" {
		return m
	}
	return desc + " " + m
}

// KeyMarker is what a live key's description says about its owner.
type KeyMarker struct {
	Desc, Stack, Name string
	// RetiredUntil is set on a key a rotation replaced: it is kept until then.
	RetiredUntil *time.Time
}

// ParseKeyMarker splits a live key description into the user's description and, when the key
// carries iamsync's marker, its owning stack, name and retirement.
func ParseKeyMarker(s string) (KeyMarker, bool) {
	m := keyMarker.FindStringSubmatchIndex(s)
	if m == nil {
		return KeyMarker{Desc: s}, false
	}
	km := KeyMarker{Desc: s[:m[0]], Stack: s[m[2]:m[3]], Name: s[m[4]:m[5]]}
	if m[6] >= 0 {
		if t, err := time.Parse(time.RFC3339, s[m[6]:m[7]]); err == nil {
			km.RetiredUntil = &t
		}
	}
	return km, true
}

// ParseKeyDescription splits a live key description into the user's description and, when the
// key carries iamsync's marker, its owning stack and name.
func ParseKeyDescription(s string) (desc, stack, name string, ok bool) {
	km, ok := ParseKeyMarker(s)
	return km.Desc, km.Stack, km.Name, ok
}

// Projects have no tags either: their marker, "[iamsync:STACK]", ends the description, as API
// keys' does (the name stays the project's own: it is what consoles, CLIs and references
// show). A project without it belongs to nobody.
var projectMarker = regexp.MustCompile(`\s*\[iamsync:([A-Za-z0-9_.-]+)\]$`)

// ProjectDescription is the live description of a project owned by stack, with the user's
// description desc in front.
func ProjectDescription(desc, stack string) string {
	m := "[iamsync:" + stack + "]"
	if desc == "" {
		return m
	}
	return desc + " " + m
}

// ParseProjectDescription splits a live project description into the user's description and
// the owning stack ("" when the project carries no marker).
func ParseProjectDescription(s string) (desc, stack string) {
	m := projectMarker.FindStringSubmatchIndex(s)
	if m == nil {
		return s, ""
	}
	return s[:m[0]], s[m[2]:m[3]]
}
