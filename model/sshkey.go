package model

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// SSHKeyTypes are the public-key types Scaleway accepts (scaleway-sdk-go's CreateSSHKeyRequest:
// ssh-rsa, ssh-dss, ssh-ed25519 and ECDSA on the NIST curves).
var SSHKeyTypes = []string{"ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}

// CanonicalPublicKey is the form the API answers a public key in: "TYPE BASE64", the comment
// and surrounding white space (a trailing newline included) dropped (ssh-key-with-new-line
// recordings). Text that is not a key is returned trimmed, for CheckPublicKey to report.
func CanonicalPublicKey(s string) string {
	f := strings.Fields(s)
	if len(f) < 2 {
		return strings.TrimSpace(s)
	}
	return f[0] + " " + f[1]
}

// CheckPublicKey reports why s is not an SSH public key the API would take: an unknown type, a
// body that is not base64, or a body whose own type field says something else.
func CheckPublicKey(s string) error {
	f := strings.Fields(s)
	if len(f) < 2 {
		return errors.New(`expected "TYPE BASE64 [comment]", as in a .pub file`)
	}
	if !slices.Contains(SSHKeyTypes, f[0]) {
		return fmt.Errorf("key type %q is not one Scaleway accepts (%s)", f[0], strings.Join(SSHKeyTypes, ", "))
	}
	body, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return errors.New("the key's body is not valid base64: was it cut or wrapped?")
	}
	if len(body) < 4 {
		return errors.New("the key's body is too short to be a key")
	}
	n := binary.BigEndian.Uint32(body)
	if uint64(n) > uint64(len(body)-4) || string(body[4:4+n]) != f[0] {
		return fmt.Errorf("the key's body is not a %s key", f[0])
	}
	return nil
}

// SSH keys have no tags and no description: the name is the only free text they carry, so the
// ownership marker goes at its end, "deploy-bot [iamsync:platform]", as API keys carry theirs in
// their description. A key without it belongs to nobody.
var sshKeyMarker = regexp.MustCompile(`\s*\[iamsync:([A-Za-z0-9_.-]+)\]$`)

// SSHKeyName is the live name of the SSH key name owned by stack.
func SSHKeyName(name, stack string) string { return name + " [iamsync:" + stack + "]" }

// ParseSSHKeyName splits a live SSH key name into the name and its owning stack ("" for none).
func ParseSSHKeyName(s string) (name, stack string) {
	m := sshKeyMarker.FindStringSubmatchIndex(s)
	if m == nil {
		return s, ""
	}
	return s[:m[0]], s[m[2]:m[3]]
}
