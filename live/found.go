package live

import (
	"context"
	"fmt"
	"strings"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
)

// pager reads page N of one kind's list, in creation order, as model.Found values, and the
// list's total.
type pager func(page int32) ([]model.Found, uint32, error)

// pages is the pager of kind: the one conversion of each list to Found that Find and ListAll
// share. name narrows it with the list's own name filter where the API has one (Find: callers
// still compare names exactly, since whether the filter matches exactly is unknown,
// BEHAVIOUR.md §3); parent narrows API keys to one application's. ListAll passes neither
// (settle.go says why). Found.Tags carries the ownership tag for every kind, from the key's
// description marker or the SSH key's name marker where the kind has no tags.
func (c *Client) pages(ctx context.Context, kind model.Kind, name, parent string) (pager, error) {
	size := uint32(maxPageSize)
	org := c.OrganizationID
	opt := scw.WithContext(ctx)
	var filter *string
	if name != "" {
		filter = &name
	}
	switch kind {
	case model.KindApplication:
		return func(page int32) ([]model.Found, uint32, error) {
			r, err := c.iam.ListApplications(&iam.ListApplicationsRequest{OrganizationID: org, Name: filter, OrderBy: iam.ListApplicationsRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.Applications))
			for _, a := range r.Applications {
				out = append(out, model.Found{ID: a.ID, Name: a.Name, Tags: a.Tags, Description: a.Description, CreatedAt: deref(a.CreatedAt)})
			}
			return out, r.TotalCount, nil
		}, nil
	case model.KindGroup:
		return func(page int32) ([]model.Found, uint32, error) {
			r, err := c.iam.ListGroups(&iam.ListGroupsRequest{OrganizationID: org, Name: filter, OrderBy: iam.ListGroupsRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.Groups))
			for _, g := range r.Groups {
				out = append(out, model.Found{ID: g.ID, Name: g.Name, Tags: g.Tags, Description: g.Description, CreatedAt: deref(g.CreatedAt)})
			}
			return out, r.TotalCount, nil
		}, nil
	case model.KindPolicy:
		return func(page int32) ([]model.Found, uint32, error) {
			r, err := c.iam.ListPolicies(&iam.ListPoliciesRequest{OrganizationID: org, PolicyName: filter, OrderBy: iam.ListPoliciesRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.Policies))
			for _, p := range r.Policies {
				out = append(out, model.Found{ID: p.ID, Name: p.Name, Tags: p.Tags, Description: p.Description, CreatedAt: deref(p.CreatedAt)})
			}
			return out, r.TotalCount, nil
		}, nil
	case model.KindAPIKey:
		req := iam.ListAPIKeysRequest{OrganizationID: &org, OrderBy: iam.ListAPIKeysRequestOrderByCreatedAtAsc, PageSize: &size}
		if parent != "" {
			req.BearerID, req.BearerType = &parent, iam.BearerTypeApplication
		}
		return func(page int32) ([]model.Found, uint32, error) {
			q := req
			q.Page = &page
			r, err := c.iam.ListAPIKeys(&q, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.APIKeys))
			for _, k := range r.APIKeys {
				// Users' personal keys come back too (Parent ""), so that a page's length is
				// the API's, which the pagination's bounds rely on (pages.go);
				// applicationKeys drops them.
				f := model.Found{ID: k.AccessKey, Description: k.Description, CreatedAt: deref(k.CreatedAt)}
				if k.ApplicationID != nil {
					f.Parent = *k.ApplicationID
				}
				out = append(out, f)
			}
			return out, r.TotalCount, nil
		}, nil
	case model.KindUser:
		// The users list has no email filter: Find reads every page.
		return func(page int32) ([]model.Found, uint32, error) {
			r, err := c.iam.ListUsers(&iam.ListUsersRequest{OrganizationID: &org, OrderBy: iam.ListUsersRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.Users))
			for _, u := range r.Users {
				out = append(out, model.Found{ID: u.ID, Name: u.Email, Tags: u.Tags, CreatedAt: deref(u.CreatedAt)})
			}
			return out, r.TotalCount, nil
		}, nil
	case model.KindSSHKey:
		return func(page int32) ([]model.Found, uint32, error) {
			r, err := c.iam.ListSSHKeys(&iam.ListSSHKeysRequest{OrganizationID: &org, Name: filter, OrderBy: iam.ListSSHKeysRequestOrderByCreatedAtAsc, Page: &page, PageSize: &size}, opt)
			if err != nil {
				return nil, 0, err
			}
			out := make([]model.Found, 0, len(r.SSHKeys))
			for _, k := range r.SSHKeys {
				base, owner := model.ParseSSHKeyName(k.Name)
				var tags []string
				if owner != "" {
					tags = []string{model.OwnerTag(owner)}
				}
				out = append(out, model.Found{ID: k.ID, Name: base, Tags: tags, Description: k.Name, CreatedAt: deref(k.CreatedAt)})
			}
			return out, r.TotalCount, nil
		}, nil
	}
	return nil, fmt.Errorf("list: unknown kind %q", kind)
}

// Find lists the live resources of kind named name (for API keys: the keys of application
// parent, whatever their description; for members, the email in any case), to settle a
// create whose outcome was unknown.
func (c *Client) Find(ctx context.Context, kind model.Kind, name, parent string) ([]model.Found, error) {
	filter := name
	if kind == model.KindAPIKey {
		filter = ""
	}
	fetch, err := c.pages(ctx, kind, filter, parent)
	if err != nil {
		return nil, err
	}
	all, err := pageThrough(c.maxObjects, string(kind)+"s", func(page int32) ([]model.Found, uint64, error) {
		items, total, err := fetch(page)
		return items, uint64(total), err
	}, func(f model.Found) string { return f.ID })
	if err != nil {
		return nil, fmt.Errorf("find %s %q: %w", kind, name, err)
	}
	if kind == model.KindAPIKey {
		return applicationKeys(all), nil
	}
	var out []model.Found
	for _, f := range all {
		if f.Name == name || (kind == model.KindUser && strings.EqualFold(f.Name, name)) {
			out = append(out, f)
		}
	}
	return out, nil
}

// applicationKeys drops users' personal keys from a list of keys: they are nobody's twin, since
// iamsync never makes them.
func applicationKeys(keys []model.Found) []model.Found {
	out := keys[:0:0]
	for _, k := range keys {
		if k.Parent != "" {
			out = append(out, k)
		}
	}
	return out
}
