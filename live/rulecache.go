package live

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
)

// Rule cache (issue 11). One list-rules call per policy is most of a plan's calls (1,000 of
// 1,046 on a 1,000-policy organization), so a plan keeps what it read in a local cache and
// reuses a policy's rules as long as nothing says they can have changed. What says so:
//
//   - The policy's updated_at. Every recorded PUT /rules moves it (policy-change-permissions
//     #11→#12→#13 and #19→#20→#21, policy-basic #13→#14, policy-condition #12→#13 and
//     #20→#21, policy-change-rule-principal #12→#13), and between two PUTs every re-read shows
//     the same updated_at with the same rules (the same cassettes' repeated GETs). PUT /rules
//     is the only way to change rules: there is no per-rule endpoint (BEHAVIOUR.md §5.3), and
//     a policy PATCH, which does not move updated_at (§5.2), has no rules field. The list
//     answers the same updated_at as a GET of the policy (data-source-policy-basic #5, #12,
//     #17; list-iam-policies-basic #18, #20–#22), so the list pages a plan reads anyway give
//     it. A policy deleted and re-created gets a new ID.
//   - The organization's project IDs. A rule names projects by ID; what the real API does to a
//     rule when one of its projects is deleted is not recorded (the emulator refuses the
//     deletion, emulator/doc.go, but that is its choice). So the whole cache is keyed by the
//     sorted list of project IDs: a project created or deleted invalidates every entry, which
//     costs one cold read, and a renamed project changes nothing (rules hold IDs).
//   - Age. Anything the recordings cannot show — Scaleway renaming or retiring a permission
//     set server-side, a scope rewritten by a migration — would not move updated_at. Such a
//     change cannot be ruled out, so an entry is trusted for MaxAge after the read that made
//     it (default 24 h), never refreshed by a hit, and then read again.
//
// The order of reads makes a race safe: the policies page is read before the rules, so an
// entry's rules are never older than its updated_at; a PUT between the two gives a new
// updated_at, and the entry never matches again.
//
// Who uses it: plan and apply (which plans) read through it; --refresh reads every rule and
// rewrites it. audit and export never do: they read every rule fresh, so the nightly audit
// sees anything the cache could have missed. A saved plan's fingerprint check uses it under the
// same invariant as the plan did: a rule changed through the API moves updated_at, so the
// check reads it again and the fingerprint differs.
//
// The file holds no secret (rules are permission-set names, scopes and conditions) but is
// written 0600 in a 0700 directory anyway. One file per API URL and organization; its first
// line is a SHA-256 of the rest, and a file that is torn, damaged, of another format version,
// or for another URL or organization is ignored (and replaced by the next save), never
// trusted. Saves replace the file atomically (temp file, rename): concurrent runs never tear
// it, the last one wins, and a lost update only costs cache misses. Deleting the directory is
// always safe.

// RuleCache is where Read keeps the rules it read (see above).
type RuleCache struct {
	// Dir is the cache directory (os.UserCacheDir()/iamsync by default, chosen by the caller).
	Dir string
	// Refresh reads every rule from the API, using nothing from the cache, and saves them.
	Refresh bool
	// MaxAge bounds how long an entry is trusted after the read that made it (default 24h).
	MaxAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultRuleCacheMaxAge is how long a cached entry is trusted without a re-read.
const DefaultRuleCacheMaxAge = 24 * time.Hour

const ruleCacheFormat = "iamsync-rule-cache/1"

type ruleCacheFile struct {
	Format         string                    `json:"format"`
	APIURL         string                    `json:"api_url"`
	OrganizationID string                    `json:"organization_id"`
	Projects       string                    `json:"projects"` // SHA-256 of the sorted project IDs
	Entries        map[string]ruleCacheEntry `json:"entries"`  // by policy ID
}

type ruleCacheEntry struct {
	UpdatedAt time.Time    `json:"updated_at"`
	ReadAt    time.Time    `json:"read_at"`
	Rules     []cachedRule `json:"rules"`
}

type cachedRule struct {
	PermissionSets    []string  `json:"permission_set_names"`
	ScopeType         string    `json:"permission_sets_scope_type,omitempty"`
	Condition         string    `json:"condition,omitempty"`
	OrganizationID    *string   `json:"organization_id,omitempty"`
	ProjectIDs        *[]string `json:"project_ids,omitempty"`
	AccountRootUserID *string   `json:"account_root_user_id,omitempty"`
}

// ruleRead is one Read's use of the cache; a nil *ruleRead is no cache.
type ruleRead struct {
	cache    *RuleCache
	path     string
	apiURL   string
	org      string
	old      map[string]ruleCacheEntry // as loaded, when its projects key matched
	loaded   ruleCacheFile
	projects chan struct{} // closed once the projects are known
	projKey  string

	mu    sync.Mutex
	fresh map[string]ruleCacheEntry // entries to save: hits (as they were) and new reads
	hits  int
}

func newRuleRead(rc *RuleCache, apiURL, org string) *ruleRead {
	if rc == nil || rc.Dir == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(apiURL + "\x00" + org))
	r := &ruleRead{cache: rc, apiURL: apiURL, org: org, projects: make(chan struct{}),
		path:  filepath.Join(rc.Dir, "rules-"+hex.EncodeToString(sum[:8])+".json"),
		fresh: map[string]ruleCacheEntry{}}
	if !rc.Refresh {
		r.loaded, _ = loadRuleCache(r.path, apiURL, org)
	}
	return r
}

func (rc *RuleCache) now() time.Time {
	if rc.Now != nil {
		return rc.Now()
	}
	return time.Now()
}

func (rc *RuleCache) maxAge() time.Duration {
	if rc.MaxAge > 0 {
		return rc.MaxAge
	}
	return DefaultRuleCacheMaxAge
}

// loadRuleCache reads the cache file; any doubt about it (missing, torn, damaged, another
// format, URL or organization) is an error, and the caller starts from nothing.
func loadRuleCache(path, apiURL, org string) (ruleCacheFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ruleCacheFile{}, err
	}
	sum, body, ok := bytes.Cut(data, []byte("\n"))
	want := sha256.Sum256(body)
	if !ok || string(sum) != hex.EncodeToString(want[:]) {
		return ruleCacheFile{}, errors.New("checksum mismatch")
	}
	var f ruleCacheFile
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return ruleCacheFile{}, err
	}
	if f.Format != ruleCacheFormat || f.APIURL != apiURL || f.OrganizationID != org {
		return ruleCacheFile{}, errors.New("another format, API or organization")
	}
	return f, nil
}

// setProjects is called once the projects are listed: entries made under another project
// list are dropped.
func (r *ruleRead) setProjects(ps []*account.Project) {
	if r == nil {
		return
	}
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(jsonString(ids)))
	r.projKey = hex.EncodeToString(sum[:])
	if r.loaded.Projects == r.projKey {
		r.old = r.loaded.Entries
	}
	close(r.projects)
}

// lookup returns p's cached rules when the cache holds them for p's updated_at, under the
// current projects and within MaxAge. It waits for the projects list.
func (r *ruleRead) lookup(ctx context.Context, p *iam.Policy) ([]*iam.Rule, bool) {
	if r == nil || r.cache.Refresh || p.UpdatedAt == nil {
		return nil, false
	}
	select {
	case <-r.projects:
	case <-ctx.Done():
		return nil, false
	}
	e, ok := r.old[p.ID]
	if !ok || !e.UpdatedAt.Equal(*p.UpdatedAt) || !r.young(e) {
		return nil, false
	}
	rules := make([]*iam.Rule, 0, len(e.Rules))
	for _, cr := range e.Rules {
		rule, ok := cr.toSDK()
		if !ok {
			return nil, false
		}
		rules = append(rules, rule)
	}
	r.mu.Lock()
	r.fresh[p.ID] = e
	r.hits++
	r.mu.Unlock()
	return rules, true
}

func (r *ruleRead) young(e ruleCacheEntry) bool {
	age := r.cache.now().Sub(e.ReadAt)
	// An entry from the future (a clock set back) is as doubtful as an old one.
	return age >= -time.Minute && age < r.cache.maxAge()
}

// now is the cache's clock (zero without a cache).
func (r *ruleRead) now() time.Time {
	if r == nil {
		return time.Time{}
	}
	return r.cache.now()
}

// store records the rules just read for p, dated readAt (taken before the call).
func (r *ruleRead) store(p *iam.Policy, readAt time.Time, rules []*iam.Rule) {
	if r == nil || p.UpdatedAt == nil {
		return
	}
	e := ruleCacheEntry{UpdatedAt: p.UpdatedAt.UTC(), ReadAt: readAt.UTC(), Rules: make([]cachedRule, 0, len(rules))}
	for _, rule := range rules {
		e.Rules = append(e.Rules, fromSDK(rule))
	}
	r.mu.Lock()
	r.fresh[p.ID] = e
	r.mu.Unlock()
}

// save writes the entries of this read, plus the still-valid loaded entries of the policies
// whose rules this read did not want, for the policies that still exist. Errors are dropped:
// a cache that cannot be written is only a slower next plan.
func (r *ruleRead) save(policies []*iam.Policy) {
	if r == nil || r.projKey == "" {
		return
	}
	f := ruleCacheFile{Format: ruleCacheFormat, APIURL: r.apiURL, OrganizationID: r.org, Projects: r.projKey,
		Entries: map[string]ruleCacheEntry{}}
	r.mu.Lock()
	for _, p := range policies {
		if e, ok := r.fresh[p.ID]; ok {
			f.Entries[p.ID] = e
		} else if e, ok := r.old[p.ID]; ok && p.UpdatedAt != nil && e.UpdatedAt.Equal(*p.UpdatedAt) && r.young(e) {
			f.Entries[p.ID] = e
		}
	}
	r.mu.Unlock()
	_ = writeRuleCache(r.path, f)
}

func writeRuleCache(path string, f ruleCacheFile) error {
	body, err := json.Marshal(f)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	pruneCacheDir(dir)
	tmp, err := os.CreateTemp(dir, ".rules-*.tmp") // 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	_, err = tmp.Write(append(append([]byte(hex.EncodeToString(sum[:])), '\n'), body...))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// No fsync: a file torn by a power loss fails its checksum and is ignored.
	return os.Rename(tmp.Name(), path)
}

// pruneCacheDir deletes the temp files of killed saves (a recent one may be a concurrent
// run's save in progress, and is left alone) and the files of organizations or API URLs not
// planned for a month, so that the directory does not grow without bound.
func pruneCacheDir(dir string) {
	for pattern, age := range map[string]time.Duration{".rules-*.tmp": 10 * time.Minute, "rules-*.json": 30 * 24 * time.Hour} {
		stale, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, p := range stale {
			if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > age {
				_ = os.Remove(p)
			}
		}
	}
}

func fromSDK(r *iam.Rule) cachedRule {
	cr := cachedRule{ScopeType: string(r.PermissionSetsScopeType), Condition: r.Condition,
		OrganizationID: r.OrganizationID, AccountRootUserID: r.AccountRootUserID}
	if r.PermissionSetNames != nil {
		cr.PermissionSets = append([]string{}, *r.PermissionSetNames...)
	}
	if r.ProjectIDs != nil {
		ids := append([]string{}, *r.ProjectIDs...)
		cr.ProjectIDs = &ids
	}
	return cr
}

// toSDK rebuilds the rule as the API answered it; an entry that is not one (no permission
// set, not exactly one scope) is refused, so the rules are read again.
func (cr cachedRule) toSDK() (*iam.Rule, bool) {
	scopes := 0
	r := &iam.Rule{PermissionSetsScopeType: iam.PermissionSetScopeType(cr.ScopeType), Condition: cr.Condition}
	if cr.OrganizationID != nil {
		scopes++
		org := *cr.OrganizationID
		r.OrganizationID = &org
	}
	if cr.ProjectIDs != nil {
		scopes++
		ids := append([]string{}, *cr.ProjectIDs...)
		r.ProjectIDs = &ids
	}
	if cr.AccountRootUserID != nil {
		scopes++
		id := *cr.AccountRootUserID
		r.AccountRootUserID = &id
	}
	if scopes != 1 || len(cr.PermissionSets) == 0 {
		return nil, false
	}
	sets := append([]string{}, cr.PermissionSets...)
	r.PermissionSetNames = &sets
	return r, true
}

// Seeding (issue 18). Without it the first plan after an apply reads again the rules of every
// policy the apply created: on a 1,000-policy organization applied from empty, 1,028 calls
// instead of 48. A create's answer is a policy with its updated_at; the rules it holds at that
// instant are the ones the create carried: inline rules are stored as sent, in request order,
// and exist at once (BEHAVIOUR.md §5.1; the answer's counters say 0 and cannot confirm it).
// Only the scope type is the API's own (§5.3), and nothing reads it from the cache. That is an entry under the read's rule: updated_at observed no later than the
// rules, so any later change to the rules moves updated_at and the entry never matches again.
// The entry's read_at is the create's answer, so MaxAge counts from there.
//
// A PUT /rules answers the rules but not the updated_at it moved to, so an update cannot be
// seeded safely (a GET after it could show another writer's updated_at beside this one's
// rules): the next plan reads the rules of the policies an apply changed, which is as many
// calls as the change had writes.
//
// Seeds go into the file only under the projects key of this client's own read: a file saved
// since by a run that saw other projects is left as it is.

// ruleSeeds holds what a client's creates can put into the rule cache.
type ruleSeeds struct {
	mu      sync.Mutex
	projKey string // of the last Read through a cache; "" = none
	rc      *RuleCache
	apiURL  string
	org     string
	path    string
	entries map[string]ruleCacheEntry
}

// readUnder remembers the cache and projects key of a finished Read.
func (s *ruleSeeds) readUnder(r *ruleRead) {
	if r == nil || r.projKey == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projKey, s.rc, s.apiURL, s.org, s.path = r.projKey, r.cache, r.apiURL, r.org, r.path
}

// created records the rules of a policy created with specs, answered as p.
func (s *ruleSeeds) created(p *iam.Policy, specs []*iam.RuleSpecs) {
	if p == nil || p.UpdatedAt == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rc == nil {
		return
	}
	e := ruleCacheEntry{UpdatedAt: p.UpdatedAt.UTC(), ReadAt: s.rc.now().UTC(), Rules: make([]cachedRule, 0, len(specs))}
	for _, spec := range specs {
		cr := cachedRule{Condition: spec.Condition, OrganizationID: spec.OrganizationID, ProjectIDs: spec.ProjectIDs}
		if spec.PermissionSetNames != nil {
			cr.PermissionSets = append([]string{}, *spec.PermissionSetNames...)
		}
		if _, ok := cr.toSDK(); !ok {
			return
		}
		e.Rules = append(e.Rules, cr)
	}
	if s.entries == nil {
		s.entries = map[string]ruleCacheEntry{}
	}
	s.entries[p.ID] = e
}

// SeedRuleCache adds the rules of the policies this client created to the rule cache its
// last Read used, and says how many it added. A cache that cannot be read or written is
// only a slower next plan: errors are for tests and --verbose readers, never fatal.
func (c *Client) SeedRuleCache() (int, error) {
	s := &c.seeds
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rc == nil || len(s.entries) == 0 {
		return 0, nil
	}
	f, err := loadRuleCache(s.path, s.apiURL, s.org)
	if err != nil {
		return 0, err
	}
	if f.Projects != s.projKey {
		return 0, errors.New("the rule cache was saved since by a run that saw other projects")
	}
	if f.Entries == nil {
		f.Entries = map[string]ruleCacheEntry{}
	}
	for id, e := range s.entries {
		f.Entries[id] = e
	}
	if err := writeRuleCache(s.path, f); err != nil {
		return 0, err
	}
	n := len(s.entries)
	s.entries = nil
	return n, nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
