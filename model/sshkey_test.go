package model

import (
	"strings"
	"testing"
)

const edKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBWvyWeQU4OGUv2fo8qmlwcNzBqjZQ+DbumGJE2nKyOM"

func TestCheckPublicKey(t *testing.T) {
	for _, ok := range []string{edKey, edKey + " someone@laptop", "  " + edKey + " a b c\n"} {
		if err := CheckPublicKey(ok); err != nil {
			t.Errorf("CheckPublicKey(%q) = %v", ok, err)
		}
	}
	for _, tc := range []struct{ key, want string }{
		{"", "expected"},
		{"ssh-ed25519", "expected"},
		{"ssh-foo AAAA", "not one Scaleway accepts"},
		{"ssh-ed25519 not*base64", "not valid base64"},
		{"ssh-ed25519 AAA=", "too short"},
		{strings.Replace(edKey, "ssh-ed25519", "ssh-rsa", 1), "not a ssh-rsa key"},
	} {
		err := CheckPublicKey(tc.key)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckPublicKey(%q) = %v, want an error containing %q", tc.key, err, tc.want)
		}
	}
	if got := CanonicalPublicKey("\t" + edKey + "  me@host\n"); got != edKey {
		t.Errorf("CanonicalPublicKey = %q", got)
	}
}

func TestSSHKeyNameMarker(t *testing.T) {
	for _, tc := range []struct{ name, stack string }{{"deploy", "platform"}, {"has [brackets] and spaces", "team.a-1"}} {
		name, stack := ParseSSHKeyName(SSHKeyName(tc.name, tc.stack))
		if name != tc.name || stack != tc.stack {
			t.Errorf("round trip of %q/%q: %q/%q", tc.name, tc.stack, name, stack)
		}
	}
	if name, stack := ParseSSHKeyName("laptop"); name != "laptop" || stack != "" {
		t.Errorf("an unmarked name parsed as %q/%q", name, stack)
	}
	if _, stack := ParseSSHKeyName("[iamsync:x] laptop"); stack != "" {
		t.Error("a marker that is not at the end was taken for ownership")
	}
}

func TestResourcesVisitsEveryKindInOrder(t *testing.T) {
	settings := &SecuritySettings{}
	o := &Org{
		Policies: []*Policy{{Name: "p"}}, APIKeys: []*APIKey{{Application: "a", Name: "k"}},
		SSHKeys: []*SSHKey{{Name: "s"}}, Groups: []*Group{{Name: "g"}}, Users: []*User{{Email: "u@x"}},
		Applications: []*Application{{Name: "a"}}, SecuritySettings: settings, Projects: []*Project{{Name: "pr"}},
		SAML: &SAML{}, SCIM: &SCIM{}, SCIMTokens: []*SCIMToken{{Name: "t"}}, LoginMethods: &LoginMethods{},
	}
	var kinds []Kind
	for r := range o.Resources() {
		kinds = append(kinds, r.Key().Kind)
	}
	if strings.Join(kindStrings(kinds), ",") != strings.Join(kindStrings(Kinds), ",") {
		t.Errorf("Resources visits %v, want %v", kinds, Kinds)
	}
	for _, k := range Kinds {
		r, err := NewResource(k)
		if err != nil {
			t.Fatal(err)
		}
		var c Org
		c.Add(r)
		n := 0
		for range c.ResourcesOf(k) {
			n++
		}
		if n != 1 {
			t.Errorf("an added %s is found %d times", k, n)
		}
	}
	if _, err := NewResource("robot"); err == nil {
		t.Error("NewResource accepted an unknown kind")
	}
}

func kindStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestUserSecretName(t *testing.T) {
	if got := UserSecretName(&User{Email: "dana.doe+ci@example.com"}); got != "DANA_DOE_CI_EXAMPLE_COM" {
		t.Errorf("derived entry %q", got)
	}
	if got := UserSecretName(&User{Email: "x@y.z", Secret: "DANA"}); got != "DANA" {
		t.Errorf("explicit entry %q", got)
	}
}
