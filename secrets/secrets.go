// Package secrets keeps API-key secrets out of everything but the secrets file: Value redacts
// itself wherever it is printed or marshalled, and File merges entries into the secrets file
// atomically with mode 0600.
package secrets

import (
	"fmt"
)

// Redacted is what a Value prints as.
const Redacted = "[redacted]"

// Value is a secret string. Every way of printing or marshalling it yields Redacted; only
// Reveal, which File alone calls, gives the secret back.
type Value struct{ s string }

// New wraps s.
func New(s string) Value { return Value{s: s} }

// Reveal returns the secret. Call it only to write the secrets file or authenticate.
func (v Value) Reveal() string { return v.s }

// IsZero reports whether v holds no secret.
func (v Value) IsZero() bool { return v.s == "" }

func (v Value) String() string   { return Redacted }
func (v Value) GoString() string { return Redacted }

// Format redacts under every verb, including %#v and %q.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON redacts.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText redacts (also covers YAML and other text encoders).
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Credentials is what is stored under an entry name: an API key's pair, a member's initial
// login (Email and Password, with AccessKey empty), or a SCIM token (TokenID and BearerToken,
// the rest empty).
type Credentials struct {
	AccessKey   string
	SecretKey   Value
	Email       string
	Password    Value
	TokenID     string
	BearerToken Value
}

// holds is what names the credentials without revealing them: an API key's access key, or a
// member's email.
func (c Credentials) holds() string {
	switch {
	case c.AccessKey != "":
		return c.AccessKey
	case c.TokenID != "":
		return c.TokenID
	}
	return c.Email
}
