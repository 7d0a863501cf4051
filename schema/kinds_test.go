package schema

import (
	"testing"

	"github.com/iamsync/iamsync/model"
)

// Every kind is in schemaKinds with its section and functions, and each section is a property
// of the manifest's JSON Schema: a kind missing here would be neither decoded, written back
// nor checked, and Load would panic on a nil function.
func TestSchemaKindsCoverEveryKind(t *testing.T) {
	sections := map[string]model.Kind{}
	for _, k := range model.Kinds {
		sk, ok := schemaKinds[k]
		switch {
		case !ok:
			t.Errorf("schemaKinds lacks %s", k)
			continue
		case sk.section == "" || sk.decode == nil || sk.marshal == nil || sk.check == nil:
			t.Errorf("schemaKinds[%s] is incomplete: %+v", k, sk)
		}
		if other, dup := sections[sk.section]; dup {
			t.Errorf("%s and %s share section %q", k, other, sk.section)
		}
		sections[sk.section] = k
		if Section(k) != sk.section {
			t.Errorf("Section(%s) = %q", k, Section(k))
		}
	}
	// One file declaring one element of each kind loads to one of each, and Marshal writes
	// every section back.
	src := []byte(`version: 1
stack: s
security_settings: {enforce_password_renewal: true}
projects: [{name: analytics, description: Data team}]
applications: [{name: app}]
users: [{email: a@example.com, send_welcome_email: true}]
groups: [{name: g, members: {applications: [app]}}]
ssh_keys: [{name: k, public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM}]
api_keys: [{application: app, name: ci, expires_in: 90d, secret: CI}]
policies: [{name: p, principal: {group: g}, rules: [{permission_sets: [IAMReadOnly], organization: true}]}]
login_methods: {password: false}
identity_provider:
  scim: {tokens: [{name: okta}]}
  saml:
    entity_id: https://idp.example.test/metadata
    sso_url: https://idp.example.test/sso
    certificates:
      - |
` + indent(testCertPEM(t, "idp-2099.pem"), "        "))
	org, ds := LoadBytes("all.yaml", src)
	if ds.HasErrors() {
		t.Fatalf("load: %v", ds)
	}
	for _, k := range model.Kinds {
		n := 0
		for range org.ResourcesOf(k) {
			n++
		}
		if n != 1 {
			t.Errorf("%s: %d loaded, want 1", k, n)
		}
	}
	out, err := Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	back, ds := LoadBytes("back.yaml", out)
	if ds.HasErrors() {
		t.Fatalf("load the marshalled set: %v\n%s", ds, out)
	}
	for _, k := range model.Kinds {
		n := 0
		for range back.ResourcesOf(k) {
			n++
		}
		if n != 1 {
			t.Errorf("%s after Marshal: %d, want 1\n%s", k, n, out)
		}
	}
}
