// Package schema reads iamsync manifests: YAML files checked against an embedded JSON Schema
// (draft 2020-12) and then against the rules a schema cannot express (unique names across files,
// references, the permission-set catalog and its scope rules, API key expiry and secret routing,
// rule conditions parsed as CEL, see condition.go),
// and returns the desired state as a *model.Org whose elements carry their source positions.
//
// Loading is strict and offline: unknown fields, duplicate keys, anchors and aliases, tabs and
// non-UTF-8 text are errors; every error is reported with file:line:col, its YAML path, a stable
// code (see Codes) and a hint; input is bounded by Limits. Nothing here touches the network:
// project names cannot be checked offline and are resolved at plan time.
//
// # Manifest format (version 1)
//
// Each file is a mapping with version (1) and stack (the ownership label), both required and the
// same in every file of the set, an optional organization_id (files that state it agree), and any
// of these lists:
//
//	applications: name, description, tags, adopt, api_keys (keys of this application)
//	groups:       name, description, tags, adopt, members {applications: [NAME], users: [EMAIL]}
//	policies:     name, description, tags, adopt, principal, rules (at least one)
//	  principal:  none | {application: NAME} | {group: NAME} | {user: EMAIL}
//	              | {external_application: NAME} | {external_group: NAME}   (another stack's)
//	              | {application_id: UUID} | {group_id: UUID} | {user_id: UUID}   (required)
//	  rules:      permission_sets (at least one, one scope type), organization: true | projects: [NAME or ID],
//	              condition (CEL, linted offline, passed through), expires_at (RFC 3339 or date;
//	              compiled into the condition as request.time < timestamp("…"))
//	api_keys:     application (keys of an application declared in another file), then as below
//	  api key:    name, description, default_project, secret (required), access_key (adopt),
//	              expires_in (duration or never) | expires_at (RFC 3339 or date) (exactly one),
//	              rotate_before (duration; needs expires_in)
//	audit:        on any application, group, policy or API key: {ignore: [{rule: IAM101, reason: TEXT}]}
//	              silences an 'iamsync audit' rule on that element (known rule ID, reason required)
//
// Durations are Go durations plus d (24h) and w (7d): 90d, 2w, 12h, 1h30m.
package schema
