// Package access computes effective access, who can do what and where, from a model.Org, and
// the difference in access between two of them, with a risk tier on every grant.
//
// A grant is one permission set on one scope under one condition, held by one principal
// (application, group or user). Groups are expanded: a member holds every grant of each group it
// is in, and the grant records the group among the paths that give it. A grant's identity is
// principal × permission set × scope × condition (with its expiry); the paths (policy, rule,
// group) are details, so renaming a policy or reordering rules and permission sets changes no
// grant, and a diff of such a change is empty.
//
// Scopes follow BEHAVIOUR.md §5.3: a rule scoped to the organization gives an organization-level
// permission set on the organization itself, and a project-level set on every current and future
// project of the organization ("all projects"); a rule scoped to projects gives its sets on each
// of them. Which sets are which comes from Options.ScopeType (schema's catalog, which this
// package does not import).
//
// The package is pure: no I/O, no clock (Options.Now is passed in), and it imports only model.
// Its report renders as text, Markdown (for a pull-request comment, within GitHub's size limit)
// and JSON (FORMAT.md).
package access
