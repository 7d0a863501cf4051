package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Secret Manager, the few /secret-manager/v1beta1/regions/{region}/secrets calls a client
// needs to keep credentials as versions of a named secret: list, create, get and delete
// secrets; create, list, get, access and delete versions. Shapes are the SDK's
// (api/secret/v1beta1) and the Secret Manager interactions of the two
// api-key-ephemeral-resource-* recordings.

// secretRegions are the regions the SDK serves Secret Manager in (secret_sdk.go:1126).
var secretRegions = []string{"fr-par", "nl-ams", "pl-waw"}

var secretTypes = []string{"opaque", "certificate", "key_value", "basic_credentials", "database_credentials", "ssh_key"}

type secretVersion struct {
	Revision    uint32     `json:"revision"`
	Data        []byte     `json:"data"`
	DataCRC32   *uint32    `json:"data_crc32,omitempty"`
	Description *string    `json:"description,omitempty"`
	Status      string     `json:"status"` // enabled, disabled, deleted
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
}

type secret struct {
	ID                  string           `json:"id"`
	Seq                 uint64           `json:"seq"`
	Region              string           `json:"region"`
	ProjectID           string           `json:"project_id"`
	Name                string           `json:"name"`
	Tags                []string         `json:"tags"`
	Description         string           `json:"description"`
	Type                string           `json:"type"`
	Path                string           `json:"path"`
	Protected           bool             `json:"protected"`
	CreatedAt           time.Time        `json:"created_at"`
	UpdatedAt           time.Time        `json:"updated_at"`
	DeletionRequestedAt *time.Time       `json:"deletion_requested_at,omitempty"`
	Versions            []*secretVersion `json:"versions"` // by revision, from 1
}

// secretJSON: keys as recorded (api-key-ephemeral-resource-with-application #0).
type secretJSON struct {
	ID                  string    `json:"id"`
	ProjectID           string    `json:"project_id"`
	Name                string    `json:"name"`
	Status              string    `json:"status"`
	CreatedAt           string    `json:"created_at"`
	UpdatedAt           string    `json:"updated_at"`
	Tags                []string  `json:"tags"`
	VersionCount        int       `json:"version_count"`
	Description         string    `json:"description"`
	Managed             bool      `json:"managed"`
	Type                string    `json:"type"`
	Protected           bool      `json:"protected"`
	Path                string    `json:"path"`
	EphemeralPolicy     *struct{} `json:"ephemeral_policy"`
	UsedBy              []string  `json:"used_by"`
	DeletionRequestedAt *string   `json:"deletion_requested_at"`
	KeyID               *string   `json:"key_id"`
	Region              string    `json:"region"`
}

func optStamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

func secretOut(sc *secret) secretJSON {
	return secretJSON{ID: sc.ID, ProjectID: sc.ProjectID, Name: sc.Name, Status: "ready", CreatedAt: stamp(sc.CreatedAt), UpdatedAt: stamp(sc.UpdatedAt),
		Tags: tagsOut(sc.Tags), VersionCount: len(sc.Versions), Description: sc.Description, Type: sc.Type, Protected: sc.Protected, Path: sc.Path,
		UsedBy: []string{}, DeletionRequestedAt: optStamp(sc.DeletionRequestedAt), Region: sc.Region}
}

// secretVersionJSON: keys as recorded (…-with-application #6).
type secretVersionJSON struct {
	Revision            uint32    `json:"revision"`
	SecretID            string    `json:"secret_id"`
	Status              string    `json:"status"`
	CreatedAt           string    `json:"created_at"`
	UpdatedAt           string    `json:"updated_at"`
	DeletedAt           *string   `json:"deleted_at"`
	Description         *string   `json:"description"`
	Latest              bool      `json:"latest"`
	EphemeralProperties *struct{} `json:"ephemeral_properties"`
	DeletionRequestedAt *string   `json:"deletion_requested_at"`
	Region              string    `json:"region"`
}

func versionOut(sc *secret, v *secretVersion) secretVersionJSON {
	return secretVersionJSON{Revision: v.Revision, SecretID: sc.ID, Status: v.Status, CreatedAt: stamp(v.CreatedAt), UpdatedAt: stamp(v.UpdatedAt),
		DeletedAt: optStamp(v.DeletedAt), Description: v.Description, Latest: int(v.Revision) == len(sc.Versions), Region: sc.Region}
}

// secretRegion validates the path's region.
func secretRegion(c *call) (string, *apiError) {
	r := c.ids[0]
	if !inList(secretRegions, r) {
		return "", errInvalid("region", "constraint", "value must be one of: "+strings.Join(secretRegions, ", "))
	}
	return r, nil
}

// errNotUsable is the 412 Secret Manager answers when acting on something deleted: body
// {"help_message":"cannot act on deleted …","precondition":"resource_not_usable",
// "type":"precondition_failed"} as a public client quotes it.
func errNotUsable(what string) *apiError {
	return &apiError{http.StatusPreconditionFailed, preconditionBody{"cannot act on deleted " + what, "precondition failed", "resource_not_usable", "precondition_failed"}}
}

type preconditionBody struct {
	HelpMessage  string `json:"help_message"`
	Message      string `json:"message"`
	Precondition string `json:"precondition"`
	Type         string `json:"type"`
}

// lookupSecret finds the secret of the path in its region, with the bearer's right on its
// project (403 otherwise, as for SSH keys).
func (s *Server) lookupSecret(c *call, right string, write bool) (*secret, *apiError) {
	region, e := secretRegion(c)
	if e != nil {
		return nil, e
	}
	id := strings.ToLower(c.ids[1])
	if !isUUID(id) {
		return nil, errInvalid("secret_id", "format", "value must be a valid UUID")
	}
	sc := s.st.Secrets[id]
	if sc == nil || sc.Region != region {
		return nil, errNotFound("secret", id)
	}
	if e := c.bearer.checkProject(write, right, sc.ProjectID); e != nil {
		return nil, e
	}
	return sc, nil
}

var secretOrders = []string{"name_asc", "name_desc", "created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc"}

// listSecrets: name matches exactly (a client looks its secret up by name); secrets whose
// deletion was requested are listed only with scheduled_for_deletion=true.
func listSecrets(s *Server, c *call) (int, any, *apiError) {
	region, e := secretRegion(c)
	if e != nil {
		return 0, nil, e
	}
	q := c.q
	org, _ := q.str("organization_id")
	project, _ := q.str("project_id")
	orderBy := q.enum("order_by", "name_asc", secretOrders...)
	page, size := q.page(iamDefaultPageSize)
	name, hasName := q.str("name")
	path, hasPath := q.str("path")
	tags := q.list("tags")
	typ := q.enum("type", "unknown_type", append([]string{"unknown_type"}, secretTypes...)...)
	scheduled := q.boolean("scheduled_for_deletion")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "secret"); e != nil {
		return 0, nil, e
	}
	var items []*secret
	for _, sc := range s.st.Secrets {
		switch {
		case sc.Region != region,
			project != "" && sc.ProjectID != strings.ToLower(project),
			hasName && name != "" && sc.Name != name,
			hasPath && path != "" && sc.Path != path,
			typ != "unknown_type" && sc.Type != typ,
			(scheduled != nil && *scheduled) != (sc.DeletionRequestedAt != nil),
			!hasAllTags(sc.Tags, tags),
			!c.bearer.canProject(false, "secret", sc.ProjectID):
			continue
		}
		items = append(items, sc)
	}
	orderSlice(items, func(sc *secret) sortable { return sortable{sc.Seq, sc.CreatedAt, sc.UpdatedAt, sc.Name} }, orderBy)
	out := []secretJSON{}
	for _, sc := range paginate(items, page, size) {
		out = append(out, secretOut(sc))
	}
	return http.StatusOK, struct {
		Secrets    []secretJSON `json:"secrets"`
		TotalCount int          `json:"total_count"`
	}{out, len(items)}, nil
}

func hasAllTags(have, want []string) bool {
	for _, t := range want {
		if !hasTag(have, t) {
			return false
		}
	}
	return true
}

type createSecretReq struct {
	ProjectID   string   `json:"project_id"`
	Name        string   `json:"name"`
	Tags        []string `json:"tags"`
	Description *string  `json:"description"`
	Type        string   `json:"type"`
	Path        *string  `json:"path"`
	Protected   bool     `json:"protected"`
}

// createSecret: type defaults to opaque and path to "/" (SDK doc, secret_sdk.go:701).
// A name already used at that path in the project and region is 409 already_exists: the
// secrets-by-path call (secret_sdk.go:1725) finds a secret by project, path and name, so
// they must designate one (the emulator's reading; not recorded).
func createSecret(s *Server, c *call) (int, any, *apiError) {
	region, e := secretRegion(c)
	if e != nil {
		return 0, nil, e
	}
	var req createSecretReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	project, e := s.projectToWrite(c, req.ProjectID, "secret")
	if e != nil {
		return 0, nil, e
	}
	if strings.TrimSpace(req.Name) == "" {
		return 0, nil, errInvalid("name", "required", "value is required")
	}
	typ := req.Type
	if typ == "" || typ == "unknown_type" {
		typ = "opaque"
	}
	if !inList(secretTypes, typ) {
		return 0, nil, errInvalid("type", "constraint", "value must be one of: "+strings.Join(secretTypes, ", "))
	}
	path := "/"
	if req.Path != nil && *req.Path != "" {
		path = *req.Path
	}
	if !strings.HasPrefix(path, "/") {
		return 0, nil, errInvalid("path", "format", `value must start with "/"`)
	}
	if e := checkTags(req.Tags); e != nil {
		return 0, nil, e
	}
	for _, o := range s.st.Secrets {
		if o.Region == region && o.ProjectID == project && o.Path == path && o.Name == req.Name && o.DeletionRequestedAt == nil {
			return 0, nil, errAlreadyExists("secret", o.ID, fmt.Sprintf("a secret named %q already exists at %s in this project; add a version to it", req.Name, path))
		}
	}
	sc := &secret{ID: s.st.newID(), Seq: s.st.Counter, Region: region, ProjectID: project, Name: req.Name, Tags: tagsOut(req.Tags), Type: typ, Path: path,
		Protected: req.Protected, CreatedAt: c.now, UpdatedAt: c.now, Versions: []*secretVersion{}}
	if req.Description != nil {
		sc.Description = *req.Description
	}
	s.st.Secrets[sc.ID] = sc
	return http.StatusOK, secretOut(sc), nil
}

func getSecret(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", false)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, secretOut(sc), nil
}

// deleteSecret requests the deletion: the secret stays readable with deletion_requested_at
// set (…-with-application #42 then #45). A protected secret cannot be deleted (SDK: "cannot
// be deleted"; the 412's precondition value is a guess); deleting it twice is 412.
func deleteSecret(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", true)
	if e != nil {
		return 0, nil, e
	}
	if sc.DeletionRequestedAt != nil {
		return 0, nil, errNotUsable("secret")
	}
	if sc.Protected {
		return 0, nil, &apiError{http.StatusPreconditionFailed, preconditionBody{"the secret is protected: unprotect it before deleting it", "precondition failed", "unknown_precondition", "precondition_failed"}}
	}
	t := c.now
	sc.DeletionRequestedAt = &t
	return http.StatusNoContent, nil, nil
}

type createVersionReq struct {
	Data            []byte  `json:"data"` // base64 in JSON, as []byte is
	Description     *string `json:"description"`
	DisablePrevious *bool   `json:"disable_previous"`
	DataCRC32       *uint32 `json:"data_crc32"`
}

// createSecretVersion adds revision n+1, the latest; the secret's updated_at does not move
// (…-with-application #26 after three versions). data_crc32 is kept and answered, not
// checked (its checksum variant is not documented).
func createSecretVersion(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", true)
	if e != nil {
		return 0, nil, e
	}
	if sc.DeletionRequestedAt != nil {
		return 0, nil, errNotUsable("secret")
	}
	var req createVersionReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if len(req.Data) == 0 {
		return 0, nil, errInvalid("data", "required", "value is required (base64)")
	}
	if len(req.Data) > 64<<10 {
		return 0, nil, errInvalid("data", "constraint", "value must be at most 64 KiB")
	}
	if req.DisablePrevious != nil && *req.DisablePrevious && len(sc.Versions) > 0 {
		if prev := sc.Versions[len(sc.Versions)-1]; prev.Status == "enabled" {
			prev.Status = "disabled"
			prev.UpdatedAt = c.now
		}
	}
	v := &secretVersion{Revision: uint32(len(sc.Versions) + 1), Data: append([]byte(nil), req.Data...), DataCRC32: req.DataCRC32,
		Description: req.Description, Status: "enabled", CreatedAt: c.now, UpdatedAt: c.now}
	sc.Versions = append(sc.Versions, v)
	s.issueSecretData(req.Data)
	return http.StatusOK, versionOut(sc, v), nil
}

var accessKeyFormat = regexp.MustCompile(`^SCW[A-Z0-9]{17}$`)

// issueSecretData adds stored secret data to IssuedSecrets, so that secret canaries catch
// it in an output, unless it is a bare access key (not a secret, printed legitimately),
// shorter than 8 bytes (it would match anywhere), or already holds an issued secret (then
// that one is the canary).
func (s *Server) issueSecretData(data []byte) {
	d := string(data)
	if len(d) < 8 || accessKeyFormat.MatchString(d) {
		return
	}
	for _, sec := range s.st.Issued {
		if len(sec) >= 8 && strings.Contains(d, sec) {
			return
		}
	}
	s.st.Issued = append(s.st.Issued, d)
}

// lookupVersion resolves the revision of the path: a number, "latest" or "latest_enabled"
// (secret_sdk.go:575).
func (s *Server) lookupVersion(c *call, sc *secret) (*secretVersion, *apiError) {
	rev := c.ids[2]
	if u, err := url.PathUnescape(rev); err == nil {
		rev = u
	}
	switch rev {
	case "latest":
		for i := len(sc.Versions) - 1; i >= 0; i-- {
			if sc.Versions[i].Status != "deleted" {
				return sc.Versions[i], nil
			}
		}
		return nil, errNotFound("secret_version", rev)
	case "latest_enabled":
		for i := len(sc.Versions) - 1; i >= 0; i-- {
			if sc.Versions[i].Status == "enabled" {
				return sc.Versions[i], nil
			}
		}
		return nil, errNotFound("secret_version", rev)
	}
	n, err := strconv.ParseUint(rev, 10, 32)
	if err != nil || n == 0 {
		return nil, errInvalid("revision", "format", `value must be a revision number, "latest" or "latest_enabled"`)
	}
	if int(n) > len(sc.Versions) {
		return nil, errNotFound("secret_version", rev)
	}
	return sc.Versions[n-1], nil
}

func getSecretVersion(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", false)
	if e != nil {
		return 0, nil, e
	}
	v, e := s.lookupVersion(c, sc)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, versionOut(sc, v), nil
}

// accessSecretVersion answers the data (base64 in JSON) as recorded (…-with-application
// #8). It needs the access right, which read-only sets do not give; a deleted or disabled
// version is 412.
func accessSecretVersion(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret_access", false)
	if e != nil {
		return 0, nil, e
	}
	v, e := s.lookupVersion(c, sc)
	if e != nil {
		return 0, nil, e
	}
	switch v.Status {
	case "deleted":
		return 0, nil, errNotUsable("secret version")
	case "disabled":
		return 0, nil, &apiError{http.StatusPreconditionFailed, preconditionBody{"the secret version is disabled: enable it to access its data", "precondition failed", "resource_not_usable", "precondition_failed"}}
	}
	return http.StatusOK, struct {
		SecretID  string  `json:"secret_id"`
		Revision  uint32  `json:"revision"`
		Data      []byte  `json:"data"`
		DataCRC32 *uint32 `json:"data_crc32"`
		Type      string  `json:"type"`
	}{sc.ID, v.Revision, v.Data, v.DataCRC32, sc.Type}, nil
}

// listSecretVersions lists newest first (…-with-application #28), with the status filter.
func listSecretVersions(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", false)
	if e != nil {
		return 0, nil, e
	}
	page, size := c.q.page(iamDefaultPageSize)
	var statuses []string // unknown_status is the SDK's zero value: no filter
	for _, st := range c.q.list("status") {
		if st != "unknown_status" {
			statuses = append(statuses, st)
		}
	}
	if c.q.err != nil {
		return 0, nil, c.q.err
	}
	var items []*secretVersion
	for i := len(sc.Versions) - 1; i >= 0; i-- {
		if v := sc.Versions[i]; len(statuses) == 0 || inList(statuses, v.Status) {
			items = append(items, v)
		}
	}
	out := []secretVersionJSON{}
	for _, v := range paginate(items, page, size) {
		out = append(out, versionOut(sc, v))
	}
	return http.StatusOK, struct {
		Versions   []secretVersionJSON `json:"versions"`
		TotalCount int                 `json:"total_count"`
	}{out, len(items)}, nil
}

// deleteSecretVersion marks the version deleted and forgets its data; version_count keeps
// counting it (…-with-application #39–#41 then #45). A second delete is 412.
func deleteSecretVersion(s *Server, c *call) (int, any, *apiError) {
	sc, e := s.lookupSecret(c, "secret", true)
	if e != nil {
		return 0, nil, e
	}
	v, e := s.lookupVersion(c, sc)
	if e != nil {
		return 0, nil, e
	}
	if v.Status == "deleted" {
		return 0, nil, errNotUsable("secret version")
	}
	t := c.now
	v.Status, v.DeletedAt, v.UpdatedAt, v.Data = "deleted", &t, c.now, nil
	return http.StatusNoContent, nil, nil
}
