package access

import (
	"fmt"
	"slices"
	"strings"
)

// Tier ranks the risk of a grant; the zero value means "none" (no grant gained).
type Tier int

// Tiers, in increasing order.
const (
	Low Tier = iota + 1
	Medium
	High
)

var tierNames = map[Tier]string{Low: "low", Medium: "medium", High: "high"}

func (t Tier) String() string {
	if n, ok := tierNames[t]; ok {
		return n
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// MarshalText writes t by name.
func (t Tier) MarshalText() ([]byte, error) {
	n, ok := tierNames[t]
	if !ok {
		return nil, fmt.Errorf("invalid tier %d", int(t))
	}
	return []byte(n), nil
}

// UnmarshalText reads a tier written by MarshalText.
func (t *Tier) UnmarshalText(b []byte) error {
	v, err := ParseTier(string(b))
	*t = v
	return err
}

// ParseTier reads "low", "medium" or "high", as --fail-on-new-access takes them.
func ParseTier(s string) (Tier, error) {
	for k, n := range tierNames {
		if n == strings.ToLower(s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown risk tier %q: use low, medium or high", s)
}

// adminSets are the permission sets that amount to owning the organization when held on it:
// audit's IAM101 (high) reports an application holding one of them there.
var adminSets = []string{"AllProductsFullAccess", "IAMManager", "OrganizationManager"}

// IsAdmin reports whether set, held on the whole organization, amounts to owning it: IAMManager
// and OrganizationManager (organization-level), AllProductsFullAccess (on every project).
func IsAdmin(set string) bool { return slices.Contains(adminSets, set) }

// TierOf is the risk tier of holding set on scope. It is decided from the set's name, which
// Scaleway's catalog makes regular, and the breadth of the scope; a condition does not lower it
// (a condition narrows when a grant applies, not what it allows).
//
//   - high: an admin set (IsAdmin) on the organization or all projects, which is exactly what
//     audit's IAM101 (high) reports for applications; any other IAM…Manager set, which can
//     grant itself anything (write policies, create keys, join groups); any …FullAccess set on
//     all projects.
//   - medium: any other set that is not read-only (…FullAccess or AllProductsFullAccess on
//     listed projects, ProjectManager, BillingManager, SecretManagerSecretAccess…).
//   - low: read-only sets (…ReadOnly).
func TierOf(set string, scope Scope) Tier {
	wide := scope.Kind == ScopeOrganization || scope.Kind == ScopeAllProjects
	switch {
	case IsAdmin(set) && wide:
		return High
	case strings.HasPrefix(set, "IAM") && strings.HasSuffix(set, "Manager"):
		return High
	case strings.HasSuffix(set, "FullAccess") && wide:
		return High
	case strings.HasSuffix(set, "ReadOnly"):
		return Low
	}
	return Medium
}
