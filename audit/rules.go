package audit

// Rule describes one check. IDs are stable: manifests silence them and dashboards track them,
// so an ID is never reused for another meaning. IAM0xx: drift; IAM1xx: grants; IAM2xx: API
// keys; IAM3xx: hygiene; IAM4xx: members, SSH keys, security settings; IAM5xx: identity federation. README.md documents each (keep the two in step; a test checks it).
type Rule struct {
	ID       string
	Name     string // kebab-case, for SARIF's rule name
	Category Category
	Severity Severity
	// Title is the one-line statement of the problem; Rationale why it matters; Fix what to do.
	Title, Rationale, Fix string
}

// Rules is every rule, in ID order.
var Rules = []Rule{
	{"IAM001", "drift-changed", Drift, Medium,
		"managed resource changed outside iamsync",
		"a change made by hand bypasses review, and the next apply silently reverts it",
		"put the change in the manifests, or run 'iamsync apply' to restore the manifests' version"},
	{"IAM002", "drift-missing", Drift, High,
		"declared resource absent from the organization",
		"what git says exists does not: it was deleted by hand, or the manifests were never applied",
		"run 'iamsync apply' to create it, or remove it from the manifests"},
	{"IAM003", "drift-undeclared", Drift, Medium,
		"resource owned by the stack but no longer declared",
		"a resource the manifests dropped still exists and still grants what it grants",
		"run 'iamsync apply' to delete it, or declare it again"},
	{"IAM004", "drift-unmanaged-namesake", Drift, Medium,
		"unmanaged resource with the name of a manifest element",
		"the manifests declare it but iamsync does not own it: it may be changed by anyone, and apply refuses to touch it",
		"adopt it (adopt: true), rename the manifest element, or remove the resource"},
	{"IAM101", "admin-application", Risk, High,
		"application holds IAMManager, OrganizationManager or AllProductsFullAccess on the organization",
		"an application's key with these rights can take over the organization: a leaked CI secret becomes a full compromise",
		"grant the narrowest permission sets the application needs, scoped to its projects"},
	{"IAM102", "policy-without-principal", Risk, Medium,
		"policy with no principal",
		"a policy attached to nobody grants nothing today but is one edit away from granting its rules to someone",
		"attach it to the principal it is for, or delete it"},
	{"IAM103", "redundant-grant", Risk, Low,
		"permission set already granted to the same principal by another rule",
		"redundant grants hide what a principal really holds and survive the removal of the broader grant's review",
		"remove the narrower grant, or narrow the broader one"},
	{"IAM104", "grant-expiring", Risk, Low,
		"time-boxed grant expires within the window (--expiring-within, default 14 days), or has expired",
		"whoever relies on the grant loses it at that instant; an expired rule still in the organization reads like access it no longer gives",
		"extend the rule's expires_at if the grant is still needed, or delete the rule; apply removes expired rules"},
	{"IAM105", "grant-review-due", Risk, Low,
		"grant due for review within the window (--expiring-within, default 14 days), or overdue",
		"a grant nobody re-approves outlives its reason; with review: enforce, the first apply after the date removes it",
		"review the grant, then move its reviewed_until to a later date (or delete the rule) in a pull request"},
	{"IAM201", "key-without-expiry", Risk, Medium,
		"API key that never expires",
		"a key without expiry stays valid after it leaks or its owner leaves",
		"give the key expires_in (e.g. 90d) with rotate_before, so that iamsync renews it"},
	{"IAM202", "key-too-old", Risk, Medium,
		"API key older than the maximum key age",
		"old keys have had more chances to leak, and keep working whatever happened to them",
		"rotate the key ('iamsync apply --rotate APP/KEY') and give it expires_in no longer than the maximum age"},
	{"IAM203", "key-expiring", Risk, Low,
		"API key expires within 14 days, or has expired",
		"whatever uses the key stops working when it expires",
		"rotate it now, or set rotate_before so that each apply renews it in time"},
	{"IAM301", "idle-application", Risk, Low,
		"application with no API keys and no policies",
		"an unused principal is clutter that a later grant may bring back to life unnoticed",
		"delete it, or give it the keys and policies it is for"},
	{"IAM302", "empty-group", Risk, Low,
		"group with no members",
		"a group nobody is in grants nothing and hides what its policies would give to whoever is added",
		"add its members, or delete it and its policies"},
	{"IAM303", "user-key-for-automation", Risk, Medium,
		"user's personal API key used where an application should be",
		"a personal key carries all of its user's rights and dies, or lives on, with the person's account",
		"create an application with a scoped policy and its own key, then delete the personal key"},
	{"IAM401", "member-without-mfa", Risk, Medium,
		"member without multi-factor authentication",
		"a password alone is one phishing email away from the member's rights",
		"ask the member to enable MFA in the console (Scaleway cannot enable it for them), or lock them until they do"},
	{"IAM402", "locked-member-in-groups", Risk, Low,
		"locked member still in groups",
		"unlocking the member (by mistake, or by whoever can) gives back every right the groups hold",
		"remove the member from the groups in the manifests, or delete the member"},
	{"IAM403", "ssh-key-too-old", Risk, Low,
		"SSH key older than the maximum SSH key age",
		"an old key has had more chances to leak, and is installed on every new server",
		"add a new key, then delete or disable the old one"},
	{"IAM404", "weak-security-settings", Risk, Medium,
		"organization security setting weaker than iamsync's baseline",
		"settings such as API keys without expiry or long sessions weaken every member and key at once",
		"declare security_settings in one stack's manifests with values within the baseline (audit/README.md)"},
	{"IAM405", "inactive-member", Risk, Medium,
		"member who has not logged in for longer than the maximum inactivity",
		"an account nobody uses keeps its rights and is an unwatched way in: a departure the offboarding missed, or a password nobody would notice being used",
		"lock the member (locked: true) or delete them; where an identity provider manages members, deprovision them there"},
	{"IAM501", "saml-certificate-expiring", Risk, Medium,
		"SAML signing certificate expires within the window (--expiring-within, default 14 days), or has expired",
		"once the identity provider's signing certificate expires, Scaleway refuses its assertions: nobody logs in through SSO",
		"add the identity provider's next certificate to identity_provider.saml.certificates now, and remove the old one once the provider has switched"},
	{"IAM502", "scim-token-expiring", Risk, Low,
		"SCIM token expires within the window (--expiring-within, default 14 days), or has expired",
		"when the token expires, the identity provider's provisioning stops: new people get no account and leavers keep theirs",
		"give the token rotate_before (e.g. 30d) so that apply renews it in time, then give the identity provider the new bearer from the secrets store"},
	{"IAM503", "password-login-beside-sso", Risk, Medium,
		"password login left enabled beside SAML single sign-on",
		"passwords bypass the identity provider's MFA, session rules and offboarding: a leaver's password still works",
		"set login_methods.password: false once everyone logs in through SAML (keep a break-glass account another way)"},
}

// LookupRule returns the rule with id.
func LookupRule(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

func rule(id string) Rule {
	r, ok := LookupRule(id)
	if !ok {
		panic("audit: unknown rule " + id) // a typo in this package, caught by any test
	}
	return r
}

// unsilenceable are the rules whose findings are about something no manifest declares.
var unsilenceable = map[string]string{
	"IAM003": "the resource is no longer in the manifests",
	"IAM303": "personal API keys are in no manifest",
}
