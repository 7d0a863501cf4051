package main

# Run with: opa test examples/access-gate   (or conftest verify --policy examples/access-gate)

gain(tier, set) := {"access": {"changes": [{
	"principal": {"kind": "application", "name": "ci-deployer"},
	"gained": [{
		"permission_set": set, "scope": {"kind": "organization"}, "tier": tier,
		"paths": [{"policy": "admins-iam", "rule": "IAMManager @ organization", "group": "admins"}],
	}],
	"lost": [],
}]}}

test_high_gain_is_denied if {
	deny["application ci-deployer gains IAMManager on the organization (high risk) through group admins, policy admins-iam"] with input as gain("high", "IAMManager")
}

test_medium_gain_warns_only if {
	count(deny) == 0 with input as gain("medium", "ProjectManager")
	count(warn) == 1 with input as gain("medium", "ProjectManager")
}

test_threshold_from_data if {
	count(deny) == 1 with input as gain("medium", "ProjectManager") with data.access_gate.deny_at as "medium"
}

test_losses_and_renames_pass if {
	count(deny) == 0 with input as {"access": {"changes": [{
		"principal": {"kind": "user", "name": "bob@example.com"},
		"gained": [],
		"lost": [{"permission_set": "IAMManager", "scope": {"kind": "organization"}, "tier": "high", "paths": [{"policy": "p", "rule": "r"}]}],
	}]}}
	count(deny) == 0 with input as {"access": {"changes": []}}
}

test_plan_without_access_is_denied if {
	count(deny) == 1 with input as {"format_version": 1, "actions": []}
}
