package emulator

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// SSH keys (/iam/v1alpha1/ssh-keys), as the ssh-key*, data-source-*ssh-key* and
// list-iamssh-keys-basic recordings show them.

type sshKey struct {
	ID          string    `json:"id"`
	Seq         uint64    `json:"seq"`
	Name        string    `json:"name"`
	PublicKey   string    `json:"public_key"` // "TYPE BASE64", the comment dropped
	Fingerprint string    `json:"fingerprint"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ProjectID   string    `json:"project_id"`
	Disabled    bool      `json:"disabled"`
}

// sshKeyJSON: key order as recorded (ssh-key-basic #0).
type sshKeyJSON struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	PublicKey      string `json:"public_key"`
	Fingerprint    string `json:"fingerprint"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	OrganizationID string `json:"organization_id"`
	ProjectID      string `json:"project_id"`
	Disabled       bool   `json:"disabled"`
}

func (s *Server) sshKeyOut(k *sshKey) sshKeyJSON {
	return sshKeyJSON{k.ID, k.Name, k.PublicKey, k.Fingerprint, stamp(k.CreatedAt), stamp(k.UpdatedAt), s.st.OrganizationID, k.ProjectID, k.Disabled}
}

// maxSSHKeyName and maxPublicKey are the SDK's limits (iam_sdk.go:1999, 2002).
const (
	maxSSHKeyName = 1000
	maxPublicKey  = 65000
)

// parsePublicKey validates an OpenSSH public key line and returns it without its comment,
// with its fingerprint. Surrounding white space, a trailing newline included, is dropped
// (ssh-key-with-new-line #0); the comment is never answered (every recorded answer). The
// types are those the SDK lists (iam_sdk.go:2002): ssh-rsa, ssh-dss, ssh-ed25519 and ECDSA on
// the NIST curves. The fingerprint is "BITS MD5:hex:pairs (TYPE)" (every recorded answer
// for ed25519: "256 MD5:6b:cd:… (ssh-ed25519)"); bits for the other types are what
// ssh-keygen -l reports (modulus or curve size), an extrapolation.
func parsePublicKey(line string) (key, fingerprint string, e *apiError) {
	bad := func(why string) (string, string, *apiError) {
		return "", "", errInvalid("public_key", "format", "value is not a valid OpenSSH public key: "+why)
	}
	if len(line) > maxPublicKey {
		return "", "", errInvalid("public_key", "constraint", fmt.Sprintf("value length must be at most %d", maxPublicKey))
	}
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return bad(`want "TYPE BASE64 [COMMENT]"`)
	}
	typ := fields[0]
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return bad("the key is not base64")
	}
	r := &wireReader{b: blob}
	if string(r.str()) != typ {
		return bad("the key's type does not match " + typ)
	}
	var bits int
	switch typ {
	case "ssh-rsa":
		r.str() // public exponent
		bits = new(big.Int).SetBytes(r.str()).BitLen()
	case "ssh-dss":
		bits = new(big.Int).SetBytes(r.str()).BitLen() // p
		r.str()                                        // q
		r.str()                                        // g
		r.str()                                        // y
	case "ssh-ed25519":
		if len(r.str()) != 32 {
			r.fail()
		}
		bits = 256
	case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
		curve := strings.TrimPrefix(typ, "ecdsa-sha2-")
		if string(r.str()) != curve {
			r.fail()
		}
		if p := r.str(); len(p) == 0 || p[0] != 4 {
			r.fail() // an uncompressed point
		}
		fmt.Sscanf(strings.TrimPrefix(curve, "nistp"), "%d", &bits)
	default:
		return bad("type " + typ + " is not supported (ssh-rsa, ssh-dss, ssh-ed25519, ecdsa-sha2-nistp256/384/521)")
	}
	if r.bad || len(r.b) != 0 || bits == 0 {
		return bad("the key data is malformed")
	}
	sum := md5.Sum(blob)
	hexPairs := make([]string, len(sum))
	for i, b := range sum {
		hexPairs[i] = fmt.Sprintf("%02x", b)
	}
	return typ + " " + fields[1], fmt.Sprintf("%d MD5:%s (%s)", bits, strings.Join(hexPairs, ":"), typ), nil
}

// wireReader reads the length-prefixed strings of the SSH wire format (RFC 4253 §6.6).
type wireReader struct {
	b   []byte
	bad bool
}

func (r *wireReader) fail() { r.bad = true }

func (r *wireReader) str() []byte {
	if r.bad || len(r.b) < 4 {
		r.bad = true
		return nil
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		r.bad = true
		return nil
	}
	out := r.b[4 : 4+n]
	r.b = r.b[4+n:]
	return out
}

func checkSSHKeyName(name string) *apiError {
	if strings.TrimSpace(name) == "" {
		return errInvalid("name", "required", "value is required")
	}
	if len([]rune(name)) > maxSSHKeyName {
		return errInvalid("name", "constraint", fmt.Sprintf("value length must be between 1 and %d", maxSSHKeyName))
	}
	return nil
}

var sshKeyOrders = []string{"created_at_asc", "created_at_desc", "updated_at_asc", "updated_at_desc", "name_asc", "name_desc"}

// listSSHKeys: disabled=true lists only disabled keys (list-iamssh-keys-basic #15), so
// disabled=false lists only enabled ones. The list holds the keys of the projects the
// bearer may read.
func listSSHKeys(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "created_at_asc", sshKeyOrders...)
	page, size := q.page(iamDefaultPageSize)
	name, _ := q.str("name")
	project, _ := q.str("project_id")
	disabled := q.boolean("disabled")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "ssh_key"); e != nil {
		return 0, nil, e
	}
	if project != "" && !isUUID(project) {
		return 0, nil, errInvalid("project_id", "format", "value must be a valid UUID")
	}
	var items []*sshKey
	for _, k := range s.st.SSHKeys {
		switch {
		case name != "" && !containsFold(k.Name, name),
			project != "" && k.ProjectID != strings.ToLower(project),
			disabled != nil && *disabled != k.Disabled,
			!c.bearer.canProject(false, "ssh_key", k.ProjectID):
			continue
		}
		items = append(items, k)
	}
	orderSlice(items, func(k *sshKey) sortable { return sortable{k.Seq, k.CreatedAt, k.UpdatedAt, k.Name} }, orderBy)
	out := []sshKeyJSON{}
	for _, k := range paginate(items, page, size) {
		out = append(out, s.sshKeyOut(k))
	}
	return http.StatusOK, struct {
		SSHKeys    []sshKeyJSON `json:"ssh_keys"`
		TotalCount int          `json:"total_count"`
	}{out, len(items)}, nil
}

type createSSHKeyReq struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	ProjectID string `json:"project_id"`
}

// createSSHKey: the same public key may be added twice (list-iamssh-keys-basic #0 and #4
// add one key under two names), and names are not unique either.
func createSSHKey(s *Server, c *call) (int, any, *apiError) {
	var req createSSHKeyReq
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if e := checkSSHKeyName(req.Name); e != nil {
		return 0, nil, e
	}
	project, e := s.projectToWrite(c, req.ProjectID, "ssh_key")
	if e != nil {
		return 0, nil, e
	}
	pub, fp, e := parsePublicKey(req.PublicKey)
	if e != nil {
		return 0, nil, e
	}
	if e := s.checkQuota("ssh_keys"); e != nil {
		return 0, nil, e
	}
	k := &sshKey{ID: s.st.newID(), Seq: s.st.Counter, Name: req.Name, PublicKey: pub, Fingerprint: fp, CreatedAt: c.now, UpdatedAt: c.now, ProjectID: project}
	s.st.SSHKeys[k.ID] = k
	return http.StatusOK, s.sshKeyOut(k), nil
}

// lookupSSHKey finds the key and checks the bearer's right on its project; a key in a
// project the bearer cannot read is 403 rather than 404 (the emulator's choice).
func (s *Server) lookupSSHKey(c *call, write bool) (*sshKey, *apiError) {
	id, e := pathID(c, "ssh_key_id")
	if e != nil {
		return nil, e
	}
	k := s.st.SSHKeys[id]
	if k == nil {
		return nil, errNotFound("ssh_key", id)
	}
	if e := c.bearer.checkProject(write, "ssh_key", k.ProjectID); e != nil {
		return nil, e
	}
	return k, nil
}

func getSSHKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupSSHKey(c, false)
	if e != nil {
		return 0, nil, e
	}
	return http.StatusOK, s.sshKeyOut(k), nil
}

// updateSSHKey is partial (name, disabled) and moves updated_at (ssh-key-basic #5,
// ssh-key-disabled #5, #10).
func updateSSHKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupSSHKey(c, true)
	if e != nil {
		return 0, nil, e
	}
	var req struct {
		Name     *string `json:"name"`
		Disabled *bool   `json:"disabled"`
	}
	if e := decode(c, &req); e != nil {
		return 0, nil, e
	}
	if req.Name != nil {
		if e := checkSSHKeyName(*req.Name); e != nil {
			return 0, nil, e
		}
		k.Name = *req.Name
	}
	if req.Disabled != nil {
		k.Disabled = *req.Disabled
	}
	k.UpdatedAt = c.now
	return http.StatusOK, s.sshKeyOut(k), nil
}

func deleteSSHKey(s *Server, c *call) (int, any, *apiError) {
	k, e := s.lookupSSHKey(c, true)
	if e != nil {
		return 0, nil, e
	}
	delete(s.st.SSHKeys, k.ID)
	return http.StatusNoContent, nil, nil
}
