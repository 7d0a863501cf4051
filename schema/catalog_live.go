package schema

import (
	"fmt"
	"slices"

	"github.com/iamsync/iamsync/model"
)

// The live catalogue (issue 17). The embedded catalogue is what Scaleway's documentation lists,
// and that list has lagged behind the API more than once; the API's ListPermissionSets is
// public. So the check of a manifest's permission sets has two forms:
//
//   - offline (validate, Load): against the embedded catalogue; an unknown set is E501;
//   - online (plan, apply: LoadOnline, then CheckCatalog with the organization's catalogue):
//     the live catalogue decides. A set it lacks is E501, with a suggestion from its names,
//     even if the embedded catalogue has it (Scaleway withdrew or renamed it, and the API
//     would refuse the rule). A set it has that the embedded catalogue lacks is only a
//     warning (E512): the manifests are right, iamsync's copy is behind, and offline
//     validate will keep reporting E501 until it catches up.

// setUse is one permission set a manifest names.
type setUse struct {
	name string
	pos  model.Pos
	path string
	key  model.Key
}

// setUses collects the permission sets of a set loaded by LoadOnline.
type setUses struct{ uses []setUse }

// record notes the sets of the rule at sub of s; a nil u (Load) records nothing.
func (u *setUses) record(s src, sub string, key model.Key, sets []string) {
	if u == nil {
		return
	}
	for i, name := range sets {
		at := fmt.Sprintf("%s/permission_sets/%d", sub, i)
		u.uses = append(u.uses, setUse{name: name, pos: s.pos(at), path: s.path(at), key: key})
	}
}

// Catalogued is a loaded manifest set whose permission sets await the live catalogue.
type Catalogued struct {
	uses []setUse
}

// Empty reports whether the manifests name no permission set: then the live catalogue has
// nothing to decide, and a plan need not read it.
func (c *Catalogued) Empty() bool { return c == nil || len(c.uses) == 0 }

// LoadOnline is Load for a caller that will check the permission sets against the
// organization's live catalogue with CheckCatalog: a set the embedded catalogue lacks is not an
// error here (and its rule's other checks still run).
func (l *Loader) LoadOnline(paths []string) (*model.Org, Diagnostics, *Catalogued) {
	cp := *l
	cp.online = &setUses{}
	org, ds := cp.Load(paths)
	return org, ds, &Catalogued{uses: cp.online.uses}
}

// CheckCatalog checks the permission sets of c against live, the organization's catalogue
// (ListPermissionSets): E501 for a set live lacks, warning E512 for one only live has.
func (c *Catalogued) CheckCatalog(live []PermissionSet) Diagnostics {
	if c == nil {
		return nil
	}
	known := make(map[string]bool, len(live))
	names := make([]string, 0, len(live))
	for _, p := range live {
		if !known[p.Name] {
			known[p.Name] = true
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	var ds Diagnostics
	for _, u := range c.uses {
		_, embedded := LookupPermissionSet(u.name)
		switch {
		case !known[u.name]:
			msg := fmt.Sprintf("unknown permission set %q: the organization's catalogue (ListPermissionSets) does not have it", u.name)
			if embedded {
				msg = fmt.Sprintf("permission set %q is not in the organization's catalogue (ListPermissionSets), though Scaleway's documentation lists it: the API would refuse this rule", u.name)
			}
			hint := didYouMean(u.name, names)
			if hint == "" {
				hint = "'scw iam permission-set list' lists the sets the organization can use"
			}
			ds = append(ds, Diagnostic{Pos: u.pos, Path: u.path, Key: u.key, Code: "E501", Severity: SeverityError, Msg: msg, Hint: hint})
		case !embedded:
			ds = append(ds, Diagnostic{Pos: u.pos, Path: u.path, Key: u.key, Code: "E512", Severity: SeverityWarning,
				Msg:  fmt.Sprintf("permission set %q is in the organization's catalogue but not in iamsync's copy of Scaleway's documented list: 'iamsync validate' reports it as unknown (E501)", u.name),
				Hint: "update iamsync for a newer catalogue; plan and apply accept the set, since the API offers it"})
		}
	}
	return sortDiagnostics(ds)
}
