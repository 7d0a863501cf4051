package audit

import (
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"slices"
	"strings"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// driftFindings reads a plan backwards: what apply would do is how the organization drifted.
//
//   - Update (and a Replace forced by a changed application or expiry): IAM001, field by field.
//   - Create: IAM002. Without a state file there is no telling whether it was deleted by hand
//     or never applied; either way the manifests say it exists and it does not.
//   - Delete of a resource the stack owns: IAM003 (a retired key past its grace period is
//     housekeeping, not drift).
//   - Conflict, and Adopt (the manifests ask to take over an unowned namesake): IAM004.
//
// A Replace that only rotates a key whose time has come is not drift either: the manifests
// asked for it.
func driftFindings(desired, live *model.Org, opts Options) ([]Finding, error) {
	p, err := plan.Diff(desired, live, plan.Options{Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("compare the manifests with the organization: %w", err)
	}
	retired := map[string]bool{}
	for _, k := range live.APIKeys {
		if k.RetiredUntil != nil {
			retired[k.ID] = true
		}
	}
	var out []Finding
	add := func(code string, a plan.Action, msg string) {
		r := rule(code)
		f := Finding{Pos: a.Pos, Key: a.Key, ID: a.ID, Code: code, Severity: r.Severity, Msg: msg, Hint: r.Fix, Source: FromBoth}
		if code == "IAM001" {
			f.Changes = a.Changes
		}
		out = append(out, f)
	}
	for _, a := range p.Actions {
		switch a.Op {
		case plan.Update:
			if a.Changes = withoutExpiredRules(a.Changes, opts.Now); len(a.Changes) == 0 {
				continue
			}
			add("IAM001", a, "changed outside iamsync: "+describeChanges(p, a.Changes))
		case plan.Replace:
			if a.Changed(plan.FieldApplication) || strings.Contains(a.Reason, "cannot be changed in place") {
				add("IAM001", a, "changed outside iamsync: "+describeChanges(p, a.Changes))
			}
		case plan.Create:
			f := a
			add("IAM002", f, "declared in the manifests but absent from the organization")
			out[len(out)-1].Source = FromManifest
		case plan.Delete:
			if a.Key.Kind == model.KindAPIKey && retired[a.ID] {
				continue
			}
			add("IAM003", a, "owned by stack "+escape.Quote(desired.Stack)+" but no longer declared in the manifests")
			out[len(out)-1].Source = FromLive
		case plan.Adopt:
			add("IAM004", a, "exists unmanaged; the manifests adopt it at the next apply")
		}
	}
	declared := map[model.Key]bool{}
	for r := range desired.Resources() {
		declared[r.Key()] = true
	}
	for _, c := range p.Conflicts {
		if c.Key.Kind == model.KindProject && !declared[c.Key] {
			// A project the stack no longer declares, which the plan will not delete while
			// it holds resources (plan/projects.go): drift of IAM003's kind, with why.
			r := rule("IAM003")
			out = append(out, Finding{Key: c.Key, ID: c.ID, Code: "IAM003", Severity: r.Severity,
				Msg: c.Reason, Hint: c.Hint, Source: FromLive})
			continue
		}
		r := rule("IAM004")
		hint := c.Hint
		if hint == "" {
			hint = r.Fix
		}
		out = append(out, Finding{Pos: c.Pos, Key: c.Key, ID: c.ID, Code: "IAM004", Severity: r.Severity,
			Msg: "declared in the manifests but not iamsync's to manage: " + c.Reason, Hint: hint, Source: FromBoth})
	}
	return out, nil
}

// describeChanges says what changed, live value first: "description "x" (manifests: "y")".
func describeChanges(p *plan.Plan, cs []plan.Change) string {
	var parts []string
	texts := func(f plan.Field, vs []plan.Value) string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = escape.Quote(p.ValueText(f, v))
		}
		slices.Sort(out)
		return strings.Join(out, ", ")
	}
	for _, c := range cs {
		if c.Field.IsSet() {
			var s []string
			if len(c.Removed) > 0 {
				s = append(s, "not in the manifests: "+texts(c.Field, c.Removed))
			}
			if len(c.Added) > 0 {
				s = append(s, "missing: "+texts(c.Field, c.Added))
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", c.Field, strings.Join(s, "; ")))
			continue
		}
		var old, new string
		if c.Old != nil {
			old = p.ValueText(c.Field, *c.Old)
		}
		if c.New != nil {
			new = p.ValueText(c.Field, *c.New)
		}
		parts = append(parts, fmt.Sprintf("%s is %s (manifests: %s)", c.Field, escape.Quote(old), escape.Quote(new)))
	}
	return strings.Join(parts, ", ")
}
