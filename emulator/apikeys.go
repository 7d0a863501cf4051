package emulator

import (
	"net"
	"net/http"
	"strings"
	"time"
)

type apiKey struct {
	AccessKey        string     `json:"access_key"`
	Secret           string     `json:"secret"`
	Seq              uint64     `json:"seq"`
	Description      string     `json:"description"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	ExpiresAt        *time.Time `json:"expires_at,omitempty"`
	DefaultProjectID string     `json:"default_project_id"`
	CreationIP       string     `json:"creation_ip"`
	ApplicationID    string     `json:"application_id,omitempty"`
	UserID           string     `json:"user_id,omitempty"`
}

// apiKeyJSON: key order as recorded (api-key-expires #2). secret_key is present everywhere
// and null except in the create answer (§4, trap 8); expires_at is null for "never".
type apiKeyJSON struct {
	AccessKey        string  `json:"access_key"`
	SecretKey        *string `json:"secret_key"`
	Description      string  `json:"description"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	ExpiresAt        *string `json:"expires_at"`
	DefaultProjectID string  `json:"default_project_id"`
	Editable         bool    `json:"editable"`
	Deletable        bool    `json:"deletable"`
	Managed          bool    `json:"managed"`
	CreationIP       string  `json:"creation_ip"`
	ApplicationID    string  `json:"application_id,omitempty"`
	UserID           string  `json:"user_id,omitempty"`
}

func apiKeyOut(k *apiKey, withSecret bool) apiKeyJSON {
	out := apiKeyJSON{AccessKey: k.AccessKey, Description: k.Description, CreatedAt: stamp(k.CreatedAt), UpdatedAt: stamp(k.UpdatedAt),
		DefaultProjectID: k.DefaultProjectID, Editable: true, Deletable: true, CreationIP: k.CreationIP,
		ApplicationID: k.ApplicationID, UserID: k.UserID}
	if withSecret {
		sk := k.Secret
		out.SecretKey = &sk
	}
	if k.ExpiresAt != nil {
		// Microseconds at most (parseExpiry), trailing zeros dropped, in UTC (api-key-expires #2).
		e := k.ExpiresAt.UTC().Format(time.RFC3339Nano)
		out.ExpiresAt = &e
	}
	return out
}

var apiKeyOrders = []string{"created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc", "expires_at_asc", "expires_at_desc", "access_key_asc", "access_key_desc"}

func listAPIKeys(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", apiKeyOrders...)
	page, size := q.page(iamDefaultPageSize)
	editable := q.boolean("editable")
	expired := q.boolean("expired")
	accessKey, _ := q.str("access_key")
	accessKeys := q.list("access_keys")
	desc, _ := q.str("description")
	bearerID, _ := q.str("bearer_id")
	// unknown_bearer_type is the SDK's zero value, not a filter (§1, trap 13).
	bearerType := q.enum("bearer_type", "unknown_bearer_type", "unknown_bearer_type", "application", "user")
	appID, _ := q.str("application_id")
	userID, _ := q.str("user_id")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "api_key"); e != nil {
		return 0, nil, e
	}
	var items []*apiKey
	for _, k := range s.st.APIKeys {
		isExpired := k.ExpiresAt != nil && !k.ExpiresAt.After(c.now)
		bid := k.ApplicationID + k.UserID
		switch {
		case editable != nil && !*editable, // every key is editable
			expired != nil && *expired != isExpired,
			accessKey != "" && k.AccessKey != accessKey,
			len(accessKeys) > 0 && !inList(accessKeys, k.AccessKey),
			desc != "" && !containsFold(k.Description, desc),
			bearerID != "" && bid != strings.ToLower(bearerID),
			bearerType == "application" && k.ApplicationID == "",
			bearerType == "user" && k.UserID == "",
			appID != "" && k.ApplicationID != strings.ToLower(appID),
			userID != "" && k.UserID != strings.ToLower(userID):
			continue
		}
		items = append(items, k)
	}
	orderSlice(items, func(k *apiKey) sortable {
		name := k.AccessKey
		if strings.HasPrefix(orderBy, "expires_at") {
			// Keys that never expire sort last in ascending order.
			name = "~"
			if k.ExpiresAt != nil {
				name = k.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000000000")
			}
		}
		return sortable{k.Seq, k.CreatedAt, k.UpdatedAt, name}
	}, orderBy)
	out := []apiKeyJSON{}
	for _, k := range paginate(items, page, size) {
		out = append(out, apiKeyOut(k, false))
	}
	return http.StatusOK, struct {
		APIKeys    []apiKeyJSON `json:"api_keys"`
		TotalCount int          `json:"total_count"`
	}{out, len(items)}, nil
}

type createAPIKeyReq struct {
	ApplicationID    *string `json:"application_id"`
	UserID           *string `json:"user_id"`
	ExpiresAt        *string `json:"expires_at"`
	DefaultProjectID *string `json:"default_project_id"`
	Description      string  `json:"description"`
}

// parseExpiry accepts RFC 3339 in any zone and keeps microseconds: the API truncates finer
// digits (a held-out recording; issue 10). A past instant is refused (not recorded).
func parseExpiry(v string, now time.Time) (*time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, errInvalid("expires_at", "format", "value must be an RFC 3339 timestamp")
	}
	t = t.UTC().Truncate(time.Microsecond)
	if !t.After(now) {
		return nil, errInvalid("expires_at", "constraint", "value must be in the future")
	}
	return &t, nil
}

func (s *Server) checkProject(id string) (string, *apiError) {
	return s.checkProjectArg("default_project_id", id)
}

// checkProjectArg validates a project ID given as arg: 400 if malformed, 404 project if
// unknown.
func (s *Server) checkProjectArg(arg, id string) (string, *apiError) {
	if !isUUID(id) {
		return "", errInvalid(arg, "format", "value must be a valid UUID")
	}
	id = strings.ToLower(id)
	if s.st.Projects[id] == nil {
		return "", errNotFound("project", id)
	}
	return id, nil
}

func createAPIKey(s *Server, c *call) (int, any, *apiError) {
	var req createAPIKeyReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	app, user := deref(req.ApplicationID), deref(req.UserID)
	if (app == "") == (user == "") {
		return 0, nil, errInvalid("application_id", "constraint", "exactly one of application_id and user_id must be set")
	}
	if e := s.checkMembers(nonEmpty(strings.ToLower(user)), nonEmpty(strings.ToLower(app)), "user_id", "application_id"); e != nil {
		return 0, nil, e
	}
	if e := checkDescription(req.Description); e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("api_keys"); e != nil {
		return 0, nil, e
	}
	k := &apiKey{Description: req.Description, CreatedAt: c.now, UpdatedAt: c.now, ApplicationID: strings.ToLower(app), UserID: strings.ToLower(user)}
	if req.ExpiresAt != nil && *req.ExpiresAt != "" {
		t, e := parseExpiry(*req.ExpiresAt, c.now)
		if e != nil {
			return 0, nil, e
		}
		k.ExpiresAt = t
	}
	if e := s.checkKeyLifetime(k.ExpiresAt, c.now); e != nil {
		return 0, nil, e
	}
	// Omitted default project = the organization's default project, whose ID is the
	// organization's (§4).
	k.DefaultProjectID = s.st.OrganizationID
	if req.DefaultProjectID != nil && *req.DefaultProjectID != "" {
		id, e := s.checkProject(*req.DefaultProjectID)
		if e != nil {
			return 0, nil, e
		}
		k.DefaultProjectID = id
	}
	k.CreationIP = clientIP(c.r)
	s.issueKey(k)
	return http.StatusOK, apiKeyOut(k, true), nil
}

// issueKey assigns the access and secret keys and stores k.
func (s *Server) issueKey(k *apiKey) {
	for {
		k.AccessKey = s.st.newAccessKey()
		if s.st.APIKeys[k.AccessKey] == nil {
			break
		}
	}
	k.Secret = s.st.newSecret()
	k.Seq = s.st.Counter
	s.st.APIKeys[k.AccessKey] = k
	s.indexKey(k)
	s.st.Issued = append(s.st.Issued, k.Secret)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func clientIP(r *http.Request) string {
	if r == nil {
		return "127.0.0.1"
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || host == "" {
		return "127.0.0.1"
	}
	return host
}

func (s *Server) lookupAPIKey(c *call) (*apiKey, *apiError) {
	ak := c.ids[0]
	k := s.st.APIKeys[ak]
	if k == nil {
		return nil, errNotFound("access_key", ak)
	}
	return k, nil
}

func getAPIKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupAPIKey(c)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, apiKeyOut(k, false), nil
}

type updateAPIKeyReq struct {
	DefaultProjectID *string `json:"default_project_id"`
	Description      *string `json:"description"`
	ExpiresAt        *string `json:"expires_at"`
}

// updateAPIKey: partial; updated_at moves (api-key-with-application #9). expires_at is
// accepted as SDK v1.39 allows it (never recorded).
func updateAPIKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupAPIKey(c)
	if e != nil {
		return 0, nil, e
	}
	var req updateAPIKeyReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	var exp *time.Time
	if req.ExpiresAt != nil && *req.ExpiresAt != "" {
		if exp, e = parseExpiry(*req.ExpiresAt, c.now); e != nil {
			return 0, nil, e
		}
		if e := s.checkKeyLifetime(exp, c.now); e != nil {
			return 0, nil, e
		}
	}
	proj := ""
	if req.DefaultProjectID != nil && *req.DefaultProjectID != "" {
		if proj, e = s.checkProject(*req.DefaultProjectID); e != nil {
			return 0, nil, e
		}
	}
	if req.Description != nil {
		if e := checkDescription(*req.Description); e != nil {
			return 0, nil, e
		}
		k.Description = *req.Description
	}
	if exp != nil {
		k.ExpiresAt = exp
	}
	if proj != "" {
		k.DefaultProjectID = proj
	}
	k.UpdatedAt = c.now
	return http.StatusOK, apiKeyOut(k, false), nil
}

func deleteAPIKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupAPIKey(c)
	if e != nil {
		return 0, nil, e
	}
	if k.AccessKey == s.st.OwnerAccessKey {
		// Deleting the owner key would lock every test out of its emulator.
		return 0, nil, errDenied("write", "api_key")
	}
	s.dropKey(k)
	return http.StatusNoContent, nil, nil
}
