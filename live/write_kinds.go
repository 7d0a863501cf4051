package live

import (
	"context"
	"strings"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// Writes of the kinds added after the first four: members, SSH keys, security settings.

// CreateUser creates a member (a guest invitation is being retired by Scaleway: iamsync only
// creates members). password, when set, is the member's initial password; it is sent and never
// answered (emulator doc.go, Members).
func (c *Client) CreateUser(ctx context.Context, u *model.User, tags []string, password secrets.Value) (string, error) {
	username := u.Username
	if username == "" {
		username = u.Email
	}
	out, err := c.iam.CreateUser(&iam.CreateUserRequest{
		OrganizationID: c.OrganizationID,
		Tags:           nonNil(tags),
		Member: &iam.CreateUserRequestMember{
			Email: u.Email, Username: username, FirstName: u.FirstName, LastName: u.LastName,
			SendWelcomeEmail: u.SendWelcomeEmail, Password: password.Reveal(),
		},
	}, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return out.ID, nil
}

// UpdateUser sets a member's tags, and the names the manifest gives (an empty one is left as
// it is).
func (c *Client) UpdateUser(ctx context.Context, id string, u *model.User, tags []string) error {
	tags = nonNil(tags)
	req := &iam.UpdateUserRequest{UserID: id, Tags: &tags}
	if u.FirstName != "" {
		req.FirstName = &u.FirstName
	}
	if u.LastName != "" {
		req.LastName = &u.LastName
	}
	_, err := c.iam.UpdateUser(req, scw.WithContext(ctx))
	return err
}

// UpdateUsername renames a member's username.
func (c *Client) UpdateUsername(ctx context.Context, id, username string) error {
	_, err := c.iam.UpdateUserUsername(&iam.UpdateUserUsernameRequest{UserID: id, Username: username}, scw.WithContext(ctx))
	return err
}

// SetUserLocked locks or unlocks a member.
func (c *Client) SetUserLocked(ctx context.Context, id string, locked bool) error {
	var err error
	if locked {
		_, err = c.iam.LockUser(&iam.LockUserRequest{UserID: id}, scw.WithContext(ctx))
	} else {
		_, err = c.iam.UnlockUser(&iam.UnlockUserRequest{UserID: id}, scw.WithContext(ctx))
	}
	return err
}

// DeleteUser deletes a member (the API deletes their API keys too).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteUser(&iam.DeleteUserRequest{UserID: id}, scw.WithContext(ctx)))
}

// CreateSSHKey adds an SSH key; name carries the ownership marker already. An empty project is
// the organization's default project.
func (c *Client) CreateSSHKey(ctx context.Context, name, publicKey, projectID string) (string, error) {
	if projectID == "" {
		projectID = c.OrganizationID
	}
	k, err := c.iam.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: name, PublicKey: publicKey, ProjectID: projectID}, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return k.ID, nil
}

// UpdateSSHKey sets an SSH key's name and whether it is disabled.
func (c *Client) UpdateSSHKey(ctx context.Context, id, name string, disabled bool) error {
	_, err := c.iam.UpdateSSHKey(&iam.UpdateSSHKeyRequest{SSHKeyID: id, Name: &name, Disabled: &disabled}, scw.WithContext(ctx))
	return err
}

// DeleteSSHKey deletes an SSH key.
func (c *Client) DeleteSSHKey(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteSSHKey(&iam.DeleteSSHKeyRequest{SSHKeyID: id}, scw.WithContext(ctx)))
}

// UpdateSecuritySettings sets, in one call, the fields s gives (nil fields are left alone).
func (c *Client) UpdateSecuritySettings(ctx context.Context, s *model.SecuritySettings) error {
	req := &iam.UpdateOrganizationSecuritySettingsRequest{
		OrganizationID:              c.OrganizationID,
		EnforcePasswordRenewal:      s.EnforcePasswordRenewal,
		LoginAttemptsBeforeLocked:   s.LoginAttemptsBeforeLocked,
		GracePeriodDuration:         scwDuration(s.GracePeriod),
		MaxLoginSessionDuration:     scwDuration(s.MaxLoginSession),
		MaxAPIKeyExpirationDuration: scwDuration(s.MaxAPIKeyExpiration),
	}
	_, err := c.iam.UpdateOrganizationSecuritySettings(req, scw.WithContext(ctx))
	return err
}

func scwDuration(d *time.Duration) *scw.Duration {
	if d == nil {
		return nil
	}
	return scw.NewDurationFromTimeDuration(*d)
}

// findUsers lists the users whose email is email, without regard to case (the list has no
// email filter: every page is read).
func (c *Client) findUsers(ctx context.Context, email string) ([]model.Found, error) {
	org := c.OrganizationID
	size := uint32(maxPageSize)
	r, err := c.iam.ListUsers(&iam.ListUsersRequest{OrganizationID: &org, PageSize: &size}, scw.WithContext(ctx), scw.WithAllPages())
	if err != nil {
		return nil, err
	}
	var out []model.Found
	for _, u := range r.Users {
		if strings.EqualFold(u.Email, email) {
			out = append(out, model.Found{ID: u.ID, Tags: u.Tags, CreatedAt: deref(u.CreatedAt)})
		}
	}
	return out, nil
}

// findSSHKeys lists the SSH keys whose name, marker dropped, is name; Description holds the
// full live name so that the owner can be read back from it.
func (c *Client) findSSHKeys(ctx context.Context, name string) ([]model.Found, error) {
	org := c.OrganizationID
	size := uint32(maxPageSize)
	r, err := c.iam.ListSSHKeys(&iam.ListSSHKeysRequest{OrganizationID: &org, Name: &name, PageSize: &size}, scw.WithContext(ctx), scw.WithAllPages())
	if err != nil {
		return nil, err
	}
	var out []model.Found
	for _, k := range r.SSHKeys {
		base, owner := model.ParseSSHKeyName(k.Name)
		if base != name {
			continue
		}
		var tags []string
		if owner != "" {
			tags = []string{model.OwnerTag(owner)}
		}
		out = append(out, model.Found{ID: k.ID, Tags: tags, Description: k.Name, CreatedAt: deref(k.CreatedAt)})
	}
	return out, nil
}
