package live

import (
	"context"
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
