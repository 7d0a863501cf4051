package apply

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

// Handlers of the kinds added after the first four: members, SSH keys, security settings.

// createUser creates a member. Without a welcome email, iamsync makes the initial password
// itself and stores it before the member exists: a run killed after the create then leaves
// the right password stored, and one killed before leaves an entry the next run overwrites,
// never a member whose password nobody has.
//
// The stored password must be the one the member got (issue 16). Only a create answered with
// the member proves that; when another apply of the stack made the member at the same moment
// (the email was taken since the plan, or its twin won the phase's settlement), or when this
// run's answer was lost and the member was found, by whom is unknown, the entry is taken
// back and the report says why: a password stored is never a wrong one. Such a member signs
// in with an emailed code, as every new member may (emulator/doc.go).
func createUser(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	u := a.Resource.(*model.User)
	var password secrets.Value
	entry := ""
	if !u.SendWelcomeEmail {
		p, err := newPassword()
		if err != nil {
			return "", "", err
		}
		password, entry = p, model.UserSecretName(u)
		r.mu.Lock()
		err = r.opts.Secrets.PutAll(map[string]secrets.Credentials{entry: {Email: u.Email, Password: password}})
		r.mu.Unlock()
		if err != nil {
			return "", entry, fmt.Errorf("%w (%v); member %s was not created", ErrSecretWrite, err, u.Email)
		}
	}
	id, how, err := r.createTold(ctx, made{key: a.Key, secret: entry, holds: u.Email}, func() (string, error) {
		return r.w.CreateUser(ctx, u, r.tags(u.Tags), password)
	})
	if err == nil && entry != "" && how != madeHere {
		why := "another apply of this stack created the member at the same moment: its password is in that apply's secrets store"
		if how == foundLost {
			why = "the API's answer to this run's create was lost and the member was found, created by this run or by another apply at the same moment: its password cannot be known"
		}
		if ferr := r.forget(entry, u.Email); ferr != nil {
			why += fmt.Sprintf("; removing entry %s, which may not hold the member's password, failed (%v): delete it by hand", entry, ferr)
		} else {
			why += fmt.Sprintf(", so entry %s was removed from this run's store; the member can sign in with an emailed code", entry)
		}
		r.note(a.Key, why)
		entry = ""
	}
	if err != nil {
		return "", entry, err
	}
	if u.Locked {
		return id, entry, r.w.SetUserLocked(ctx, id, true)
	}
	return id, entry, nil
}

func updateUser(r *runner, ctx context.Context, a plan.Action) error {
	u := a.Resource.(*model.User)
	if a.Op == plan.Adopt || a.Changed(plan.FieldTags) || a.Changed(plan.FieldFirstName) || a.Changed(plan.FieldLastName) {
		if err := r.w.UpdateUser(ctx, a.ID, u, r.tags(u.Tags)); err != nil {
			return err
		}
	}
	if a.Changed(plan.FieldUsername) {
		if err := r.w.UpdateUsername(ctx, a.ID, u.Username); err != nil {
			return err
		}
	}
	if a.Changed(plan.FieldLocked) {
		if err := r.w.SetUserLocked(ctx, a.ID, u.Locked); err != nil {
			return err
		}
	}
	if u.Locked && (a.Changed(plan.FieldLocked) || a.Changed(plan.FieldSessions)) {
		return r.revokeSessions(ctx, a.Key, a.ID)
	}
	return nil
}

// revokeSessions ends every console session a locked member has open: locking does not
// (live/sessions.go). They are listed again here, after the lock, rather than taken from the
// plan: the member may have logged in between the plan and the lock, and cannot after it. The
// cost is one list (per 100 sessions) and one delete per session; the report says how many.
func (r *runner) revokeSessions(ctx context.Context, key model.Key, userID string) error {
	jtis, err := r.w.ListSessions(ctx, userID)
	if err != nil {
		return fmt.Errorf("the member is locked, but listing their console sessions failed: %w", err)
	}
	for i, jti := range jtis {
		if err := r.w.DeleteSession(ctx, jti); err != nil {
			return fmt.Errorf("the member is locked, but revoking console session %d of %d failed: %w", i+1, len(jtis), err)
		}
	}
	switch len(jtis) {
	case 0:
		r.note(key, "no console session was open")
	case 1:
		r.note(key, "revoked 1 console session")
	default:
		r.note(key, fmt.Sprintf("revoked %d console sessions", len(jtis)))
	}
	return nil
}

// passwordAlphabet leaves out look-alike characters; 24 of them carry about 140 bits.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!"

// newPassword draws a password with a letter of each case, a digit and a symbol, which common
// password rules ask for (Scaleway publishes none).
func newPassword() (secrets.Value, error) {
	for {
		b := make([]byte, 24)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(passwordAlphabet))))
			if err != nil {
				return secrets.Value{}, fmt.Errorf("generate a password: %w", err)
			}
			b[i] = passwordAlphabet[n.Int64()]
		}
		if hasEach(string(b)) {
			return secrets.New(string(b)), nil
		}
	}
}

func hasEach(s string) bool {
	var upper, lower, digit, symbol bool
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9':
			digit = true
		default:
			symbol = true
		}
	}
	return upper && lower && digit && symbol
}

func createSSHKey(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	k := a.Resource.(*model.SSHKey)
	project, err := r.ids.project(k.Project)
	if err != nil {
		return "", "", err
	}
	id, err := r.create(ctx, a.Key, "", func() (string, error) {
		return r.w.CreateSSHKey(ctx, model.SSHKeyName(k.Name, r.opts.Stack), k.PublicKey, project)
	})
	if err != nil || !k.Disabled {
		return id, "", err
	}
	return id, "", r.w.UpdateSSHKey(ctx, id, model.SSHKeyName(k.Name, r.opts.Stack), true)
}

func updateSSHKey(r *runner, ctx context.Context, a plan.Action) error {
	k := a.Resource.(*model.SSHKey)
	return r.w.UpdateSSHKey(ctx, a.ID, model.SSHKeyName(k.Name, r.opts.Stack), k.Disabled)
}

// replaceSSHKey adds the new key before removing the old, so that access never lapses.
func replaceSSHKey(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	id, _, err := createSSHKey(r, ctx, a)
	if err != nil {
		return "", "", err
	}
	if err := r.w.DeleteSSHKey(ctx, a.ID); err != nil {
		return id, "", fmt.Errorf("new SSH key %s is added, but deleting the old one %s failed: %w", id, a.ID, err)
	}
	return id, "", nil
}

func updateSecuritySettings(r *runner, ctx context.Context, a plan.Action) error {
	return r.w.UpdateSecuritySettings(ctx, a.Resource.(*model.SecuritySettings))
}
