package model

import (
	"regexp"
	"strings"
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

// keyMarker matches "[iamsync:STACK/NAME]" at the end of a key's description.
var keyMarker = regexp.MustCompile(`\s*\[iamsync:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.@-]+)\]$`)

// KeyDescription is the live description of an API key owned by stack, named name within its
// application, with the user's description desc in front.
func KeyDescription(desc, stack, name string) string {
	m := "[iamsync:" + stack + "/" + name + "]"
	if desc == "" {
		return m
	}
	return desc + " " + m
}

// ParseKeyDescription splits a live key description into the user's description and, when the
// key carries iamsync's marker, its owning stack and name.
func ParseKeyDescription(s string) (desc, stack, name string, ok bool) {
	m := keyMarker.FindStringSubmatchIndex(s)
	if m == nil {
		return s, "", "", false
	}
	return s[:m[0]], s[m[2]:m[3]], s[m[4]:m[5]], true
}
