package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
)

// Log is one IAM audit log entry: who (the bearer of the API key used) did what to which
// resource, and when. The API keeps them for writes only.
type Log struct {
	ID           string
	CreatedAt    time.Time
	Action       string // created, updated, deleted
	BearerID     string // the application or user whose key made the request
	ResourceType string
	ResourceID   string
	IP           string
	UserAgent    string
}

// logPages bounds how far back ReadLogs looks: the API's search matches bearer IDs as well as
// resource IDs, so the newest pages of an application that is also a busy bearer can hold
// none of the entries about it.
const logPages = 5

// ReadLogs returns the newest entries (at most max) of the IAM logs about the resource of kind
// k whose live ID is id (an access key for API keys): ListLogs newest first, filtered by
// resource type and searched by the ID, entries kept only when they are about that resource.
// A key that may not read the logs gets an error IsPermissionDenied recognises. Kinds the logs
// have no resource type for have no entries.
func (c *Client) ReadLogs(ctx context.Context, k model.Kind, id string, max int) ([]Log, error) {
	rt, ok := logResourceTypes[k]
	if !ok {
		return nil, nil
	}
	size := uint32(maxPageSize)
	var out []Log
	for page := int32(1); page <= logPages && len(out) < max; page++ {
		r, err := c.iam.ListLogs(&iam.ListLogsRequest{OrganizationID: c.OrganizationID, OrderBy: iam.ListLogsRequestOrderByCreatedAtDesc,
			ResourceType: rt, Search: &id, Page: &page, PageSize: &size}, scw.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list IAM logs of %s %s (page %d): %w", k, id, page, err)
		}
		for _, l := range r.Logs {
			if l.ResourceID != id || len(out) == max {
				continue
			}
			e := Log{ID: l.ID, Action: string(l.Action), BearerID: l.BearerID, ResourceType: string(l.ResourceType),
				ResourceID: l.ResourceID, UserAgent: l.UserAgent}
			if l.CreatedAt != nil {
				e.CreatedAt = l.CreatedAt.UTC()
			}
			if l.IP != nil {
				e.IP = l.IP.String()
			}
			out = append(out, e)
		}
		if len(r.Logs) < int(size) || uint64(page)*uint64(size) >= r.TotalCount {
			break
		}
	}
	return out, nil
}

// logResourceTypes are the SDK's LogResourceType values of the kinds iamsync manages.
var logResourceTypes = map[model.Kind]iam.LogResourceType{
	model.KindApplication: iam.LogResourceTypeApplication,
	model.KindGroup:       iam.LogResourceTypeGroup,
	model.KindPolicy:      iam.LogResourceTypePolicy,
	model.KindAPIKey:      iam.LogResourceTypeAPIKey,
	model.KindUser:        iam.LogResourceTypeUser,
}

// IsPermissionDenied reports whether err is the API refusing the key the right to do what it
// asked (403 permissions_denied, BEHAVIOUR.md §1), whichever form the SDK gave it.
func IsPermissionDenied(err error) bool {
	var denied *scw.PermissionsDeniedError
	if errors.As(err, &denied) {
		return true
	}
	var re *scw.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusForbidden
}
