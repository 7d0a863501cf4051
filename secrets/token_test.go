package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A SCIM token is stored beside API keys and members' logins in every format, read back by
// Get, and carried through the journal as the others are.
func TestSCIMTokenEntries(t *testing.T) {
	const bearer = "scim_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, name := range []string{"s.env", "s.json", "s.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			f := Open(path)
			if err := f.PutAll(map[string]Credentials{
				"SCIM_TOKEN_OKTA": {TokenID: "tok-1", BearerToken: New(bearer)},
				"CI":              {AccessKey: "SCWAAAAAAAAAAAAAAAAA", SecretKey: New("sk")},
			}); err != nil {
				t.Fatal(err)
			}
			c, ok, err := f.Get("SCIM_TOKEN_OKTA")
			if err != nil || !ok || c.TokenID != "tok-1" || c.BearerToken.Reveal() != bearer || c.AccessKey != "" {
				t.Fatalf("Get = %+v, %v, %v", c, ok, err)
			}
			data, _ := os.ReadFile(path)
			want := "SCIM_TOKEN_OKTA_BEARER_TOKEN=" + bearer
			if !strings.HasSuffix(name, ".env") {
				want = "bearer_token"
			}
			if !strings.Contains(string(data), want) || !strings.Contains(string(data), bearer) {
				t.Errorf("%s lacks %q:\n%s", name, want, data)
			}
			if c, ok, _ := f.Get("CI"); !ok || c.AccessKey != "SCWAAAAAAAAAAAAAAAAA" {
				t.Errorf("the API key beside it was lost: %+v", c)
			}
		})
	}
	// A journal record carries the token, and a Forget by its ID removes it.
	d := &document{flat: map[string]string{}}
	d.apply(recordOf("T", Credentials{TokenID: "tok-2", BearerToken: New(bearer)}))
	if c, ok := d.get("T"); !ok || c.TokenID != "tok-2" || c.BearerToken.Reveal() != bearer {
		t.Errorf("journal record applied as %+v", c)
	}
	d.apply(record{Name: "T", AccessKey: "tok-2", Forget: true})
	if _, ok := d.get("T"); ok {
		t.Error("Forget by token ID left the entry")
	}
}
