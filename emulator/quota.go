package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Quotas (GET /quota, GET /quota/{name}) and their enforcement on creates.
//
// The quotum names are the emulator's: no recording, SDK or public page shows the IAM ones
// (other products use snake_case nouns such as instance_volume). The documented limits are
// in DefaultQuotas. An organization enforces only the quotas Options.Quotas names; the others
// are reported unlimited, so that the big organizations of benchmarks and resilience tests
// are never refused by a limit they did not ask for.

// quotum describes one quota the emulator knows.
type quotum struct {
	name, pretty, unit, description string
	// count is the current usage; the caller holds s.mu.
	count func(st *state) int
}

var quotaCatalog = []quotum{
	{"api_keys", "API keys", "api_keys", "Number of API keys in the Organization", func(st *state) int { return len(st.APIKeys) }},
	{"applications", "Applications", "applications", "Number of IAM applications in the Organization", func(st *state) int { return len(st.Applications) }},
	{"groups", "Groups", "groups", "Number of IAM groups in the Organization", countUnmanagedGroups},
	{"policies", "Policies", "policies", "Number of IAM policies in the Organization", func(st *state) int { return len(st.Policies) }},
	{"ssh_keys", "SSH keys", "ssh_keys", "Number of SSH keys in the Organization", func(st *state) int { return len(st.SSHKeys) }},
	{"users", "Users", "users", "Number of users in the Organization", func(st *state) int { return len(st.Users) }},
}

// countUnmanagedGroups leaves out "All Users" and "All Applications" (managedgroups.go).
func countUnmanagedGroups(st *state) int {
	n := 0
	for _, g := range st.Groups {
		if !g.managed() {
			n++
		}
	}
	return n
}

// QuotaNames lists the quotum names the emulator knows, sorted.
func QuotaNames() []string {
	out := make([]string, len(quotaCatalog))
	for i, q := range quotaCatalog {
		out[i] = q.name
	}
	return out
}

// DefaultQuotas returns the documented per-organization limits: 100 applications, 50
// groups, 50 policies, 50 users (Scaleway IAM FAQ, BEHAVIOUR.md §6), 100 API keys (the IAM
// FAQ of 2026; the older Organization quotas page says 50, scaleway/docs-content#6868) and
// 50 SSH keys (Organization quotas page). Pass it as Options.Quotas to enforce them.
func DefaultQuotas() map[string]int64 {
	return map[string]int64{"api_keys": 100, "applications": 100, "groups": 50, "policies": 50, "ssh_keys": 50, "users": 50}
}

// checkQuotaNames refuses an Options.Quotas entry the emulator cannot enforce.
func checkQuotaNames(q map[string]int64) error {
	for name, limit := range q {
		if quotumByName(name) == nil {
			return fmt.Errorf("unknown quota %q; known: %s", name, strings.Join(QuotaNames(), ", "))
		}
		if limit < 0 {
			return fmt.Errorf("quota %s must not be negative (leave it out for unlimited)", name)
		}
	}
	return nil
}

func quotumByName(name string) *quotum {
	for i := range quotaCatalog {
		if quotaCatalog[i].name == name {
			return &quotaCatalog[i]
		}
	}
	return nil
}

// checkQuota answers 403 quotas_exceeded when creating one more object of the quotum would
// exceed its limit. The caller holds s.mu.
func (s *Server) checkQuota(name string) *apiError {
	limit, ok := s.opts.Quotas[name]
	if !ok || s.replaying {
		// A replayed write was accepted once; today's limits must not undo it.
		return nil
	}
	n := quotumByName(name).count(s.st)
	if int64(n) >= limit {
		return errQuota(name, s.st.OrganizationID, limit, n)
	}
	return nil
}

type quotumLimitJSON struct {
	Global    *bool   `json:"global,omitempty"`
	Limit     *uint64 `json:"limit,omitempty"`
	Unlimited *bool   `json:"unlimited,omitempty"`
}

// quotumJSON follows the SDK's Quotum (iam_sdk.go:1574): exactly one of limit and unlimited,
// both at the top (deprecated) and in the single global entry of limits.
type quotumJSON struct {
	Name         string            `json:"name"`
	Limit        *uint64           `json:"limit,omitempty"`
	Unlimited    *bool             `json:"unlimited,omitempty"`
	PrettyName   string            `json:"pretty_name"`
	Unit         string            `json:"unit"`
	Description  string            `json:"description"`
	LocalityType string            `json:"locality_type"`
	Limits       []quotumLimitJSON `json:"limits"`
}

func (s *Server) quotumOut(q *quotum) quotumJSON {
	global := true
	out := quotumJSON{Name: q.name, PrettyName: q.pretty, Unit: q.unit, Description: q.description, LocalityType: "global"}
	l := quotumLimitJSON{Global: &global}
	if limit, ok := s.opts.Quotas[q.name]; ok {
		v := uint64(limit)
		out.Limit, l.Limit = &v, &v
	} else {
		u := true
		out.Unlimited, l.Unlimited = &u, &u
	}
	out.Limits = []quotumLimitJSON{l}
	return out
}

func listQuota(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "name_asc", "name_asc", "name_desc")
	page, size := q.page(iamDefaultPageSize)
	names := q.list("quotum_names")
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "quota"); e != nil {
		return 0, nil, e
	}
	var items []*quotum
	for i := range quotaCatalog {
		if len(names) == 0 || inList(names, quotaCatalog[i].name) {
			items = append(items, &quotaCatalog[i])
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		if orderBy == "name_desc" {
			return items[i].name > items[j].name
		}
		return items[i].name < items[j].name
	})
	out := []quotumJSON{}
	for _, qt := range paginate(items, page, size) {
		out = append(out, s.quotumOut(qt))
	}
	return http.StatusOK, struct {
		Quota      []quotumJSON `json:"quota"`
		TotalCount int          `json:"total_count"`
	}{out, len(items)}, nil
}

// getQuotum: an unknown name is 404 with resource "quotum" (not recorded).
func getQuotum(s *Server, c *call) (int, any, *apiError) {
	org, _ := c.q.str("organization_id")
	if e := s.checkOrg(org, "quota"); e != nil {
		return 0, nil, e
	}
	name := c.ids[0]
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	qt := quotumByName(name)
	if qt == nil {
		return 0, nil, errNotFound("quotum", name)
	}
	return http.StatusOK, s.quotumOut(qt), nil
}

// SetQuotas replaces the enforced quotas (Options.Quotas) of a running emulator, so that a
// test can lower a limit behind the organization's back.
func (s *Server) SetQuotas(q map[string]int64) error {
	if err := checkQuotaNames(q); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Quotas = q
	return nil
}
