package schema

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iamsync/iamsync/model"
)

// Checks of members, SSH keys and security settings across the set.

// users: an email appears once (compared without regard to case, as Scaleway does), and a
// generated password's secrets entry is not another member's or an API key's.
func (c *checker) users() {
	seen := map[string]*model.User{}
	entries := map[string]string{} // secrets entry → who receives it
	for _, k := range c.org.APIKeys {
		if k.Secret != "" {
			entries[k.Secret] = "API key " + k.Application + "/" + k.Name
		}
	}
	for _, u := range c.org.Users {
		s := c.srcs.users[u]
		if u.Email == "" || s.bad("/email") {
			continue
		}
		if first, ok := seen[strings.ToLower(u.Email)]; ok {
			c.add(s, "/email", "E302", u.Key(), fmt.Sprintf("member %s is already declared at %s", u.Email, first.Pos),
				"a member is declared once, by email (compared without regard to case): remove one")
			continue
		}
		seen[strings.ToLower(u.Email)] = u
		if u.SendWelcomeEmail {
			continue
		}
		entry, sub := model.UserSecretName(u), "/secret"
		if u.Secret == "" {
			sub = "/email"
		}
		if who, ok := entries[entry]; ok {
			c.add(s, sub, "E303", u.Key(), fmt.Sprintf("secret %s already receives the credentials of %s", entry, who),
				"give the member its own secret name (secret:), or one would overwrite the other")
			continue
		}
		entries[entry] = "member " + u.Email
	}
}

// sshKeys: names are unique in the set, and each public key is one the API takes.
func (c *checker) sshKeys() {
	seen := map[string]*model.SSHKey{}
	for _, k := range c.org.SSHKeys {
		s := c.srcs.sshKeys[k]
		if k.Name != "" {
			if first, ok := seen[k.Name]; ok {
				c.add(s, "/name", "E302", k.Key(), fmt.Sprintf("SSH key %q is already declared at %s", k.Name, first.Pos),
					"names are unique per kind across all files of the set: rename or remove one")
			} else {
				seen[k.Name] = k
			}
			// The live name carries the marker; Scaleway allows 1000 characters (iam_sdk.go).
			if n := utf8.RuneCountInString(model.SSHKeyName(k.Name, c.org.Stack)); n > 1000 {
				c.add(s, "/name", "E204", k.Key(), fmt.Sprintf("the name with iamsync's marker has %d characters, more than Scaleway's 1000", n), "shorten the name")
			}
		}
		if k.PublicKey != "" && !s.bad("/public_key") {
			if err := model.CheckPublicKey(k.PublicKey); err != nil {
				c.add(s, "/public_key", "E801", k.Key(), "not an SSH public key Scaleway accepts: "+err.Error(),
					"paste the whole line of the .pub file (ssh-keygen -y -f KEY prints it)")
			}
		}
	}
}

// keyLifetimes: with security_settings declared in the set, every API key it may create must fit its
// max_api_key_expiration (the plan checks keys against the organization's live settings too).
func (c *checker) keyLifetimes() {
	st := c.org.SecuritySettings
	if st == nil || st.MaxAPIKeyExpiration == nil || *st.MaxAPIKeyExpiration <= 0 {
		return
	}
	max := *st.MaxAPIKeyExpiration
	limit := FormatDuration(max)
	for _, k := range c.org.APIKeys {
		s := c.srcs.keys[k]
		if k.ID != "" {
			// Adopted by access key: the key exists and keeps its expiry (the API leaves
			// existing keys alone, and adoption never replaces).
			continue
		}
		switch {
		case k.ExpiresAt == nil && k.ExpiresIn == 0 && c.srcs.keyExpiry[k] == "never":
			c.add(s, "/expires_in", "E605", k.Key(), fmt.Sprintf("the key never expires, but security_settings.max_api_key_expiration is %s", limit),
				fmt.Sprintf("give it expires_in: %s or less", limit))
		case k.ExpiresIn > max:
			c.add(s, "/expires_in", "E605", k.Key(), fmt.Sprintf("expires_in %s is longer than security_settings.max_api_key_expiration (%s)", FormatDuration(k.ExpiresIn), limit),
				fmt.Sprintf("shorten it to %s or less", limit))
		case k.ExpiresAt != nil && k.ExpiresAt.Sub(c.now) > max:
			c.add(s, "/expires_at", "E605", k.Key(), fmt.Sprintf("expires_at is further than security_settings.max_api_key_expiration (%s) from now", limit),
				"bring it closer, or use expires_in")
		}
	}
}
