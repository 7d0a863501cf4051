package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

type group struct {
	ID             string    `json:"id"`
	Seq            uint64    `json:"seq"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	UserIDs        []string  `json:"user_ids"`        // kept sorted (§5.4)
	ApplicationIDs []string  `json:"application_ids"` // kept sorted
	Tags           []string  `json:"tags"`
	// AllUsers and AllApplications mark the two groups Scaleway manages in every
	// organization (managedgroups.go); such a group lists no members and refuses writes.
	AllUsers        bool `json:"all_users,omitempty"`
	AllApplications bool `json:"all_applications,omitempty"`
	// SCIM marks a group the identity provider created (scim.go); never answered.
	SCIM bool `json:"scim,omitempty"`
}

// managed reports a group Scaleway manages (not editable, not deletable).
func (g *group) managed() bool { return g.AllUsers || g.AllApplications }

// groupJSON: key order as recorded (group-basic #0); no counters.
type groupJSON struct {
	ID             string   `json:"id"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	OrganizationID string   `json:"organization_id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	UserIDs        []string `json:"user_ids"`
	ApplicationIDs []string `json:"application_ids"`
	Tags           []string `json:"tags"`
	Editable       bool     `json:"editable"`
	Deletable      bool     `json:"deletable"`
	Managed        bool     `json:"managed"`
	// all_users and all_applications came with the managed groups (changelog 2026-09-02,
	// Group.AllUsers and Group.AllApplications, iam_sdk.go:1400-1404), after the recordings.
	AllUsers        bool `json:"all_users"`
	AllApplications bool `json:"all_applications"`
}

func (s *Server) groupOut(g *group) groupJSON {
	m := g.managed()
	return groupJSON{g.ID, stamp(g.CreatedAt), stamp(g.UpdatedAt), s.st.OrganizationID, g.Name, g.Description,
		tagsOut(g.UserIDs), tagsOut(g.ApplicationIDs), tagsOut(g.Tags), !m, !m, m, g.AllUsers, g.AllApplications}
}

func listGroups(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", appOrders...)
	page, size := q.page(iamDefaultPageSize)
	name, _ := q.str("name")
	appIDs := q.uuids("application_ids")
	userIDs := q.uuids("user_ids")
	groupIDs := q.uuids("group_ids")
	tag, _ := q.str("tag")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "group"); e != nil {
		return 0, nil, e
	}
	var items []*group
	for _, g := range s.st.Groups {
		if name != "" && !containsFold(g.Name, name) {
			continue
		}
		if len(groupIDs) > 0 && !inList(groupIDs, g.ID) {
			continue
		}
		if len(appIDs) > 0 && !anyIn(appIDs, g.ApplicationIDs) {
			continue
		}
		if len(userIDs) > 0 && !anyIn(userIDs, g.UserIDs) {
			continue
		}
		if tag != "" && !hasTag(g.Tags, tag) {
			continue
		}
		items = append(items, g)
	}
	orderSlice(items, func(g *group) sortable { return sortable{g.Seq, g.CreatedAt, g.UpdatedAt, g.Name} }, orderBy)
	out := []groupJSON{}
	for _, g := range paginate(items, page, size) {
		out = append(out, s.groupOut(g))
	}
	return http.StatusOK, struct {
		Groups     []groupJSON `json:"groups"`
		TotalCount int         `json:"total_count"`
	}{out, len(items)}, nil
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		if inList(have, w) {
			return true
		}
	}
	return false
}

func createGroup(s *Server, c *call) (int, any, *apiError) {
	var req struct{ createReq }
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkCreate(req.createReq, "group"); e != nil {
		return 0, nil, e
	}
	if e := s.checkGroupName(req.Name, ""); e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("groups"); e != nil {
		return 0, nil, e
	}
	g := s.newGroup(req.Name, req.Description, req.Tags, c.now)
	return http.StatusOK, s.groupOut(g), nil
}

// checkGroupName refuses a name another group of the organization holds: the SDK says group
// names "MUST be unique inside an Organization" (iam_sdk.go:1944, 3264). The answer is the
// emulator's choice: 409 already_exists naming the holder (BEHAVIOUR.md §6 layout); the
// comparison is exact (case-sensitive), the weakest reading of "unique".
func (s *Server) checkGroupName(name, self string) *apiError {
	for _, g := range s.st.Groups {
		if g.Name == name && g.ID != self {
			return errAlreadyExists("group", g.ID, fmt.Sprintf("a group named %q already exists in this organization; pick another name or update that group", name))
		}
	}
	return nil
}

func (s *Server) newGroup(name, desc string, tags []string, now time.Time) *group {
	g := &group{ID: s.st.newID(), Seq: s.st.Counter, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now,
		UserIDs: []string{}, ApplicationIDs: []string{}, Tags: tagsOut(tags)}
	s.st.Groups[g.ID] = g
	return g
}

func (s *Server) lookupGroup(c *call) (*group, *apiError) {
	id, e := pathID(c, "group_id")
	if e != nil {
		return nil, e
	}
	g := s.st.Groups[id]
	if g == nil {
		return nil, errNotFound("group", id)
	}
	return g, nil
}

// lookupEditableGroup is lookupGroup for the writes: a managed group ("All Users", "All
// Applications": editable and deletable false) is 403, as the managed application and policy
// are.
func (s *Server) lookupEditableGroup(c *call) (*group, *apiError) {
	g, e := s.lookupGroup(c)
	if e == nil && g.managed() {
		return nil, errDenied("write", "group")
	}
	return g, e
}

func getGroup(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupGroup(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.groupOut(g), nil
}

func updateGroup(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	var req patchReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := req.check(); e != nil {
		return 0, nil, e
	}
	if req.Name != nil {
		if e := s.checkGroupName(*req.Name, g.ID); e != nil {
			return 0, nil, e
		}
	}
	req.apply(&g.Name, &g.Description, &g.Tags)
	g.UpdatedAt = c.now // moves for PATCH group (group-basic #6)
	return http.StatusOK, s.groupOut(g), nil
}

func deleteGroup(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	delete(s.st.Groups, g.ID)
	// A group's policies lose their principal, as an application's do (emulator's choice).
	for _, p := range s.st.Policies {
		if p.GroupID == g.ID {
			p.GroupID = ""
		}
	}
	return http.StatusNoContent, nil, nil
}

type membersReq struct {
	UserIDs        []string `json:"user_ids"`
	ApplicationIDs []string `json:"application_ids"`
}

// checkMembers validates member IDs: format first (400), then existence (404 on the member's
// own resource type).
func (s *Server) checkMembers(users, apps []string, userArg, appArg string) *apiError {
	for _, id := range users {
		if !isUUID(id) {
			return errInvalid(userArg, "format", "value must be a valid UUID")
		}
		if s.st.Users[id] == nil {
			return errNotFound("user", id)
		}
	}
	for _, id := range apps {
		if !isUUID(id) {
			return errInvalid(appArg, "format", "value must be a valid UUID")
		}
		if s.st.Applications[id] == nil {
			return errNotFound("application", id)
		}
	}
	return nil
}

func dedupe(ids []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func sorted(ids []string) []string {
	out := append([]string{}, ids...)
	sort.Strings(out)
	return out
}

// setGroupMembers replaces both lists. The answer echoes the request order; reads are
// sorted (§5.4, trap 5). updated_at does not move (§5.2). Two empty lists are accepted and
// empty the group (not recorded).
func setGroupMembers(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	var req membersReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	users, apps := dedupe(req.UserIDs), dedupe(req.ApplicationIDs)
	if e := s.checkMembers(users, apps, "user_ids", "application_ids"); e != nil {
		return 0, nil, e
	}
	g.UserIDs, g.ApplicationIDs = sorted(users), sorted(apps)
	out := s.groupOut(g)
	out.UserIDs, out.ApplicationIDs = users, apps
	return http.StatusOK, out, nil
}

type memberReq struct {
	UserID        string `json:"user_id"`
	ApplicationID string `json:"application_id"`
}

// oneMember decodes add-member/remove-member: exactly one of user_id, application_id.
func oneMember(c *call) (memberReq, *apiError) {
	var req memberReq
	if e := decode(c, &req); e != nil {
		return req, e
	}
	if (req.UserID == "") == (req.ApplicationID == "") {
		return req, errInvalid("user_id", "constraint", "exactly one of user_id and application_id must be set")
	}
	return req, nil
}

func addGroupMember(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	req, e := oneMember(c)
	if e != nil {
		return 0, nil, e
	}
	users, apps := nonEmpty(req.UserID), nonEmpty(req.ApplicationID)
	if e := s.checkMembers(users, apps, "user_id", "application_id"); e != nil {
		return 0, nil, e
	}
	// Adding a current member is accepted and changes nothing (emulator's choice).
	g.UserIDs = sorted(dedupe(append(g.UserIDs, users...)))
	g.ApplicationIDs = sorted(dedupe(append(g.ApplicationIDs, apps...)))
	return http.StatusOK, s.groupOut(g), nil
}

func nonEmpty(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

func addGroupMembers(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	var req membersReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkMembers(req.UserIDs, req.ApplicationIDs, "user_ids", "application_ids"); e != nil {
		return 0, nil, e
	}
	g.UserIDs = sorted(dedupe(append(g.UserIDs, req.UserIDs...)))
	g.ApplicationIDs = sorted(dedupe(append(g.ApplicationIDs, req.ApplicationIDs...)))
	return http.StatusOK, s.groupOut(g), nil
}

// removeGroupMember: a non-member is the recorded 404 with an empty resource
// (group-membership-basic #17).
func removeGroupMember(s *Server, c *call) (int, any, *apiError) {
	g, e := s.lookupEditableGroup(c)
	if e != nil {
		return 0, nil, e
	}
	req, e := oneMember(c)
	if e != nil {
		return 0, nil, e
	}
	if req.UserID != "" {
		if !inList(g.UserIDs, req.UserID) {
			return 0, nil, errNotFound("", req.UserID)
		}
		g.UserIDs = without(g.UserIDs, req.UserID)
	} else {
		if !inList(g.ApplicationIDs, req.ApplicationID) {
			return 0, nil, errNotFound("", req.ApplicationID)
		}
		g.ApplicationIDs = without(g.ApplicationIDs, req.ApplicationID)
	}
	return http.StatusOK, s.groupOut(g), nil
}
