package live

import (
	"context"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// UserKey is a user's personal API key. Read leaves these out (iamsync never manages users'
// keys); audit reads them separately to report personal keys used for automation.
type UserKey struct {
	AccessKey   string
	UserID      string
	Description string
	CreatedAt   time.Time
	ExpiresAt   *time.Time // nil: never expires
}

// ReadUserKeys lists the organization's user-bearer API keys (bearer_type=user, BEHAVIOUR.md
// §3), every page at the maximum size. It is separate from Read so that plan's snapshot and its
// call count stay as they are.
func (c *Client) ReadUserKeys(ctx context.Context) ([]UserKey, error) {
	org := c.OrganizationID
	size := uint32(maxPageSize)
	sem := make(chan struct{}, c.parallelism)
	keys, err := listAll(ctx, sem, c.maxObjects, "users' API keys", func(page int32) ([]*iam.APIKey, uint32, error) {
		r, err := c.iam.ListAPIKeys(&iam.ListAPIKeysRequest{OrganizationID: &org, BearerType: iam.BearerTypeUser, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, 0, err
		}
		return r.APIKeys, r.TotalCount, nil
	}, func(k *iam.APIKey) string { return k.AccessKey })
	if err != nil {
		return nil, err
	}
	var out []UserKey
	for _, k := range keys {
		// The filter is trusted no further than the fields: only keys that name a user count.
		if k.UserID == nil {
			continue
		}
		uk := UserKey{AccessKey: k.AccessKey, UserID: *k.UserID, Description: k.Description, ExpiresAt: utc(k.ExpiresAt)}
		if k.CreatedAt != nil {
			uk.CreatedAt = k.CreatedAt.UTC()
		}
		out = append(out, uk)
	}
	return out, nil
}
