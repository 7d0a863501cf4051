package schema

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"cel.dev/cel-go/common/ast"
)

// Resource-level conditions (resource.id, resource.name, resource.locality) exist since 2026-07
// for three products only (docs: understanding-resource-level-conditions, "Products supporting
// resource-level conditions"; BEHAVIOUR.md §10). On a permission set of any other product, what
// the resource attributes hold is not documented, and both readings are wrong: if they are
// absent, a condition like resource.id == '…' never matches and the rule grants nothing there;
// with the listing escape (|| !has(resource.id)) it always matches and the rule grants the
// product on every resource. Neither scopes the grant as written, and the second silently
// widens it, so the lint makes it an error (E707) rather than a warning: the fix (a rule of its
// own for the other sets) is always possible and loses nothing.
//
// The listing warning (E708) follows the same page: a list request targets no single resource,
// so a condition that needs resource.* fails it (the console cannot even show the resources)
// unless it also lets requests without a resource through. It stays a warning: a rule meant
// for one named resource read by its ID is legitimate.

// resourceLevelProducts maps a catalogue category to the product that honours resource-level
// conditions. IAM's sets share the "organization" category with billing, support and the
// like, so they are told by their IAM prefix (iamProduct).
var resourceLevelProducts = map[string]string{
	"key-manager":    "Key Manager",
	"secret-manager": "Secret Manager",
}

const iamProduct = "IAM"

// resourceLevelProduct names the product of set when it supports resource-level conditions;
// ok is false for a set of another product. known is false for a set the embedded catalogue
// lacks (E501, or a set only the live catalogue has): nothing is claimed about it.
func resourceLevelProduct(set string) (product string, ok, known bool) {
	ps, known := LookupPermissionSet(set)
	if !known {
		return "", false, false
	}
	if ps.Category == "organization" && strings.HasPrefix(ps.Name, "IAM") {
		return iamProduct, true, true
	}
	product, ok = resourceLevelProducts[ps.Category]
	return product, ok, true
}

// checkResourceLevel reports E707 (a resource-level condition on sets of a product that does
// not support it) or else E708 (no listing escape), at the condition's first resource
// attribute. It returns whether it reported an error.
func checkResourceLevel(w *condWalker, sets []string) bool {
	var unsupported []string
	for _, s := range sets {
		if _, ok, known := resourceLevelProduct(s); known && !ok {
			unsupported = append(unsupported, s)
		}
	}
	at := w.where(w.resource)
	if len(unsupported) > 0 {
		slices.Sort(unsupported)
		w.diag(at, "E707", SeverityError,
			fmt.Sprintf("resource-level condition on %s, whose product does not support resource-level conditions: the rule would grant %s on no resource, or on every one", strings.Join(unsupported, ", "), plural(len(unsupported), "it", "them")),
			"Scaleway supports resource.* conditions for IAM, Key Manager and Secret Manager permission sets only (docs, 2026-07): give the other sets a rule of their own without resource.*")
		return true
	}
	if !w.escaped {
		w.diag(at, "E708", SeverityWarning,
			"resource-level condition without || !has(resource.id): list requests target no single resource, so listing fails under this rule",
			"append || !has(resource.id) to the condition, as Scaleway's documentation advises, unless the rule is only for reading resources by ID")
	}
	return false
}

// rangeAdvice says how to test request.ip against the public range p with what Scaleway
// documents (a string attribute and CEL's standard functions): an IPv4 range on an octet
// boundary is a prefix of the dotted address, a single address an equality; anything else is
// listed address by address or split at octet boundaries.
func rangeAdvice(p netip.Prefix) string {
	p = p.Masked()
	a := p.Addr()
	switch {
	case p.Bits() == a.BitLen():
		return fmt.Sprintf("compare with the address: request.ip == '%s'", a)
	case a.Is4() && p.Bits() > 0 && p.Bits()%8 == 0:
		octets := strings.Split(a.String(), ".")[:p.Bits()/8]
		return fmt.Sprintf("test the prefix of the dotted address: request.ip.startsWith('%s.')", strings.Join(octets, "."))
	case a.Is4():
		return fmt.Sprintf("list the addresses (request.ip in ['…', '…']), or split %s at octet boundaries and test each part with request.ip.startsWith('…')", p)
	}
	return "list the addresses: request.ip in ['…', '…'] (an IPv6 address has several spellings, so a prefix test is unsafe)"
}

// ipRangeAdvice is rangeAdvice for the subnet of an inIpRange call, when it is a literal.
func ipRangeAdvice(args []ast.Expr) string {
	if len(args) == 2 {
		if s, ok := stringLiteral(args[1]); ok {
			if p, err := netip.ParsePrefix(s); err == nil {
				return rangeAdvice(p)
			}
		}
	}
	return "request.ip == '…', request.ip in ['…', '…'], or request.ip.startsWith('…') for an IPv4 range on an octet boundary"
}
