package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// The write methods take resolved IDs: apply turns names into IDs before calling them.
// Deletes treat 404 as done, so that a delete retried after a lost response, or the key of an
// application that was deleted first (BEHAVIOUR.md §5.5), converges instead of failing.

// CreateApplication creates an application and returns its ID.
func (c *Client) CreateApplication(ctx context.Context, name, description string, tags []string) (string, error) {
	a, err := c.iam.CreateApplication(&iam.CreateApplicationRequest{
		Name: name, OrganizationID: c.OrganizationID, Description: description, Tags: nonNil(tags),
	}, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// UpdateApplication sets an application's description and tags.
func (c *Client) UpdateApplication(ctx context.Context, id, description string, tags []string) error {
	tags = nonNil(tags)
	_, err := c.iam.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: id, Description: &description, Tags: &tags}, scw.WithContext(ctx))
	return err
}

// DeleteApplication deletes an application (and, on the API's side, its keys).
func (c *Client) DeleteApplication(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: id}, scw.WithContext(ctx)))
}

// CreateGroup creates a group and returns its ID.
func (c *Client) CreateGroup(ctx context.Context, name, description string, tags []string) (string, error) {
	g, err := c.iam.CreateGroup(&iam.CreateGroupRequest{
		Name: name, OrganizationID: c.OrganizationID, Description: description, Tags: nonNil(tags),
	}, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return g.ID, nil
}

// UpdateGroup sets a group's description and tags.
func (c *Client) UpdateGroup(ctx context.Context, id, description string, tags []string) error {
	tags = nonNil(tags)
	_, err := c.iam.UpdateGroup(&iam.UpdateGroupRequest{GroupID: id, Description: &description, Tags: &tags}, scw.WithContext(ctx))
	return err
}

// SetGroupMembers replaces a group's members in one call.
func (c *Client) SetGroupMembers(ctx context.Context, id string, userIDs, applicationIDs []string) error {
	_, err := c.iam.SetGroupMembers(&iam.SetGroupMembersRequest{GroupID: id, UserIDs: nonNil(userIDs), ApplicationIDs: nonNil(applicationIDs)}, scw.WithContext(ctx))
	return err
}

// RemoveGroupMember removes one user or application from a group. A member already gone
// answers 404 with an empty resource (BEHAVIOUR.md §5.4, trap 17): that is done, not an error.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID, applicationID string) error {
	req := &iam.RemoveGroupMemberRequest{GroupID: groupID}
	if userID != "" {
		req.UserID = &userID
	} else {
		req.ApplicationID = &applicationID
	}
	_, err := c.iam.RemoveGroupMember(req, scw.WithContext(ctx))
	return ignoreNotFound(err)
}

// DeleteGroup deletes a group.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeleteGroup(&iam.DeleteGroupRequest{GroupID: id}, scw.WithContext(ctx)))
}

// CreatePolicy creates a policy with its rules inline. p.Principal.ID and the rules' project
// IDs must be resolved.
func (c *Client) CreatePolicy(ctx context.Context, p *model.Policy, tags []string) (string, error) {
	req := &iam.CreatePolicyRequest{
		Name: p.Name, Description: p.Description, OrganizationID: c.OrganizationID,
		Rules: c.ruleSpecs(p.Rules), Tags: nonNil(tags),
	}
	id := p.Principal.ID
	switch p.Principal.Kind {
	case model.PrincipalApplication:
		req.ApplicationID = &id
	case model.PrincipalGroup:
		req.GroupID = &id
	case model.PrincipalUser:
		req.UserID = &id
	default:
		t := true
		req.NoPrincipal = &t
	}
	out, err := c.iam.CreatePolicy(req, scw.WithContext(ctx))
	if err != nil {
		return "", err
	}
	c.seeds.created(out, req.Rules)
	return out.ID, nil
}

// UpdatePolicy sets a policy's description, tags and principal (not its rules: SetRules).
func (c *Client) UpdatePolicy(ctx context.Context, id string, p *model.Policy, tags []string) error {
	tags = nonNil(tags)
	req := &iam.UpdatePolicyRequest{PolicyID: id, Description: &p.Description, Tags: &tags}
	pid := p.Principal.ID
	switch p.Principal.Kind {
	case model.PrincipalApplication:
		req.ApplicationID = &pid
	case model.PrincipalGroup:
		req.GroupID = &pid
	case model.PrincipalUser:
		req.UserID = &pid
	default:
		t := true
		req.NoPrincipal = &t
	}
	_, err := c.iam.UpdatePolicy(req, scw.WithContext(ctx))
	return err
}

// SetRules replaces a policy's rules in one call (the API renews every rule ID, §5.3).
func (c *Client) SetRules(ctx context.Context, policyID string, rules []model.Rule) error {
	_, err := c.iam.SetRules(&iam.SetRulesRequest{PolicyID: policyID, Rules: c.ruleSpecs(rules)}, scw.WithContext(ctx))
	return err
}

// DeletePolicy deletes a policy.
func (c *Client) DeletePolicy(ctx context.Context, id string) error {
	return ignoreNotFound(c.iam.DeletePolicy(&iam.DeletePolicyRequest{PolicyID: id}, scw.WithContext(ctx)))
}

func (c *Client) ruleSpecs(rules []model.Rule) []*iam.RuleSpecs {
	out := make([]*iam.RuleSpecs, 0, len(rules))
	for _, r := range rules {
		sets := append([]string{}, r.PermissionSets...)
		spec := &iam.RuleSpecs{PermissionSetNames: &sets, Condition: r.Condition}
		if r.Organization {
			org := c.OrganizationID
			spec.OrganizationID = &org
		} else {
			projects := append([]string{}, r.Projects...)
			spec.ProjectIDs = &projects
		}
		out = append(out, spec)
	}
	return out
}

// CreateAPIKey creates a key for an application. The secret comes back wrapped so that it
// cannot be printed by accident; the caller stores it before doing anything else.
func (c *Client) CreateAPIKey(ctx context.Context, applicationID, description, defaultProjectID string, expiresAt *time.Time) (string, secrets.Value, error) {
	req := &iam.CreateAPIKeyRequest{ApplicationID: &applicationID, Description: description, ExpiresAt: expiresAt}
	if defaultProjectID != "" {
		req.DefaultProjectID = &defaultProjectID
	}
	k, err := c.iam.CreateAPIKey(req, scw.WithContext(ctx))
	if err != nil {
		return "", secrets.Value{}, err
	}
	if k.SecretKey == nil {
		return k.AccessKey, secrets.Value{}, fmt.Errorf("API key %s was created without a secret in the response", k.AccessKey)
	}
	return k.AccessKey, secrets.New(*k.SecretKey), nil
}

// UpdateAPIKey sets a key's description and default project.
func (c *Client) UpdateAPIKey(ctx context.Context, accessKey, description, defaultProjectID string) error {
	req := &iam.UpdateAPIKeyRequest{AccessKey: accessKey, Description: &description}
	if defaultProjectID != "" {
		req.DefaultProjectID = &defaultProjectID
	}
	_, err := c.iam.UpdateAPIKey(req, scw.WithContext(ctx))
	return err
}

// DeleteAPIKey deletes a key.
func (c *Client) DeleteAPIKey(ctx context.Context, accessKey string) error {
	return ignoreNotFound(c.iam.DeleteAPIKey(&iam.DeleteAPIKeyRequest{AccessKey: accessKey}, scw.WithContext(ctx)))
}

func ignoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}

// IsAlreadyExists reports whether err is the API's 409 already_exists: a create whose unique
// name (a group's, a member's email) is taken. The SDK has no type for it (BEHAVIOUR.md §6), so
// the body is read; a 409 transient_state is something else (and is retried below the SDK).
func IsAlreadyExists(err error) bool {
	var re *scw.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusConflict {
		return false
	}
	var body struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(re.RawBody, &body) == nil && body.Type == "already_exists"
}

// IsNotFound reports whether err is the API's 404.
func IsNotFound(err error) bool {
	var nf *scw.ResourceNotFoundError
	if errors.As(err, &nf) {
		return true
	}
	var re *scw.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
