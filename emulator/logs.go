package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// IAM audit logs (GET /logs, GET /logs/{id}): the emulator logs its own successful writes on
// the resource types the SDK's LogResourceType knows (iam_sdk.go:770: api_key, user,
// application, group, policy), with the actions of LogAction (725: created, updated,
// deleted). Nothing is recorded for SSH keys, projects or security settings, which have no
// resource type, nor for the keys an application's or a user's deletion takes along.

type logEntry struct {
	ID           string    `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	IP           string    `json:"ip"`
	UserAgent    string    `json:"user_agent"`
	Action       string    `json:"action"`
	BearerID     string    `json:"bearer_id"`
	ResourceType string    `json:"resource_type"`
	ResourceID   string    `json:"resource_id"`
}

// logJSON is the SDK's Log (iam_sdk.go:1427) without srn, which the SDK fills in.
type logJSON struct {
	ID             string `json:"id"`
	CreatedAt      string `json:"created_at"`
	IP             string `json:"ip"`
	UserAgent      string `json:"user_agent"`
	Action         string `json:"action"`
	BearerID       string `json:"bearer_id"`
	OrganizationID string `json:"organization_id"`
	ResourceType   string `json:"resource_type"`
	ResourceID     string `json:"resource_id"`
}

func (s *Server) logOut(l *logEntry) logJSON {
	return logJSON{l.ID, stamp(l.CreatedAt), l.IP, l.UserAgent, l.Action, l.BearerID, s.st.OrganizationID, l.ResourceType, l.ResourceID}
}

// logSpec says what a successful write of a route logs.
type logSpec struct {
	action, resourceType string
}

// routeLogs maps "METHOD template" to its log; routes not listed log nothing.
var routeLogs = map[string]logSpec{
	"POST /iam/v1alpha1/applications":               {"created", "application"},
	"PATCH /iam/v1alpha1/applications/{id}":         {"updated", "application"},
	"DELETE /iam/v1alpha1/applications/{id}":        {"deleted", "application"},
	"POST /iam/v1alpha1/groups":                     {"created", "group"},
	"PATCH /iam/v1alpha1/groups/{id}":               {"updated", "group"},
	"DELETE /iam/v1alpha1/groups/{id}":              {"deleted", "group"},
	"PUT /iam/v1alpha1/groups/{id}/members":         {"updated", "group"},
	"POST /iam/v1alpha1/groups/{id}/add-member":     {"updated", "group"},
	"POST /iam/v1alpha1/groups/{id}/add-members":    {"updated", "group"},
	"POST /iam/v1alpha1/groups/{id}/remove-member":  {"updated", "group"},
	"POST /iam/v1alpha1/policies":                   {"created", "policy"},
	"PATCH /iam/v1alpha1/policies/{id}":             {"updated", "policy"},
	"DELETE /iam/v1alpha1/policies/{id}":            {"deleted", "policy"},
	"POST /iam/v1alpha1/policies/{id}/clone":        {"created", "policy"},
	"PUT /iam/v1alpha1/rules":                       {"updated", "policy"},
	"POST /iam/v1alpha1/api-keys":                   {"created", "api_key"},
	"PATCH /iam/v1alpha1/api-keys/{id}":             {"updated", "api_key"},
	"DELETE /iam/v1alpha1/api-keys/{id}":            {"deleted", "api_key"},
	"POST /iam/v1alpha1/users":                      {"created", "user"},
	"PATCH /iam/v1alpha1/users/{id}":                {"updated", "user"},
	"DELETE /iam/v1alpha1/users/{id}":               {"deleted", "user"},
	"POST /iam/v1alpha1/users/{id}/update-username": {"updated", "user"},
	"POST /iam/v1alpha1/users/{id}/update-password": {"updated", "user"},
	"POST /iam/v1alpha1/users/{id}/lock":            {"updated", "user"},
	"POST /iam/v1alpha1/users/{id}/unlock":          {"updated", "user"},
}

// loggedID is the ID of the resource a write acted on: the created object's for creates
// (and clones), the policy_id of PUT /rules, the path's otherwise.
func loggedID(c *call, out any) string {
	switch o := out.(type) {
	case applicationJSON:
		return o.ID
	case groupJSON:
		return o.ID
	case policyJSON:
		return o.ID
	case apiKeyJSON:
		return o.AccessKey
	case userJSON:
		return o.ID
	}
	if len(c.ids) > 0 {
		id := c.ids[0]
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		if isUUID(id) {
			return strings.ToLower(id)
		}
		return id
	}
	var body struct {
		PolicyID string `json:"policy_id"`
	}
	json.Unmarshal(c.body, &body)
	return strings.ToLower(body.PolicyID)
}

// recordLog logs a successful write; the caller holds s.mu for writing. bearer_id is the
// bearer of the key used: its application or user.
func (s *Server) recordLog(rd *routeDef, c *call, out any) {
	spec, ok := routeLogs[rd.method+" "+rd.template]
	if !ok {
		return
	}
	k := c.bearer.key
	s.st.Logs = append(s.st.Logs, &logEntry{ID: s.st.newID(), CreatedAt: c.now, IP: clientIP(c.r), UserAgent: c.r.UserAgent(),
		Action: spec.action, BearerID: k.ApplicationID + k.UserID, ResourceType: spec.resourceType, ResourceID: loggedID(c, out)})
}

var logActions = []string{"unknown_action", "created", "updated", "deleted"}
var logResourceTypes = []string{"unknown_resource_type", "api_key", "user", "application", "group", "policy"}

// listLogs: unknown_action and unknown_resource_type are the SDK's zero values, sent when
// no filter is asked (like unknown_type on users, §1). search matches a bearer or a resource
// ID exactly ("filter out log by bearer ID or resource ID", iam_sdk.go:2585).
func listLogs(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", "created_at_asc", "created_at_desc")
	page, size := q.page(iamDefaultPageSize)
	action := q.enum("action", "unknown_action", logActions...)
	resType := q.enum("resource_type", "unknown_resource_type", logResourceTypes...)
	search, _ := q.str("search")
	after := q.timestamp("created_after")
	before := q.timestamp("created_before")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "log"); e != nil {
		return 0, nil, e
	}
	var items []*logEntry
	for _, l := range s.st.Logs {
		switch {
		case action != "unknown_action" && l.Action != action,
			resType != "unknown_resource_type" && l.ResourceType != resType,
			search != "" && !strings.EqualFold(search, l.BearerID) && !strings.EqualFold(search, l.ResourceID),
			after != nil && !l.CreatedAt.After(*after),
			before != nil && !l.CreatedAt.Before(*before):
			continue
		}
		items = append(items, l)
	}
	// Logs are kept in the order they were written; a clock that went back is still sorted,
	// and of two logs of the same instant the later write comes last (first in desc).
	if orderBy == "created_at_desc" {
		slices.Reverse(items)
		sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt.After(items[j].CreatedAt) })
	} else {
		sort.SliceStable(items, func(i, j int) bool { return items[i].CreatedAt.Before(items[j].CreatedAt) })
	}
	out := []logJSON{}
	for _, l := range paginate(items, page, size) {
		out = append(out, s.logOut(l))
	}
	return http.StatusOK, struct {
		Logs       []logJSON `json:"logs"`
		TotalCount int       `json:"total_count"`
	}{out, len(items)}, nil
}

func getLog(s *Server, c *call) (int, any, *apiError) {
	id, e := pathID(c, "log_id")
	if e != nil {
		return 0, nil, e
	}
	for _, l := range s.st.Logs {
		if l.ID == id {
			return http.StatusOK, s.logOut(l), nil
		}
	}
	return 0, nil, errNotFound("log", id)
}
