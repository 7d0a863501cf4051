package emulator

import (
	"net/http"
	"strings"
	"time"
)

type project struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type qualificationJSON struct {
	ArchitectureType string `json:"architecture_type"`
}

// projectJSON: key order as recorded (account/project-basic #1). qualification is null in
// create and update answers but an object in reads (§4, trap 11).
type projectJSON struct {
	ID             string             `json:"id"`
	Name           string             `json:"name"`
	OrganizationID string             `json:"organization_id"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
	Description    string             `json:"description"`
	Qualification  *qualificationJSON `json:"qualification"`
}

func (s *Server) projectOut(p *project, read bool) projectJSON {
	out := projectJSON{p.ID, p.Name, s.st.OrganizationID, stamp(p.CreatedAt), stamp(p.UpdatedAt), p.Description, nil}
	if read {
		out.Qualification = &qualificationJSON{"unknown_architecture_type"}
	}
	return out
}

func listProjects(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", "created_at_asc", "created_at_desc", "name_asc", "name_desc")
	page, size := q.page(projectDefaultPageSize)
	name, _ := q.str("name")
	ids := q.uuids("project_ids")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "project"); e != nil {
		return 0, nil, e
	}
	var items []*project
	for _, p := range s.st.Projects {
		if name != "" && !containsFold(p.Name, name) || len(ids) > 0 && !inList(ids, p.ID) {
			continue
		}
		items = append(items, p)
	}
	orderSlice(items, func(p *project) sortable { return sortable{p.Seq, p.CreatedAt, p.UpdatedAt, p.Name} }, orderBy)
	out := []projectJSON{}
	for _, p := range paginate(items, page, size) {
		out = append(out, s.projectOut(p, true))
	}
	// Account's envelope puts total_count first (§2); JSON key order does not matter to
	// clients, but it costs nothing to match.
	return http.StatusOK, struct {
		TotalCount int           `json:"total_count"`
		Projects   []projectJSON `json:"projects"`
	}{len(items), out}, nil
}

type createProjectReq struct {
	Name           string `json:"name"`
	OrganizationID string `json:"organization_id"`
	Description    string `json:"description"`
}

// createProject: duplicate names are accepted, as the real API does (§5.6).
func createProject(s *Server, c *call) (int, any, *apiError) {
	var req createProjectReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkOrg(req.OrganizationID, "project"); e != nil {
		return 0, nil, e
	}
	if e := firstErr(checkName("name", req.Name), checkDescription(req.Description)); e != nil {
		return 0, nil, e
	}
	p := s.newProject(s.st.newID(), req.Name, req.Description, c.now)
	return http.StatusOK, s.projectOut(p, false), nil
}

func (s *Server) newProject(id, name, desc string, now time.Time) *project {
	p := &project{ID: id, Seq: s.st.Counter, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now}
	s.st.Projects[p.ID] = p
	return p
}

func (s *Server) lookupProject(c *call) (*project, *apiError) {
	id, e := pathID(c, "project_id")
	if e != nil {
		return nil, e
	}
	p := s.st.Projects[id]
	if p == nil {
		return nil, errNotFound("project_id", id) // resource is "project_id" for Account (§5.5)
	}
	return p, nil
}

func getProject(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupProject(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.projectOut(p, true), nil
}

type updateProjectReq struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func updateProject(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupProject(c)
	if e != nil {
		return 0, nil, e
	}
	var req updateProjectReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	// Everything is checked before anything changes: a refused PATCH changes nothing.
	if req.Name != nil {
		if e := checkName("name", *req.Name); e != nil {
			return 0, nil, e
		}
	}
	if req.Description != nil {
		if e := checkDescription(*req.Description); e != nil {
			return 0, nil, e
		}
	}
	if req.Name != nil {
		p.Name = *req.Name
	}
	if req.Description != nil {
		p.Description = *req.Description
	}
	p.UpdatedAt = c.now
	return http.StatusOK, s.projectOut(p, false), nil
}

// deleteProject refuses the default project (emulator's choice; keys default to it), a
// project still named by a rule, and one that holds resources (secrets, SSH keys): "The
// Project needs to be empty (meaning there are no resources left in it) to be deleted"
// (account_sdk.go:1369). API keys defaulting to it move to the default project instead.
// None of these refusals is recorded.
func deleteProject(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupProject(c)
	if e != nil {
		return 0, nil, e
	}
	if p.ID == s.st.OrganizationID {
		return 0, nil, errInvalid("project_id", "constraint", "the default project cannot be deleted")
	}
	for _, pol := range s.st.Policies {
		for _, r := range pol.Rules {
			if inList(r.ProjectIDs, p.ID) {
				return 0, nil, errInvalid("project_id", "constraint", "the project is used by policy "+pol.ID)
			}
		}
	}
	for _, sc := range s.st.Secrets {
		if sc.ProjectID == p.ID && sc.DeletionRequestedAt == nil {
			return 0, nil, errInvalid("project_id", "constraint", "the project holds secret "+sc.ID+"; delete its resources first")
		}
	}
	for _, k := range s.st.SSHKeys {
		if k.ProjectID == p.ID {
			return 0, nil, errInvalid("project_id", "constraint", "the project holds SSH key "+k.ID+"; delete or move its resources first")
		}
	}
	delete(s.st.Projects, p.ID)
	for _, k := range s.st.APIKeys {
		if strings.EqualFold(k.DefaultProjectID, p.ID) {
			k.DefaultProjectID = s.st.OrganizationID
		}
	}
	return http.StatusNoContent, nil, nil
}
