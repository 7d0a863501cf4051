// Package audit answers two questions about an organization without changing it: does the live
// organization still match the manifests (drift), and do the manifests or the organization grant
// more than they should (risk rules). Each answer is a Finding with a stable rule ID (IAM001…),
// a severity, a position in the manifests when the element comes from one, and a hint; the
// Report renders as text, Markdown, JSON and SARIF 2.1.0. The rules are documented in README.md.
//
// Read-only by construction: audit sees the organization only through Reader, which has no write
// method, and otherwise works on model.Org values; it imports plan (a pure diff) and model, never
// live. Drift is plan.Diff read backwards: what apply would change is what changed behind
// iamsync's back; the IAM logs, read through the same Reader, say who changed it and when
// (attribution.go).
//
// Findings from the manifests and from the live organization are merged: a live finding on a
// resource this stack owns (or adopts) takes the manifest element's position and its silences,
// and when both sides find the same thing it is reported once.
package audit
