package emulator

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

type application struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"` // creation order, the tie-break of every sort
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Managed     bool      `json:"managed"`
	Tags        []string  `json:"tags"`
}

// applicationJSON is the wire shape, key order as recorded (application-basic #0).
type applicationJSON struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	OrganizationID string   `json:"organization_id"`
	Editable       bool     `json:"editable"`
	Deletable      bool     `json:"deletable"`
	Managed        bool     `json:"managed"`
	NbAPIKeys      int      `json:"nb_api_keys"`
	Tags           []string `json:"tags"`
}

func (s *Server) applicationOut(a *application) applicationJSON {
	n := s.keys.perApp[a.ID]
	// The owner application cannot be deleted (it holds the owner key), and says so.
	deletable := !a.Managed && a.ID != s.st.OwnerApplicationID
	return applicationJSON{a.ID, a.Name, a.Description, stamp(a.CreatedAt), stamp(a.UpdatedAt), s.st.OrganizationID,
		!a.Managed, deletable, a.Managed, n, tagsOut(a.Tags)}
}

// tagsOut: a null or missing tags list is stored and returned as [] (§4, trap 6).
func tagsOut(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

// checkName enforces the documented limits (names 1–64 characters, descriptions ≤ 200;
// BEHAVIOUR.md §5.6): never recorded as errors, so the emulator's wording.
func checkName(arg, name string) *apiError {
	if strings.TrimSpace(name) == "" {
		return errInvalid(arg, "required", "value is required")
	}
	if len([]rune(name)) > 64 {
		return errInvalid(arg, "constraint", "value length must be between 1 and 64")
	}
	return nil
}

func checkDescription(d string) *apiError {
	if len([]rune(d)) > 200 {
		return errInvalid("description", "constraint", "value length must be at most 200")
	}
	return nil
}

// maxTags is the SDK's "maximum of 10 tags" (iam_sdk.go:1935, 1950, 1977 on creates; 3255,
// 3270, 3324, 3381 on updates of applications, groups, policies and users; the user create
// at 2039 states no limit, the emulator applies the same).
const maxTags = 10

func checkTags(tags []string) *apiError {
	if len(tags) > maxTags {
		return errInvalid("tags", "constraint", fmt.Sprintf("at most %d tags are allowed, got %d", maxTags, len(tags)))
	}
	for i, t := range tags {
		if t == "" || len(t) > 128 {
			return errInvalid(fmt.Sprintf("tags[%d]", i), "constraint", "tag length must be between 1 and 128")
		}
	}
	return nil
}

// sortByCreated orders by created_at/updated_at/name, ties broken by creation order.
type sortable struct {
	seq              uint64
	created, updated time.Time
	name             string
}

func orderSlice[T any](items []T, key func(T) sortable, orderBy string) {
	desc := strings.HasSuffix(orderBy, "_desc")
	field := strings.TrimSuffix(strings.TrimSuffix(orderBy, "_desc"), "_asc")
	sort.SliceStable(items, func(i, j int) bool {
		a, b := key(items[i]), key(items[j])
		if desc {
			a, b = b, a
		}
		var c int
		switch field {
		case "updated_at":
			c = a.updated.Compare(b.updated)
		case "name", "policy_name", "email", "username", "access_key", "last_login", "expires_at":
			// Names sort case-insensitively (policies recorded, §5.7; applied to every list).
			// expires_at/last_login are folded into name by their key functions.
			c = strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
			if c == 0 {
				c = strings.Compare(a.name, b.name)
			}
		default:
			c = a.created.Compare(b.created)
		}
		if c != 0 {
			return c < 0
		}
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		// Only the managed groups share a seq (0, managedgroups.go); their names tell them apart.
		return a.name < b.name
	})
}

var appOrders = []string{"created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc", "name_asc", "name_desc"}

func listApplications(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", appOrders...)
	page, size := q.page(iamDefaultPageSize)
	name, hasName := q.str("name")
	editable := q.boolean("editable")
	ids := q.uuids("application_ids")
	tag, hasTagQ := q.str("tag")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "application"); e != nil {
		return 0, nil, e
	}
	var items []*application
	for _, a := range s.st.Applications {
		if hasName && name != "" && !containsFold(a.Name, name) {
			continue
		}
		if editable != nil && *editable == a.Managed {
			continue
		}
		if len(ids) > 0 && !inList(ids, a.ID) {
			continue
		}
		if hasTagQ && tag != "" && !hasTag(a.Tags, tag) {
			continue
		}
		items = append(items, a)
	}
	orderSlice(items, func(a *application) sortable { return sortable{a.Seq, a.CreatedAt, a.UpdatedAt, a.Name} }, orderBy)
	out := []applicationJSON{}
	for _, a := range paginate(items, page, size) {
		out = append(out, s.applicationOut(a))
	}
	return http.StatusOK, struct {
		Applications []applicationJSON `json:"applications"`
		TotalCount   int               `json:"total_count"`
	}{out, len(items)}, nil
}

// createReq holds the fields applications, groups and policies share in a create body.
type createReq struct {
	Name           string   `json:"name"`
	OrganizationID string   `json:"organization_id"`
	Description    string   `json:"description"`
	Tags           []string `json:"tags"`
}

// checkCreate validates them, organization first as the API reports it.
func (s *Server) checkCreate(r createReq, resource string) *apiError {
	if r.OrganizationID == "" {
		return errInvalid("organization_id", "required", "value is required")
	}
	if e := s.checkOrg(r.OrganizationID, resource); e != nil {
		return e
	}
	return firstErr(checkName("name", r.Name), checkDescription(r.Description), checkTags(r.Tags))
}

func createApplication(s *Server, c *call) (int, any, *apiError) {
	var req struct{ createReq }
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkCreate(req.createReq, "application"); e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("applications"); e != nil {
		return 0, nil, e
	}
	a := s.newApplication(req.Name, req.Description, req.Tags, c.now)
	return http.StatusOK, s.applicationOut(a), nil
}

func (s *Server) newApplication(name, desc string, tags []string, now time.Time) *application {
	a := &application{ID: s.st.newID(), Seq: s.st.Counter, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now, Tags: tagsOut(tags)}
	s.st.Applications[a.ID] = a
	return a
}

func firstErr(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (s *Server) lookupApplication(c *call) (*application, *apiError) {
	id, e := pathID(c, "application_id")
	if e != nil {
		return nil, e
	}
	a := s.st.Applications[id]
	if a == nil {
		return nil, errNotFound("application", id)
	}
	return a, nil
}

func getApplication(s *Server, c *call) (int, any, *apiError) {
	a, e := s.lookupApplication(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.applicationOut(a), nil
}

// patchReq holds the fields applications, groups and policies share in a PATCH body. PATCH is
// partial (BEHAVIOUR.md §5.2): an absent field keeps its value.
type patchReq struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Tags        *[]string `json:"tags"`
}

// check validates the given fields before anything changes.
func (r patchReq) check() *apiError {
	if r.Name != nil {
		if e := checkName("name", *r.Name); e != nil {
			return e
		}
	}
	if r.Description != nil {
		if e := checkDescription(*r.Description); e != nil {
			return e
		}
	}
	if r.Tags != nil {
		if e := checkTags(*r.Tags); e != nil {
			return e
		}
	}
	return nil
}

// apply sets the given fields.
func (r patchReq) apply(name, description *string, tags *[]string) {
	if r.Name != nil {
		*name = *r.Name
	}
	if r.Description != nil {
		*description = *r.Description
	}
	if r.Tags != nil {
		*tags = tagsOut(*r.Tags)
	}
}

func updateApplication(s *Server, c *call) (int, any, *apiError) {
	a, e := s.lookupApplication(c)
	if e != nil {
		return 0, nil, e
	}
	var req patchReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if a.Managed {
		return 0, nil, errDenied("write", "application")
	}
	if e := req.check(); e != nil {
		return 0, nil, e
	}
	// updated_at moves for applications (§5.2).
	req.apply(&a.Name, &a.Description, &a.Tags)
	a.UpdatedAt = c.now
	return http.StatusOK, s.applicationOut(a), nil
}

func deleteApplication(s *Server, c *call) (int, any, *apiError) {
	a, e := s.lookupApplication(c)
	if e != nil {
		return 0, nil, e
	}
	if a.Managed || a.ID == s.st.OwnerApplicationID {
		// The owner application holds the owner key; deleting it would lock tests out.
		return 0, nil, errDenied("write", "application")
	}
	s.removeApplication(a.ID)
	return http.StatusNoContent, nil, nil
}

// removeApplication deletes an application with its keys (§5.5, SDK doc), drops it from
// groups, and turns the policies it was principal of into no_principal policies: the
// recordings show the policy survives (policy-change-linked-entity #24, #30) but not what it
// reports; three old policies in list-iam-policies-basic #18 suggest no_principal.
func (s *Server) removeApplication(id string) {
	delete(s.st.Applications, id)
	for _, k := range s.st.APIKeys {
		if k.ApplicationID == id {
			s.dropKey(k)
		}
	}
	for _, g := range s.st.Groups {
		g.ApplicationIDs = without(g.ApplicationIDs, id)
	}
	for _, p := range s.st.Policies {
		if p.ApplicationID == id {
			p.ApplicationID = ""
		}
	}
}

func without(list []string, id string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
