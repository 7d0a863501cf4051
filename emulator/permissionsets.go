package emulator

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"net/http"
	"strings"
)

// permissionSetsTSV is a copy of shared/scaleway-api/permission-sets.tsv (name, scope_type,
// category): the catalogue the rule scope type is derived from (§5.3, trap 4).
//
//go:embed permission-sets.tsv
var permissionSetsTSV string

type permissionSet struct {
	ID, Name, ScopeType, Category string
	order                         int
}

// catalog is parsed once; the embedded file is part of the binary, so a parse problem is
// a build mistake and shows up in every test.
var catalog, catalogByName = parseCatalog(permissionSetsTSV)

func parseCatalog(tsv string) ([]permissionSet, map[string]*permissionSet) {
	var list []permissionSet
	sc := bufio.NewScanner(strings.NewReader(tsv))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "name\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			continue
		}
		sum := sha256.Sum256([]byte("iamsync-emulator/permission-set/" + f[0]))
		list = append(list, permissionSet{ID: uuidFrom(sum), Name: f[0], ScopeType: f[1], Category: f[2], order: len(list)})
	}
	byName := make(map[string]*permissionSet, len(list))
	for i := range list {
		byName[list[i].Name] = &list[i]
	}
	return list, byName
}

type permissionSetJSON struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	ScopeType   string   `json:"scope_type"`
	Description string   `json:"description"`
	Categories  []string `json:"categories"`
}

// listPermissionSets: never recorded (§9). Descriptions are not in the catalogue, so they
// are empty; created_at ordering uses the catalogue's order.
func listPermissionSets(s *Server, c *call) (int, any, *apiError) {
	q := c.q
	org, _ := q.str("organization_id")
	orderBy := q.enum("order_by", "name_asc", "name_asc", "name_desc", "created_at_asc", "created_at_desc")
	page, size := q.page(iamDefaultPageSize)
	if q.err != nil {
		return 0, nil, q.err
	}
	if e := s.checkOrg(org, "permission_set"); e != nil {
		return 0, nil, e
	}
	items := make([]*permissionSet, len(catalog))
	for i := range catalog {
		items[i] = &catalog[i]
	}
	orderSlice(items, func(p *permissionSet) sortable { return sortable{seq: uint64(p.order), name: p.Name} }, orderBy)
	out := []permissionSetJSON{}
	for _, p := range paginate(items, page, size) {
		out = append(out, permissionSetJSON{p.ID, p.Name, p.ScopeType, "", []string{p.Category}})
	}
	return http.StatusOK, struct {
		PermissionSets []permissionSetJSON `json:"permission_sets"`
		TotalCount     int                 `json:"total_count"`
	}{out, len(items)}, nil
}
