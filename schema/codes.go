package schema

// Codes lists every diagnostic code the loader emits with a one-line title. Codes are stable:
// scripts and documentation refer to them, so a code is never reused for another meaning.
// E1xx: the file itself; E2xx: shape (JSON Schema); E3xx: the set as a whole; E4xx: references;
// E5xx: policy rules; E6xx: API keys.
var Codes = map[string]string{
	"E100": "file cannot be read, or no manifest found",
	"E101": "YAML syntax error",
	"E102": "not UTF-8, or a control character",
	"E103": "tab in indentation",
	"E104": "limit exceeded (file size, set size, file count, nesting depth, node count)",
	"E105": "unsupported YAML feature (anchor, alias, custom tag, complex key)",
	"E106": "duplicate key in a mapping",
	"E107": "empty file, several documents, or a document that is not a mapping",
	"E199": "too many errors",
	"E201": "unknown field",
	"E202": "missing required field",
	"E203": "wrong type",
	"E204": "invalid value",
	"E205": "item listed twice",
	"E206": "conflicting or missing alternatives (exactly one of)",
	"E207": "reserved tag prefix iamsync-stack=",
	"E208": "unknown audit rule in audit.ignore",
	"E301": "files of the set disagree on stack or organization_id",
	"E302": "name declared twice",
	"E303": "two API keys routed to the same secret",
	"E401": "unknown application",
	"E402": "unknown group",
	"E501": "unknown permission set",
	"E502": "organization-level permission set scoped to projects",
	"E503": "permission sets of both scope types in one rule",
	"E504": "rule without exactly one scope",
	"E505": "empty rule (no permission sets) or policy without rules",
	"E506": "rule repeated in a policy",
	"E507": "policy principal missing or not exactly one",
	"E508": "rule's expires_at has passed (warning)",
	"E601": "expiry in the past",
	"E602": "invalid duration",
	"E603": "rotate_before does not fit the key's expiry",
	"E604": "API key description too long once iamsync's marker is added",
}
