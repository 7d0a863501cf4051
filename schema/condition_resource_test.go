package schema

import (
	"net/netip"
	"testing"
)

// The advice that replaced inIpRange must be a test that really matches the range: a prefix on
// an octet boundary (with its trailing dot, so 203.0.113. does not match 203.0.11.x), an
// equality for one address, and no prefix test where spellings vary (IPv6) or the boundary is
// not an octet's.
func TestRangeAdvice(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"203.0.113.0/24", "test the prefix of the dotted address: request.ip.startsWith('203.0.113.')"},
		{"198.51.0.0/16", "test the prefix of the dotted address: request.ip.startsWith('198.51.')"},
		{"203.0.113.77/24", "test the prefix of the dotted address: request.ip.startsWith('203.0.113.')"},
		{"203.0.113.7/32", "compare with the address: request.ip == '203.0.113.7'"},
		{"203.0.113.0/25", "list the addresses (request.ip in ['…', '…']), or split 203.0.113.0/25 at octet boundaries and test each part with request.ip.startsWith('…')"},
		{"2001:db8::/32", "list the addresses: request.ip in ['…', '…'] (an IPv6 address has several spellings, so a prefix test is unsafe)"},
	} {
		if got := rangeAdvice(netip.MustParsePrefix(tc.prefix)); got != tc.want {
			t.Errorf("rangeAdvice(%s) = %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

// Which sets honour resource-level conditions follows the documentation's three products,
// told apart by catalogue category (IAM by its name, since it shares "organization").
func TestResourceLevelProduct(t *testing.T) {
	for _, tc := range []struct {
		set       string
		product   string
		ok, known bool
	}{
		{"IAMManager", "IAM", true, true},
		{"KeyManagerKeyDecrypt", "Key Manager", true, true},
		{"SecretManagerSecretAccess", "Secret Manager", true, true},
		{"BillingReadOnly", "", false, true},
		{"AllProductsFullAccess", "", false, true},
		{"InstancesReadOnly", "", false, true},
		{"NoSuchSet", "", false, false},
	} {
		product, ok, known := resourceLevelProduct(tc.set)
		if product != tc.product || ok != tc.ok || known != tc.known {
			t.Errorf("resourceLevelProduct(%s) = %q, %v, %v; want %q, %v, %v", tc.set, product, ok, known, tc.product, tc.ok, tc.known)
		}
	}
}
