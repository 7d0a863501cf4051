package schema

import "slices"

// auditRuleIDs are the rule IDs 'audit: {ignore: [...]}' may name. The audit package owns the
// rules; schema cannot import it (imports point down), so the IDs are copied here and into the
// JSON Schema's auditRule enum, and tests in both packages keep the three lists equal.
var auditRuleIDs = []string{
	"IAM001", "IAM002", "IAM003", "IAM004",
	"IAM101", "IAM102", "IAM103", "IAM104", "IAM105",
	"IAM201", "IAM202", "IAM203",
	"IAM301", "IAM302", "IAM303",
	"IAM401", "IAM402", "IAM403", "IAM404", "IAM405", "IAM501", "IAM502", "IAM503",
}

// AuditRuleIDs returns the audit rule IDs a manifest may silence, sorted.
func AuditRuleIDs() []string { return slices.Clone(auditRuleIDs) }
