package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configures a Server. The zero value is a usable in-memory emulator.
type Options struct {
	// Seed makes IDs, keys and secrets reproducible (0 is a fixed default, not "random").
	Seed int64
	// OrganizationID is the organization's ID; "" derives one from Seed.
	OrganizationID string
	// StatePath persists the state there after every write ("" = in memory only). An
	// existing file is loaded, and then Seed, OrganizationID and Users are ignored.
	StatePath string
	// ManagedObjects seeds a provider-managed "VPN Gateway" application and policy
	// (managed:true, editable:false) like those found in the recorded organization.
	ManagedObjects bool
	// Users are emails of member users to seed; the owner user always exists.
	Users []string
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// Quotas are the limits enforced on creates, by quotum name (QuotaNames); a name left
	// out is unlimited, and so is everything when Quotas is nil. DefaultQuotas has the
	// documented values. Test helpers (NewCredentials, SeedBulk, AddUser,
	// ProvisionUser, ProvisionGroup) ignore quotas.
	Quotas map[string]int64
	// RateLimit, when above 0, answers 429 to the requests beyond that many per second
	// (token bucket, a second's worth of burst; ratelimit.go). RateLimitHeaders adds
	// Retry-After and X-RateLimit-* headers, which the real API is not known to send.
	RateLimit        float64
	RateLimitHeaders bool
}

// Credentials are what an SDK client needs to talk to the emulator.
type Credentials struct {
	AccessKey, SecretKey, OrganizationID string
	// ProjectID is the organization's default project (its ID equals OrganizationID).
	ProjectID string
}

// String redacts the secret key, so that logging credentials by mistake leaks nothing.
func (c Credentials) String() string {
	return fmt.Sprintf("{AccessKey:%s SecretKey:REDACTED OrganizationID:%s ProjectID:%s}", c.AccessKey, c.OrganizationID, c.ProjectID)
}

// GoString redacts the secret key for %#v too.
func (c Credentials) GoString() string { return "emulator.Credentials" + c.String() }

// Server is an emulated Scaleway IAM + Account projects API.
type Server struct {
	mu   sync.RWMutex
	st   *state
	opts Options
	now  func() time.Time
	// fresh is true when the state was created by New rather than loaded.
	fresh bool

	keys keyIndex // derived from st.APIKeys (keyindex.go)

	limiter    *tokenBucket // nil without Options.RateLimit
	limiterNow func() time.Time
	// journal is the open state journal (nil without StatePath, or once closed); replaying
	// is true while New replays it (journal.go).
	journal   *journal
	replaying bool

	statsMu sync.Mutex
	counts  Counts

	faults faultState

	srvMu    sync.Mutex
	httpSrv  *http.Server
	listener net.Listener
	closed   bool
	// fresh connections (accepted, no request read yet), closed first by Close.
	newConns map[net.Conn]bool
}

// New builds a server; it loads opts.StatePath if that file exists, else seeds a new
// organization (owner user, owner application and key, default project).
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.counts.ByRoute = map[string]RouteCount{}
	if err := checkQuotaNames(opts.Quotas); err != nil {
		return nil, err
	}
	if opts.RateLimit < 0 || math.IsNaN(opts.RateLimit) || math.IsInf(opts.RateLimit, 0) {
		return nil, fmt.Errorf("rate limit %v: want a number of requests per second above 0, or 0 for none", opts.RateLimit)
	}
	// The limiter runs on the wall clock: Options.Now may be a frozen test clock.
	s.limiterNow = time.Now
	if opts.RateLimit > 0 {
		s.limiter = newTokenBucket(opts.RateLimit, s.limiterNow())
	}
	if err := s.open(); err != nil {
		if s.journal != nil {
			s.journal.f.Close()
		}
		return nil, err
	}
	return s, nil
}

// open loads the state file and its journal, or seeds a new organization.
func (s *Server) open() error {
	opts := s.opts
	if opts.StatePath != "" {
		loaded, err := s.loadPersisted()
		if err != nil {
			return err
		}
		if !loaded {
			j, err := openJournal(journalPath(opts.StatePath))
			if err != nil {
				return err
			}
			s.journal = j
		}
	}
	if s.st == nil {
		if opts.OrganizationID != "" && !isUUID(opts.OrganizationID) {
			return fmt.Errorf("organization ID %q is not a UUID", opts.OrganizationID)
		}
		s.st = newState(opts.Seed, strings.ToLower(opts.OrganizationID))
		s.reindexKeys()
		s.fresh = true
		s.seedOrganization()
		for _, email := range opts.Users {
			if _, err := s.addUserLocked(email); err != nil {
				return err
			}
		}
		if opts.ManagedObjects {
			s.seedManaged()
		}
		return s.persistLocked()
	}
	return nil
}

// Start is New plus Listen on a random loopback port.
func Start(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

// Listen starts serving on addr in the background and returns once the socket is bound; the
// server runs until Close.
func (s *Server) Listen(addr string) error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.httpSrv != nil {
		return errors.New("emulator is already listening")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.listener = ln
	s.newConns = map[net.Conn]bool{}
	s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ConnState: s.trackConn}
	go s.httpSrv.Serve(ln)
	return nil
}

// URL is the base URL to give the SDK (SCW_API_URL); "" before Listen.
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Fresh reports whether New created a new organization rather than loading a state file
// (the standalone command prints the owner secret only then).
func (s *Server) Fresh() bool { return s.fresh }

// trackConn remembers the connections that have not carried a request yet.
func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if st == http.StateNew {
		s.newConns[c] = true
	} else {
		delete(s.newConns, c)
	}
}

// Close stops serving (letting in-flight requests finish for up to 5 s) and flushes the state.
// Connections that never carried a request are closed first: net/http's Shutdown would wait
// 5 s for each (it only counts a new connection as idle after that), and HTTP clients dial
// such spares.
func (s *Server) Close() error {
	s.srvMu.Lock()
	srv := s.httpSrv
	already := s.closed
	s.closed = true
	for c := range s.newConns {
		c.Close()
	}
	s.srvMu.Unlock()
	var err error
	if srv != nil && !already {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if e := srv.Shutdown(ctx); e != nil {
			srv.Close()
			err = e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.closeJournal(); e != nil && err == nil {
		err = e
	}
	s.journal = nil
	return err
}

// Owner returns the owner key's credentials, which always have full rights.
func (s *Server) Owner() Credentials {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := s.st.APIKeys[s.st.OwnerAccessKey]
	return Credentials{AccessKey: k.AccessKey, SecretKey: k.Secret, OrganizationID: s.st.OrganizationID, ProjectID: s.st.OrganizationID}
}

// OrganizationID returns the emulated organization's ID.
func (s *Server) OrganizationID() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.OrganizationID
}

// IssuedSecrets returns every secret the emulator ever held, deleted ones included: secret
// keys, member passwords and Secret Manager data (see issueSecretData), so tests can check
// that none leaks into an output.
func (s *Server) IssuedSecrets() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]string(nil), s.st.Issued...)
}

// handlerFunc serves one route. It runs with s.mu held (read lock for GET, write lock
// otherwise) and returns the status and body, or an error answer.
type handlerFunc func(s *Server, c *call) (int, any, *apiError)

// call is one request as handlers see it.
type call struct {
	r      *http.Request
	q      *query
	ids    []string // path parameters in order
	bearer *bearer
	now    time.Time
	body   []byte
}

type routeDef struct {
	method   string
	template string // "/iam/v1alpha1/applications/{id}"
	h        handlerFunc
	resource string // for 403 details
}

// routes lists every served operation. Path parameters are written {id}; matching is by
// segments so an ID can never capture a slash.
var routes = []routeDef{
	{"GET", "/iam/v1alpha1/applications", listApplications, "application"},
	{"POST", "/iam/v1alpha1/applications", createApplication, "application"},
	{"GET", "/iam/v1alpha1/applications/{id}", getApplication, "application"},
	{"PATCH", "/iam/v1alpha1/applications/{id}", updateApplication, "application"},
	{"DELETE", "/iam/v1alpha1/applications/{id}", deleteApplication, "application"},
	{"GET", "/iam/v1alpha1/groups", listGroups, "group"},
	{"POST", "/iam/v1alpha1/groups", createGroup, "group"},
	{"GET", "/iam/v1alpha1/groups/{id}", getGroup, "group"},
	{"PATCH", "/iam/v1alpha1/groups/{id}", updateGroup, "group"},
	{"DELETE", "/iam/v1alpha1/groups/{id}", deleteGroup, "group"},
	{"PUT", "/iam/v1alpha1/groups/{id}/members", setGroupMembers, "group"},
	{"POST", "/iam/v1alpha1/groups/{id}/add-member", addGroupMember, "group"},
	{"POST", "/iam/v1alpha1/groups/{id}/add-members", addGroupMembers, "group"},
	{"POST", "/iam/v1alpha1/groups/{id}/remove-member", removeGroupMember, "group"},
	{"GET", "/iam/v1alpha1/policies", listPolicies, "policy"},
	{"POST", "/iam/v1alpha1/policies", createPolicy, "policy"},
	{"GET", "/iam/v1alpha1/policies/{id}", getPolicy, "policy"},
	{"PATCH", "/iam/v1alpha1/policies/{id}", updatePolicy, "policy"},
	{"DELETE", "/iam/v1alpha1/policies/{id}", deletePolicy, "policy"},
	{"POST", "/iam/v1alpha1/policies/{id}/clone", clonePolicy, "policy"},
	{"GET", "/iam/v1alpha1/rules", listRules, "policy"},
	{"PUT", "/iam/v1alpha1/rules", setRules, "policy"},
	{"GET", "/iam/v1alpha1/permission-sets", listPermissionSets, "permission_set"},
	{"GET", "/iam/v1alpha1/api-keys", listAPIKeys, "api_key"},
	{"POST", "/iam/v1alpha1/api-keys", createAPIKey, "api_key"},
	{"GET", "/iam/v1alpha1/api-keys/{id}", getAPIKey, "api_key"},
	{"PATCH", "/iam/v1alpha1/api-keys/{id}", updateAPIKey, "api_key"},
	{"DELETE", "/iam/v1alpha1/api-keys/{id}", deleteAPIKey, "api_key"},
	{"GET", "/iam/v1alpha1/users", listUsers, "user"},
	{"GET", "/iam/v1alpha1/users/{id}", getUser, "user"},
	{"POST", "/iam/v1alpha1/users", createUser, "user"},
	{"PATCH", "/iam/v1alpha1/users/{id}", updateUser, "user"},
	{"DELETE", "/iam/v1alpha1/users/{id}", deleteUser, "user"},
	{"POST", "/iam/v1alpha1/users/{id}/update-username", updateUsername, "user"},
	{"POST", "/iam/v1alpha1/users/{id}/update-password", updatePassword, "user"},
	{"POST", "/iam/v1alpha1/users/{id}/lock", setLocked(true), "user"},
	{"POST", "/iam/v1alpha1/users/{id}/unlock", setLocked(false), "user"},
	{"GET", "/iam/v1alpha1/ssh-keys", listSSHKeys, "ssh_key"},
	{"POST", "/iam/v1alpha1/ssh-keys", createSSHKey, "ssh_key"},
	{"GET", "/iam/v1alpha1/ssh-keys/{id}", getSSHKey, "ssh_key"},
	{"PATCH", "/iam/v1alpha1/ssh-keys/{id}", updateSSHKey, "ssh_key"},
	{"DELETE", "/iam/v1alpha1/ssh-keys/{id}", deleteSSHKey, "ssh_key"},
	{"GET", "/iam/v1alpha1/organizations/{id}/security-settings", getSecuritySettings, "security_settings"},
	{"PATCH", "/iam/v1alpha1/organizations/{id}/security-settings", updateSecuritySettings, "security_settings"},
	{"GET", "/iam/v1alpha1/organizations/{id}", getOrganization, "organization"},
	{"PATCH", "/iam/v1alpha1/organizations/{id}/login-methods", updateLoginMethods, "organization"},
	{"GET", "/iam/v1alpha1/organizations/{id}/saml", getOrganizationSaml, "saml"},
	{"POST", "/iam/v1alpha1/organizations/{id}/saml", enableOrganizationSaml, "saml"},
	{"PATCH", "/iam/v1alpha1/saml/{id}", updateSaml, "saml"},
	{"DELETE", "/iam/v1alpha1/saml/{id}", deleteSaml, "saml"},
	{"GET", "/iam/v1alpha1/saml/{id}/certificates", listSamlCertificates, "saml"},
	{"POST", "/iam/v1alpha1/saml/{id}/certificates", addSamlCertificate, "saml"},
	{"GET", "/iam/v1alpha1/saml-certificates/{id}", getSamlCertificate, "saml"},
	{"DELETE", "/iam/v1alpha1/saml-certificates/{id}", deleteSamlCertificate, "saml"},
	{"GET", "/iam/v1alpha1/organizations/{id}/scim", getOrganizationScim, "scim"},
	{"POST", "/iam/v1alpha1/organizations/{id}/scim", enableOrganizationScim, "scim"},
	{"DELETE", "/iam/v1alpha1/scim/{id}", deleteScim, "scim"},
	{"GET", "/iam/v1alpha1/scim/{id}/tokens", listScimTokens, "scim"},
	{"POST", "/iam/v1alpha1/scim/{id}/tokens", createScimToken, "scim"},
	{"GET", "/iam/v1alpha1/scim-tokens/{id}", getScimToken, "scim"},
	{"DELETE", "/iam/v1alpha1/scim-tokens/{id}", deleteScimToken, "scim"},
	{"GET", "/iam/v1alpha1/jwts", listJWTs, "jwt"},
	{"GET", "/iam/v1alpha1/jwts/{id}", getJWT, "jwt"},
	{"DELETE", "/iam/v1alpha1/jwts/{id}", deleteJWT, "jwt"},
	{"GET", "/iam/v1alpha1/logs", listLogs, "log"},
	{"GET", "/iam/v1alpha1/logs/{id}", getLog, "log"},
	{"GET", "/iam/v1alpha1/quota", listQuota, "quota"},
	{"GET", "/iam/v1alpha1/quota/{id}", getQuotum, "quota"},
	{"GET", "/secret-manager/v1beta1/regions/{id}/secrets", listSecrets, "secret"},
	{"POST", "/secret-manager/v1beta1/regions/{id}/secrets", createSecret, "secret"},
	{"GET", "/secret-manager/v1beta1/regions/{id}/secrets/{id}", getSecret, "secret"},
	{"DELETE", "/secret-manager/v1beta1/regions/{id}/secrets/{id}", deleteSecret, "secret"},
	{"GET", "/secret-manager/v1beta1/regions/{id}/secrets/{id}/versions", listSecretVersions, "secret"},
	{"POST", "/secret-manager/v1beta1/regions/{id}/secrets/{id}/versions", createSecretVersion, "secret"},
	{"GET", "/secret-manager/v1beta1/regions/{id}/secrets/{id}/versions/{id}", getSecretVersion, "secret"},
	{"DELETE", "/secret-manager/v1beta1/regions/{id}/secrets/{id}/versions/{id}", deleteSecretVersion, "secret"},
	{"GET", "/secret-manager/v1beta1/regions/{id}/secrets/{id}/versions/{id}/access", accessSecretVersion, "secret_access"},
	{"GET", "/account/v3/projects", listProjects, "project"},
	{"POST", "/account/v3/projects", createProject, "project"},
	{"GET", "/account/v3/projects/{id}", getProject, "project"},
	{"PATCH", "/account/v3/projects/{id}", updateProject, "project"},
	{"DELETE", "/account/v3/projects/{id}", deleteProject, "project"},
}

// match finds the route for method and path. pathKnown tells a wrong method (405) from an
// unknown path (404).
func match(method, path string) (rd *routeDef, ids []string, pathKnown bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range routes {
		tsegs := strings.Split(strings.Trim(routes[i].template, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		var got []string
		ok := true
		for j, t := range tsegs {
			if t == "{id}" {
				if segs[j] == "" {
					ok = false
					break
				}
				got = append(got, segs[j])
			} else if t != segs[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if routes[i].method == method {
			return &routes[i], got, true
		}
	}
	return nil, nil, pathKnown
}

// Handler returns the emulator as an http.Handler (faults, auth, accounting included).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

const maxBody = 1 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A handler bug must not kill a test run's server; answer a JSON 500 so it is visible.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeJSON(w, http.StatusInternalServerError, messageBody{Message: "internal error"})
		}
	}()
	path := r.URL.Path
	switch {
	case path == "/metadata" && r.Method == http.MethodGet:
		// §1 / trap 1: the SDK calls this after every IAM call until it succeeds. No auth
		// check: it describes the platform, not the organization.
		s.countMetadata()
		writeJSON(w, http.StatusOK, map[string]string{"platform": "external", "partition": "scw", "domain": "scw.eu"})
		return
	case path == "/_emulator/stats" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Counts())
		return
	case path == "/_emulator/stats" && r.Method == http.MethodDelete:
		s.ResetCounts()
		writeJSON(w, http.StatusNoContent, nil)
		return
	}
	if s.rateLimited(w) {
		return
	}
	rd, ids, known := match(r.Method, path)
	if rd == nil {
		if known {
			writeJSON(w, http.StatusMethodNotAllowed, messageBody{Message: "method not allowed", Type: "method_not_allowed"})
			return
		}
		writeError(w, errNotFound("", path))
		return
	}
	route := rd.method + " " + rd.template
	fault := s.drawFault(route, r.Method != http.MethodGet)
	if fault.latency > 0 {
		select {
		case <-time.After(fault.latency):
		case <-r.Context().Done():
			return
		}
	}
	switch fault.kind {
	case "429", "500", "503", "409", "drop":
		s.countFault()
		s.writeFault(w, fault, rd, ids)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, messageBody{Message: "cannot read request body", Type: "invalid_request_error"})
		return
	}
	if len(body) > maxBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, messageBody{Message: "request body too large", Type: "invalid_request_error"})
		return
	}
	s.countRoute(route, r.Method != http.MethodGet)
	status, out, apiErr := s.execute(rd, r, ids, body)
	if fault.kind == "lost-response" {
		// The write is committed (and persisted); the client never learns it.
		s.countFault()
		abortConnection(w)
		return
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	writeJSON(w, status, out)
}

// execute runs the handler under the state lock, and journals a successful write and
// waits for it to be durable before the answer leaves (nothing acknowledged is lost on
// SIGTERM or SIGKILL; journal.go).
func (s *Server) execute(rd *routeDef, r *http.Request, ids []string, body []byte) (int, any, *apiError) {
	write := r.Method != http.MethodGet
	if !write {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.run(rd, s.newCall(r, ids, body, s.now()), false)
	}
	var (
		status int
		out    any
		e      *apiError
		seq    uint64
		err    error
	)
	func() {
		s.mu.Lock()
		defer s.mu.Unlock() // even if a handler panics: serveHTTP recovers, others go on
		if s.opts.StatePath != "" && s.journal == nil {
			err = errors.New("emulator is closed")
			return
		}
		c := s.newCall(r, ids, body, s.now())
		status, out, e = s.run(rd, c, true)
		if e == nil && s.journal != nil {
			seq, err = s.journalLocked(c, status, out)
		}
	}()
	if err == nil && seq > 0 {
		err = s.syncTo(seq)
	}
	if err != nil {
		// The change stays in memory; the client is told it may not be durable.
		return 0, nil, &apiError{http.StatusServiceUnavailable, messageBody{Message: "emulator could not persist its state", Type: "unknown_error"}}
	}
	return status, out, e
}

// journalLocked appends the write c made to the journal; the caller holds s.mu.
func (s *Server) journalLocked(c *call, status int, out any) (uint64, error) {
	h, err := answerHash(status, out)
	if err != nil {
		return 0, err
	}
	return s.appendLocked(&journalEntry{Now: c.now, Method: c.r.Method, URL: c.r.URL.RequestURI(), AccessKey: c.bearer.key.AccessKey,
		RemoteIP: clientIP(c.r), UserAgent: c.r.UserAgent(), Body: c.body, Status: status, Answer: h})
}

// newCall prepares a request for its handler; now is truncated to the API's microseconds.
func (s *Server) newCall(r *http.Request, ids []string, body []byte, now time.Time) *call {
	return &call{r: r, q: &query{v: r.URL.Query()}, ids: ids, now: now.UTC().Truncate(time.Microsecond), body: body}
}

// run authenticates, authorizes and calls the handler; the caller holds s.mu.
func (s *Server) run(rd *routeDef, c *call, write bool) (int, any, *apiError) {
	b, e := s.authenticate(c.r, c.now)
	if e != nil {
		return 0, nil, e
	}
	c.bearer = b
	if e := s.authorize(b, rd, write); e != nil {
		return 0, nil, e
	}
	return s.dispatch(rd, c, write)
}

// dispatch calls the handler and logs a successful write (logs.go); the journal's replay
// goes through it too, so the logs come back with the state.
func (s *Server) dispatch(rd *routeDef, c *call, write bool) (int, any, *apiError) {
	status, out, e := rd.h(s, c)
	if e == nil && write {
		s.recordLog(rd, c, out)
	}
	return status, out, e
}

// decode parses a JSON request body into dst; an empty body is {}. Unknown fields are
// ignored, as a protobuf JSON gateway does; a wrong type is 400 invalid_arguments.
func decode(c *call, dst any) *apiError {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			name := te.Field
			if name == "" {
				name = "body"
			}
			return errInvalid(name, "format", "value has the wrong type: expected "+te.Type.String())
		}
		return errInvalid("body", "format", "request body is not valid JSON")
	}
	return nil
}

// orgParam checks an organization_id given in a query or body: absent means the bearer's
// organization; another organization is out of the bearer's reach (403, emulator's choice).
func (s *Server) checkOrg(id, resource string) *apiError {
	if id == "" || strings.EqualFold(id, s.st.OrganizationID) {
		return nil
	}
	if !isUUID(id) {
		return errInvalid("organization_id", "format", "value must be a valid UUID")
	}
	return errDenied("read", resource)
}

// pathID validates a UUID path parameter.
func pathID(c *call, arg string) (string, *apiError) {
	id := c.ids[0]
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	if !isUUID(id) {
		return "", errInvalid(arg, "format", "value must be a valid UUID")
	}
	return strings.ToLower(id), nil
}
