package audit

import (
	"fmt"
	"strings"
	"time"
)

// Rules on members, SSH keys and the organization's security settings (IAM4xx).

// DefaultMaxSSHKeyAge is --max-ssh-key-age's default.
const DefaultMaxSSHKeyAge = 365 * 24 * time.Hour

// Baseline is the weakest security settings IAM404 accepts. Scaleway's defaults (emulator
// doc.go: 3-day grace period, 30-day sessions, no key maximum) pass all but the key maximum.
var Baseline = struct {
	MaxKeyLifetime  time.Duration // max_api_key_expiration must be set and at most this
	MaxLoginSession time.Duration
	MaxGracePeriod  time.Duration
	MaxAttempts     uint32
}{MaxKeyLifetime: 365 * 24 * time.Hour, MaxLoginSession: 30 * 24 * time.Hour, MaxGracePeriod: 7 * 24 * time.Hour, MaxAttempts: 10}

func (v *view) members() {
	inGroups := map[string][]string{} // lower-case email → groups
	for _, g := range v.o.Groups {
		if g.ManagedRef() != "" {
			continue // see managed.go
		}
		for _, u := range g.Members.Users {
			inGroups[strings.ToLower(u)] = append(inGroups[strings.ToLower(u)], g.Name)
		}
	}
	for _, u := range v.o.Users {
		// The owner is listed on live values too; it is nobody's to manage, but MFA still
		// matters most there.
		if v.live && !u.MFA && !u.Locked {
			v.emit("IAM401", u.Key(), &u.Meta, u.Pos, "the member has not enabled multi-factor authentication", "")
		}
		if groups := inGroups[strings.ToLower(u.Email)]; u.Locked && len(groups) > 0 {
			v.emit("IAM402", u.Key(), &u.Meta, u.Pos,
				"the member is locked but still in group(s) "+quoteAll(groups), "")
		}
	}
}

func (v *view) sshKeys() {
	if !v.live {
		return // age is a live fact
	}
	for _, k := range v.o.SSHKeys {
		if !k.CreatedAt.IsZero() && v.opts.Now.Sub(k.CreatedAt) > v.opts.MaxSSHKeyAge {
			v.emit("IAM403", k.Key(), &k.Meta, k.Pos,
				fmt.Sprintf("the SSH key is %s old, more than the maximum of %s", days(v.opts.Now.Sub(k.CreatedAt)), days(v.opts.MaxSSHKeyAge)), "")
		}
	}
}

// securitySettings: IAM404, one finding per setting weaker than Baseline. On manifests only
// the settings they give are judged; the rest are the organization's business.
func (v *view) securitySettings() {
	s := v.o.SecuritySettings
	if s == nil {
		return
	}
	weak := func(detail, msg string) { v.emit("IAM404", s.Key(), &s.Meta, s.Pos, msg, detail) }
	if d := s.MaxAPIKeyExpiration; d != nil {
		switch {
		case *d == 0:
			weak("max_api_key_expiration", "API keys may be created without expiry (max_api_key_expiration is not set)")
		case *d > Baseline.MaxKeyLifetime:
			weak("max_api_key_expiration", fmt.Sprintf("API keys may live %s, more than %s", days(*d), days(Baseline.MaxKeyLifetime)))
		}
	}
	if d := s.MaxLoginSession; d != nil && *d > Baseline.MaxLoginSession {
		weak("max_login_session", fmt.Sprintf("login sessions last up to %s, more than %s", days(*d), days(Baseline.MaxLoginSession)))
	}
	if d := s.GracePeriod; d != nil && *d > Baseline.MaxGracePeriod {
		weak("grace_period", fmt.Sprintf("new members have %s to set a password or MFA, more than %s", days(*d), days(Baseline.MaxGracePeriod)))
	}
	if n := s.LoginAttemptsBeforeLocked; n != nil && *n > Baseline.MaxAttempts {
		weak("login_attempts_before_locked", fmt.Sprintf("%d failed logins are allowed before a lock, more than %d", *n, Baseline.MaxAttempts))
	}
}
