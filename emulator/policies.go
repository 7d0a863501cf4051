package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

type rule struct {
	ID                 string   `json:"id"`
	PermissionSetNames []string `json:"permission_set_names"`
	Condition          string   `json:"condition"`
	OrganizationID     string   `json:"organization_id,omitempty"`
	ProjectIDs         []string `json:"project_ids,omitempty"`
	AccountRootUserID  string   `json:"account_root_user_id,omitempty"`
}

type policy struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Managed     bool      `json:"managed"`
	Tags        []string  `json:"tags"`
	// At most one principal is set; none means no_principal.
	ApplicationID string `json:"application_id,omitempty"`
	GroupID       string `json:"group_id,omitempty"`
	UserID        string `json:"user_id,omitempty"`
	Rules         []rule `json:"rules"`
}

// policyJSON: key order as recorded (policy-basic #4). The principal keys are absent when
// unused and no_principal is only ever true (§4, trap 10).
type policyJSON struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	OrganizationID   string   `json:"organization_id"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
	Editable         bool     `json:"editable"`
	Deletable        bool     `json:"deletable"`
	Managed          bool     `json:"managed"`
	NbRules          int      `json:"nb_rules"`
	NbScopes         int      `json:"nb_scopes"`
	NbPermissionSets int      `json:"nb_permission_sets"`
	Tags             []string `json:"tags"`
	UserID           string   `json:"user_id,omitempty"`
	GroupID          string   `json:"group_id,omitempty"`
	ApplicationID    string   `json:"application_id,omitempty"`
	NoPrincipal      bool     `json:"no_principal,omitempty"`
}

// policyOut renders p. Counters (§5.3): nb_rules = rules; nb_permission_sets = names across
// rules (duplicates counted, not recorded); nb_scopes = distinct scopes, where each project
// of project_ids is a scope (not recorded).
func (s *Server) policyOut(p *policy, zeroCounters bool) policyJSON {
	out := policyJSON{ID: p.ID, Name: p.Name, Description: p.Description, OrganizationID: s.st.OrganizationID,
		CreatedAt: stamp(p.CreatedAt), UpdatedAt: stamp(p.UpdatedAt), Editable: !p.Managed, Deletable: !p.Managed,
		Managed: p.Managed, Tags: tagsOut(p.Tags), UserID: p.UserID, GroupID: p.GroupID, ApplicationID: p.ApplicationID}
	out.NoPrincipal = p.UserID == "" && p.GroupID == "" && p.ApplicationID == ""
	if zeroCounters {
		return out // trap 2: the create answer says 0/0/0 (policy-basic #4)
	}
	scopes := map[string]bool{}
	for _, r := range p.Rules {
		out.NbRules++
		out.NbPermissionSets += len(r.PermissionSetNames)
		switch {
		case r.OrganizationID != "":
			scopes["o:"+r.OrganizationID] = true
		case r.AccountRootUserID != "":
			scopes["a:"+r.AccountRootUserID] = true
		default:
			for _, id := range r.ProjectIDs {
				scopes["p:"+id] = true
			}
		}
	}
	out.NbScopes = len(scopes)
	return out
}

type ruleJSON struct {
	ID                      string   `json:"id"`
	PermissionSetNames      []string `json:"permission_set_names"`
	PermissionSetsScopeType string   `json:"permission_sets_scope_type"`
	Condition               string   `json:"condition"`
	OrganizationID          string   `json:"organization_id,omitempty"`
	ProjectIDs              []string `json:"project_ids,omitempty"`
	AccountRootUserID       string   `json:"account_root_user_id,omitempty"`
}

// ruleOut: the scope type comes from the catalogue, not from the scope field (§5.3, trap 4).
func ruleOut(r rule) ruleJSON {
	st := "unknown_scope_type"
	if len(r.PermissionSetNames) > 0 {
		if ps := catalogByName[r.PermissionSetNames[0]]; ps != nil {
			st = ps.ScopeType
		}
	}
	return ruleJSON{r.ID, r.PermissionSetNames, st, r.Condition, r.OrganizationID, r.ProjectIDs, r.AccountRootUserID}
}

type ruleSpec struct {
	PermissionSetNames []string  `json:"permission_set_names"`
	Condition          string    `json:"condition"`
	OrganizationID     *string   `json:"organization_id"`
	ProjectIDs         *[]string `json:"project_ids"`
	AccountRootUserID  *string   `json:"account_root_user_id"`
}

// buildRules validates rule specs and gives every rule a new ID (a PUT renews every rule ID,
// trap 3). Errors not recorded are worded by the emulator; the mixed-scope and the missing
// scope errors follow the issues quoted in §5.3.
func (s *Server) buildRules(specs []ruleSpec) ([]rule, *apiError) {
	out := make([]rule, 0, len(specs))
	for i, sp := range specs {
		arg := fmt.Sprintf("rules[%d]", i)
		if len(sp.PermissionSetNames) == 0 {
			return nil, errInvalid(arg+".permission_set_names", "required", "at least one permission set is required")
		}
		scopeType := ""
		for _, n := range sp.PermissionSetNames {
			ps := catalogByName[n]
			if ps == nil {
				return nil, errInvalid(arg+".permission_set_names", "constraint", fmt.Sprintf("permission set %q does not exist", n))
			}
			if scopeType != "" && ps.ScopeType != scopeType {
				return nil, errInvalid(arg+".permission_set_names", "constraint", "permission sets must be of the same scope type")
			}
			scopeType = ps.ScopeType
		}
		set := 0
		if sp.OrganizationID != nil {
			set++
		}
		if sp.ProjectIDs != nil {
			set++
		}
		if sp.AccountRootUserID != nil {
			set++
		}
		if set != 1 {
			return nil, errInvalid(arg, "constraint", arg+" is wrongly formatted, embedded message failed validation: exactly one of organization_id, project_ids, account_root_user_id must be set")
		}
		r := rule{PermissionSetNames: append([]string{}, sp.PermissionSetNames...), Condition: sp.Condition}
		switch {
		case sp.OrganizationID != nil:
			if !strings.EqualFold(*sp.OrganizationID, s.st.OrganizationID) {
				return nil, errInvalid(arg+".organization_id", "constraint", "organization_id must be the policy's organization")
			}
			r.OrganizationID = s.st.OrganizationID
		case sp.ProjectIDs != nil:
			if scopeType != "projects" {
				return nil, errInvalid(arg+".project_ids", "constraint", "organization-level permission sets must be scoped to the organization")
			}
			if len(*sp.ProjectIDs) == 0 {
				return nil, errInvalid(arg+".project_ids", "required", "at least one project is required")
			}
			for _, pid := range *sp.ProjectIDs {
				if !isUUID(pid) {
					return nil, errInvalid(arg+".project_ids", "format", "value must be a valid UUID")
				}
				if s.st.Projects[strings.ToLower(pid)] == nil {
					return nil, errNotFound("project", pid)
				}
			}
			r.ProjectIDs = dedupe(*sp.ProjectIDs)
		default:
			return nil, errInvalid(arg+".account_root_user_id", "constraint", "no permission set has the account_root_user scope type")
		}
		out = append(out, r)
	}
	for i := range out {
		out[i].ID = s.st.newID()
	}
	return out, nil
}

type principalReq struct {
	UserID        *string `json:"user_id"`
	GroupID       *string `json:"group_id"`
	ApplicationID *string `json:"application_id"`
	NoPrincipal   *bool   `json:"no_principal"`
}

// principal resolves the principal fields; given reports whether any was set.
func (s *Server) principal(pr principalReq) (user, grp, app string, given bool, e *apiError) {
	n := 0
	if pr.UserID != nil && *pr.UserID != "" {
		n++
		user = strings.ToLower(*pr.UserID)
		if !isUUID(user) {
			return "", "", "", true, errInvalid("user_id", "format", "value must be a valid UUID")
		}
		if s.st.Users[user] == nil {
			return "", "", "", true, errNotFound("user", user)
		}
	}
	if pr.GroupID != nil && *pr.GroupID != "" {
		n++
		grp = strings.ToLower(*pr.GroupID)
		if !isUUID(grp) {
			return "", "", "", true, errInvalid("group_id", "format", "value must be a valid UUID")
		}
		if s.st.Groups[grp] == nil {
			return "", "", "", true, errNotFound("group", grp)
		}
	}
	if pr.ApplicationID != nil && *pr.ApplicationID != "" {
		n++
		app = strings.ToLower(*pr.ApplicationID)
		if !isUUID(app) {
			return "", "", "", true, errInvalid("application_id", "format", "value must be a valid UUID")
		}
		if s.st.Applications[app] == nil {
			return "", "", "", true, errNotFound("application", app)
		}
	}
	if pr.NoPrincipal != nil && *pr.NoPrincipal {
		n++
	}
	if n > 1 {
		return "", "", "", true, errInvalid("principal", "constraint", "only one of user_id, group_id, application_id, no_principal may be set")
	}
	return user, grp, app, n == 1, nil
}

type createPolicyReq struct {
	createReq
	Rules []ruleSpec `json:"rules"`
	principalReq
}

func createPolicy(s *Server, c *call) (int, any, *apiError) {
	var req createPolicyReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := s.checkCreate(req.createReq, "policy"); e != nil {
		return 0, nil, e
	}
	user, grp, app, given, e := s.principal(req.principalReq)
	if e != nil {
		return 0, nil, e
	}
	if !given {
		return 0, nil, errInvalid("principal", "required", "one of user_id, group_id, application_id, no_principal must be set")
	}
	// The quota before the rules: buildRules draws rule IDs, and a refused write must draw
	// nothing (the journal replays only accepted ones, journal.go).
	if e := s.checkQuota("policies"); e != nil {
		return 0, nil, e
	}
	rules, e := s.buildRules(req.Rules)
	if e != nil {
		return 0, nil, e
	}
	p := s.newPolicy(req.Name, req.Description, req.Tags, c.now)
	p.UserID, p.GroupID, p.ApplicationID, p.Rules = user, grp, app, rules
	return http.StatusOK, s.policyOut(p, true), nil
}

func (s *Server) newPolicy(name, desc string, tags []string, now time.Time) *policy {
	p := &policy{ID: s.st.newID(), Seq: s.st.Counter, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now, Tags: tagsOut(tags), Rules: []rule{}}
	s.st.Policies[p.ID] = p
	return p
}

func (s *Server) findPolicy(id string) (*policy, *apiError) {
	if !isUUID(id) {
		return nil, errInvalid("policy_id", "format", "value must be a valid UUID")
	}
	id = strings.ToLower(id)
	p := s.st.Policies[id]
	if p == nil {
		return nil, errNotFound("policy", id)
	}
	return p, nil
}

func (s *Server) lookupPolicy(c *call) (*policy, *apiError) {
	id, e := pathID(c, "policy_id")
	if e != nil {
		return nil, e
	}
	return s.findPolicy(id)
}

func getPolicy(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupPolicy(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.policyOut(p, false), nil
}

var policyOrders = []string{"policy_name_asc", "policy_name_desc", "created_at_asc", "created_at_desc"}

func listPolicies(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "policy_name_asc", policyOrders...)
	page, size := q.page(iamDefaultPageSize)
	editable := q.boolean("editable")
	userIDs := q.uuids("user_ids")
	groupIDs := q.uuids("group_ids")
	appIDs := q.uuids("application_ids")
	noPrincipal := q.boolean("no_principal")
	name, _ := q.str("policy_name")
	tag, _ := q.str("tag")
	ids := q.uuids("policy_ids")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "policy"); e != nil {
		return 0, nil, e
	}
	var items []*policy
	for _, p := range s.st.Policies {
		none := p.UserID == "" && p.GroupID == "" && p.ApplicationID == ""
		switch {
		case editable != nil && *editable == p.Managed,
			len(userIDs) > 0 && !inList(userIDs, p.UserID),
			len(groupIDs) > 0 && !inList(groupIDs, p.GroupID),
			len(appIDs) > 0 && !inList(appIDs, p.ApplicationID),
			noPrincipal != nil && *noPrincipal != none,
			name != "" && !containsFold(p.Name, name),
			tag != "" && !hasTag(p.Tags, tag),
			len(ids) > 0 && !inList(ids, p.ID):
			continue
		}
		items = append(items, p)
	}
	// policy_name_* is case-insensitive (§5.7, trap 12).
	orderSlice(items, func(p *policy) sortable { return sortable{p.Seq, p.CreatedAt, p.UpdatedAt, p.Name} }, orderBy)
	out := []policyJSON{}
	for _, p := range paginate(items, page, size) {
		out = append(out, s.policyOut(p, false))
	}
	return http.StatusOK, struct {
		Policies   []policyJSON `json:"policies"`
		TotalCount int          `json:"total_count"`
	}{out, len(items)}, nil
}

type updatePolicyReq struct {
	patchReq
	principalReq
}

// updatePolicy: partial; a principal field replaces the previous principal (§5.2). updated_at
// does not move (recorded for tags and principal changes; assumed for name/description).
func updatePolicy(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupPolicy(c)
	if e != nil {
		return 0, nil, e
	}
	var req updatePolicyReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if p.Managed {
		return 0, nil, errDenied("write", "policy")
	}
	if e := req.check(); e != nil {
		return 0, nil, e
	}
	user, grp, app, given, e := s.principal(req.principalReq)
	if e != nil {
		return 0, nil, e
	}
	req.apply(&p.Name, &p.Description, &p.Tags)
	if given {
		p.UserID, p.GroupID, p.ApplicationID = user, grp, app
	}
	return http.StatusOK, s.policyOut(p, false), nil
}

func deletePolicy(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupPolicy(c)
	if e != nil {
		return 0, nil, e
	}
	if p.Managed {
		return 0, nil, errDenied("write", "policy")
	}
	delete(s.st.Policies, p.ID)
	return http.StatusNoContent, nil, nil
}

// clonePolicy: never recorded (§3, §9). The copy is named "<name> (copy)" (cut to 64
// characters), keeps description, tags and rules (with new rule IDs), and has no principal,
// so that cloning never grants anything by itself. Its answer carries real counters.
func clonePolicy(s *Server, c *call) (int, any, *apiError) {
	p, e := s.lookupPolicy(c)
	if e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("policies"); e != nil {
		return 0, nil, e
	}
	name := []rune(p.Name + " (copy)")
	if len(name) > 64 {
		name = name[:64]
	}
	cp := s.newPolicy(string(name), p.Description, append([]string{}, p.Tags...), c.now)
	for _, r := range p.Rules {
		r.ID = s.st.newID()
		r.PermissionSetNames = append([]string{}, r.PermissionSetNames...)
		r.ProjectIDs = append([]string(nil), r.ProjectIDs...)
		cp.Rules = append(cp.Rules, r)
	}
	return http.StatusOK, s.policyOut(cp, false), nil
}

func listRules(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	pid, _ := q.str("policy_id")
	page, size := q.page(iamDefaultPageSize)
	if q.err != nil {
		return 0, nil, q.err
	}
	if pid == "" {
		return 0, nil, errInvalid("policy_id", "required", "value is required")
	}
	p, e := s.findPolicy(pid)
	if e != nil {
		return 0, nil, e
	}
	out := []ruleJSON{}
	for _, r := range paginate(p.Rules, page, size) {
		out = append(out, ruleOut(r))
	}
	return http.StatusOK, struct {
		Rules      []ruleJSON `json:"rules"`
		TotalCount int        `json:"total_count"`
	}{out, len(p.Rules)}, nil
}

type setRulesReq struct {
	PolicyID string     `json:"policy_id"`
	Rules    []ruleSpec `json:"rules"`
}

// setRules replaces every rule (new IDs, request order) and moves the policy's updated_at
// (policy-basic #13, #14). The answer has no total_count (§2).
func setRules(s *Server, c *call) (int, any, *apiError) {
	var req setRulesReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.PolicyID == "" {
		return 0, nil, errInvalid("policy_id", "required", "value is required")
	}
	p, e := s.findPolicy(req.PolicyID)
	if e != nil {
		return 0, nil, e
	}
	if p.Managed {
		return 0, nil, errDenied("write", "policy")
	}
	rules, e := s.buildRules(req.Rules)
	if e != nil {
		return 0, nil, e
	}
	p.Rules = rules
	p.UpdatedAt = c.now
	out := []ruleJSON{}
	for _, r := range rules {
		out = append(out, ruleOut(r))
	}
	return http.StatusOK, struct {
		Rules []ruleJSON `json:"rules"`
	}{out}, nil
}
