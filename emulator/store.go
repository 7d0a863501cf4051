package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// stateVersion is bumped when the state file layout changes incompatibly.
const stateVersion = 1

// state is everything the emulator knows; it is what --state persists. Every field is
// exported for encoding/json only; the package never shares a *state outside the lock.
type state struct {
	Version int    `json:"version"`
	Seed    int64  `json:"seed"`
	Counter uint64 `json:"counter"` // drives ID generation, so IDs stay unique across restarts
	// JournalSeq is the last journal entry this snapshot holds (journal.go).
	JournalSeq         uint64 `json:"journal_seq"`
	OrganizationID     string `json:"organization_id"`
	OwnerAccessKey     string `json:"owner_access_key"`
	OwnerUserID        string `json:"owner_user_id"`
	OwnerApplicationID string `json:"owner_application_id"`
	RootUserID         string `json:"root_user_id"`

	Applications map[string]*application `json:"applications"`
	Groups       map[string]*group       `json:"groups"`
	Policies     map[string]*policy      `json:"policies"`
	APIKeys      map[string]*apiKey      `json:"api_keys"` // by access key
	Users        map[string]*user        `json:"users"`
	Projects     map[string]*project     `json:"projects"`
	SSHKeys      map[string]*sshKey      `json:"ssh_keys"`
	Security     *securitySettings       `json:"security_settings"`
	Secrets      map[string]*secret      `json:"secrets"` // Secret Manager, every region
	// Organization holds the IAM view of the organization: name, alias, login methods.
	Organization *organization `json:"organization"`
	// Saml and Scim are nil while identity federation and provisioning are disabled.
	Saml *samlConfig `json:"saml,omitempty"`
	Scim *scimConfig `json:"scim,omitempty"`
	// JWTs are the users' console sessions, by jti (jwts.go).
	JWTs map[string]*jwtSession `json:"jwts"`
	// Logs are the audit logs of the writes, oldest first (logs.go).
	Logs []*logEntry `json:"logs"`
	// Issued lists every secret key ever issued, deleted keys included (Server.IssuedSecrets).
	Issued []string `json:"issued"`
}

func newState(seed int64, orgID string) *state {
	st := &state{
		Version:      stateVersion,
		Seed:         seed,
		Applications: map[string]*application{},
		Groups:       map[string]*group{},
		Policies:     map[string]*policy{},
		APIKeys:      map[string]*apiKey{},
		Users:        map[string]*user{},
		Projects:     map[string]*project{},
		SSHKeys:      map[string]*sshKey{},
		Security:     defaultSecuritySettings(),
		Secrets:      map[string]*secret{},
		Organization: defaultOrganization(),
		JWTs:         map[string]*jwtSession{},
	}
	if orgID == "" {
		orgID = st.newID()
	}
	st.OrganizationID = orgID
	return st
}

// fillNew gives collections added after stateVersion 1 their empty value, so that a state
// file written before them still loads.
func (st *state) fillNew() {
	if st.SSHKeys == nil {
		st.SSHKeys = map[string]*sshKey{}
	}
	if st.Secrets == nil {
		st.Secrets = map[string]*secret{}
	}
	if st.Security == nil {
		st.Security = defaultSecuritySettings()
	}
	if st.Organization == nil {
		st.Organization = defaultOrganization()
	}
	if st.JWTs == nil {
		st.JWTs = map[string]*jwtSession{}
	}
	st.ensureManagedGroups()
}

// next returns 32 pseudo-random bytes derived from the seed and a persisted counter: the
// same seed and the same sequence of writes give the same IDs, which keeps golden files and
// conformance reports stable, and a restarted emulator never reuses an ID.
func (st *state) next(domain string) [32]byte {
	st.Counter++
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(st.Seed))
	binary.BigEndian.PutUint64(buf[8:], st.Counter)
	return sha256.Sum256(append([]byte("iamsync-emulator/"+domain+"/"), buf[:]...))
}

// newID returns a lowercase version-4 UUID.
func (st *state) newID() string { return uuidFrom(st.next("id")) }

// newSecret returns a secret key (a UUID, as the real API issues).
func (st *state) newSecret() string { return uuidFrom(st.next("secret")) }

// newAccessKey returns "SCW" + 17 upper-case letters and digits.
func (st *state) newAccessKey() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := st.next("access-key")
	var sb strings.Builder
	sb.WriteString("SCW")
	for i := 0; i < 17; i++ {
		sb.WriteByte(alphabet[int(b[i])%len(alphabet)])
	}
	return sb.String()
}

func uuidFrom(b [32]byte) string {
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isUUID reports whether s looks like a UUID (any version, any case is refused but lowercase).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// stamp formats created_at/updated_at/last_login_at: RFC 3339 UTC with 6 fractional digits
// (BEHAVIOUR.md §4).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// loadState reads a state file; a missing file is not an error (nil, nil).
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("decode state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state %s has version %d, want %d", path, st.Version, stateVersion)
	}
	for _, m := range []bool{st.Applications == nil, st.Groups == nil, st.Policies == nil, st.APIKeys == nil, st.Users == nil, st.Projects == nil} {
		if m {
			return nil, fmt.Errorf("state %s is incomplete", path)
		}
	}
	st.fillNew()
	return st, nil
}

// saveState writes encoded state atomically: temp file in the same directory, fsync, rename,
// fsync of the directory. The file holds secret keys, hence 0600.
func saveState(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("sync state directory: %w", err)
		}
	}
	return nil
}
