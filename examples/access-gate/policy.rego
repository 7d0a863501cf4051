# A no-new-access gate for iamsync plans, for conftest (or opa eval).
#
# It reads the access section of a saved plan (iamsync plan --out plan.json): access.changes[]
# lists, per principal, the grants gained and lost, each with a risk tier (access/FORMAT.md).
# A gained high-risk grant denies the plan; a gained medium-risk one warns. Renames and
# reorderings are not gains, so they pass.
package main

# The tier at or above which a gain denies the plan: high, unless conftest is given
# --data with {"access_gate": {"deny_at": "medium"}}.
default deny_at := "high"

deny_at := data.access_gate.deny_at

rank := {"low": 1, "medium": 2, "high": 3}

deny contains msg if {
	some change in input.access.changes
	some grant in change.gained
	rank[grant.tier] >= rank[deny_at]
	msg := sprintf("%s %s gains %s on %s%s (%s risk) through %s", [
		change.principal.kind, change.principal.name, grant.permission_set,
		scope(grant.scope), condition(grant), grant.tier, path(grant.paths[0]),
	])
}

warn contains msg if {
	some change in input.access.changes
	some grant in change.gained
	rank[grant.tier] < rank[deny_at]
	rank[grant.tier] >= rank.medium
	msg := sprintf("%s %s gains %s on %s%s (%s risk)", [
		change.principal.kind, change.principal.name, grant.permission_set,
		scope(grant.scope), condition(grant), grant.tier,
	])
}

# A plan without an access section comes from an iamsync that does not compute access: the
# gate cannot tell what it grants, so it does not let it through.
deny contains "the plan has no access section: save it with an iamsync that writes one (plan --out)" if {
	not input.access
}

scope(s) := "the organization" if s.kind == "organization"

scope(s) := "all projects" if s.kind == "all_projects"

scope(s) := sprintf("project %s", [s.project]) if s.kind == "project"

condition(g) := sprintf(" if %s", [g.condition]) if g.condition

condition(g) := "" if not g.condition

path(p) := sprintf("group %s, policy %s", [p.group, p.policy]) if p.group

path(p) := sprintf("policy %s", [p.policy]) if not p.group
