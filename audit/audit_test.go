package audit

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

var (
	now     = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	orgID   = "0a000000-0000-4000-8000-000000000000"
	prodID  = "5e1b2c3d-0000-4000-8000-00000000a001"
	stageID = "5e1b2c3d-0000-4000-8000-00000000a002"
	aliceID = "7a000000-0000-4000-8000-0000000000a1"
)

const header = "version: 1\nstack: s\n"

// load reads a manifest through the production loader, so positions are real.
func load(t *testing.T, body string) *model.Org {
	t.Helper()
	// The loader judges expires_at against the test's clock, not the machine's: a fixed
	// expiry that is soon at `now` would otherwise stop loading once that day has passed.
	l := schema.Loader{Now: now}
	org, ds := l.LoadFiles([]schema.File{{Name: "iam.yaml", Data: []byte(header + body)}})
	if ds.HasErrors() {
		t.Fatalf("manifest does not load:\n%v", ds)
	}
	return org
}

// emptyLive is an organization with projects and a user but no IAM resources.
func emptyLive() *model.Org {
	return &model.Org{OrganizationID: orgID,
		Projects: []*model.Project{{Meta: model.Meta{ID: prodID}, Name: "prod"}, {Meta: model.Meta{ID: stageID}, Name: "stage"}, {Meta: model.Meta{ID: orgID}, Name: "default"}},
		Users:    []*model.User{{Meta: model.Meta{ID: aliceID}, Email: "alice@example.com", MFA: true}}}
}

func opts() Options {
	return Options{Now: now, ScopeType: func(s string) string {
		if ps, ok := schema.LookupPermissionSet(s); ok {
			return string(ps.ScopeType)
		}
		return ""
	}}
}

func run(t *testing.T, d, l *model.Org, uks []UserKey) *Report {
	t.Helper()
	rep, err := Audit(d, l, uks, opts())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// found lists the findings of one rule as "KEY FILE:LINE" (manifest) or "KEY #ID" (live only),
// with " silenced" when a manifest silences it.
func found(rep *Report, code string) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Code != code {
			continue
		}
		s := f.Key.String()
		if !f.Pos.IsZero() {
			s += fmt.Sprintf(" %s:%d", f.Pos.File, f.Pos.Line)
		} else {
			s += " #" + f.ID
		}
		if f.Suppressed != nil {
			s += " silenced"
		}
		out = append(out, s)
	}
	return out
}

// TestManifestRules: each rule fires on its case and stays silent on its negative case, on
// manifests alone (the organization is empty).
func TestManifestRules(t *testing.T) {
	tests := []struct {
		name, code, body string
		want             []string
	}{
		{"IAM101 admin set on the organization", "IAM101", `
applications: [{name: ci}]
policies:
  - name: ci-admin
    principal: {application: ci}
    rules:
      - permission_sets: [IAMManager]
        organization: true
`, []string{"policy/ci-admin iam.yaml:9"}},
		{"IAM101 through a group", "IAM101", `
applications: [{name: ci}]
groups: [{name: ops, members: {applications: [ci]}}]
policies:
  - name: ops-org
    principal: {group: ops}
    rules:
      - permission_sets: [OrganizationManager]
        organization: true
`, []string{"policy/ops-org iam.yaml:10"}},
		{"IAM101 silent: read-only, project-scoped, or a user", "IAM101", `
applications: [{name: ci}]
policies:
  - name: ci-read
    principal: {application: ci}
    rules:
      - permission_sets: [IAMReadOnly]
        organization: true
      - permission_sets: [AllProductsFullAccess]
        projects: [prod]
  - name: alice-admin
    principal: {user: alice@example.com}
    rules:
      - permission_sets: [IAMManager]
        organization: true
`, nil},
		{"IAM102 no principal", "IAM102", `
policies:
  - name: orphan
    principal: none
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`, []string{"policy/orphan iam.yaml:5"}},
		{"IAM102 silent with a principal", "IAM102", `
applications: [{name: ci}]
policies:
  - name: p
    principal: {application: ci}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`, nil},
		{"IAM103 narrower set on a covered scope", "IAM103", `
applications: [{name: ci}]
policies:
  - name: broad
    principal: {application: ci}
    rules: [{permission_sets: [InstancesFullAccess], organization: true}]
  - name: narrow
    principal: {application: ci}
    rules:
      - permission_sets: [InstancesReadOnly]
        projects: [prod]
      - permission_sets: [BlockStorageReadOnly, AllProductsFullAccess]
        projects: [stage]
`, []string{"policy/narrow iam.yaml:14", "policy/narrow iam.yaml:12"}},
		{"IAM103 identical grants: the later policy only", "IAM103", `
applications: [{name: ci}]
policies:
  - name: a
    principal: {application: ci}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
  - name: b
    principal: {application: ci}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`, []string{"policy/b iam.yaml:11"}},
		{"IAM103 silent: other principal, condition, disjoint projects, other product", "IAM103", `
applications: [{name: ci}, {name: web}]
policies:
  - name: ci
    principal: {application: ci}
    rules:
      - permission_sets: [InstancesFullAccess]
        organization: true
        condition: "request.ip in ['192.0.2.0/24']"
      - permission_sets: [InstancesReadOnly, VPCGatewayReadOnly]
        projects: [prod]
      - permission_sets: [VPCFullAccess]
        projects: [stage]
  - name: web
    principal: {application: web}
    rules: [{permission_sets: [InstancesReadOnly], projects: [prod]}]
`, nil},
		{"IAM201 never expires", "IAM201", `
applications:
  - name: ci
    api_keys: [{name: k, expires_in: never, secret: K}]
`, []string{"api_key/ci/k iam.yaml:6"}},
		{"IAM201 silent with an expiry", "IAM201", `
applications:
  - name: ci
    api_keys: [{name: k, expires_in: 30d, secret: K}]
`, nil},
		{"IAM202 lifetime beyond the maximum age", "IAM202", `
applications:
  - name: ci
    api_keys: [{name: long, expires_in: 365d, secret: L}, {name: ok, expires_in: 90d, secret: O}]
`, []string{"api_key/ci/long iam.yaml:6"}},
		{"IAM203 fixed expiry within 14 days", "IAM203", `
applications:
  - name: ci
    api_keys: [{name: soon, expires_at: 2026-12-01, secret: S}, {name: later, expires_at: 2027-03-01, secret: L}]
`, []string{"api_key/ci/soon iam.yaml:6"}},
		{"IAM301 application with nothing", "IAM301", `
applications:
  - name: idle
  - name: keyed
    api_keys: [{name: k, expires_in: 30d, secret: K}]
  - name: grouped
groups: [{name: g, members: {applications: [grouped]}}]
policies:
  - name: g
    principal: {group: g}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`, []string{"application/idle iam.yaml:5"}},
		{"IAM302 group without members", "IAM302", `
groups:
  - name: empty
  - name: full
    members: {users: [alice@example.com]}
`, []string{"group/empty iam.yaml:5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := run(t, load(t, tt.body), emptyLive(), nil)
			if diff := cmp.Diff(tt.want, found(rep, tt.code)); diff != "" {
				t.Errorf("%s findings (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// TestLiveRules: the same rules on the organization alone (nothing declared, nothing owned).
func TestLiveRules(t *testing.T) {
	day := 24 * time.Hour
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	tests := []struct {
		name, code string
		org        func(o *model.Org)
		userKeys   []UserKey
		want       []string
	}{
		{"IAM101 live admin application", "IAM101", func(o *model.Org) {
			o.Applications = append(o.Applications, &model.Application{Meta: model.Meta{ID: "app-1"}, Name: "bot"})
			o.Policies = append(o.Policies, &model.Policy{Meta: model.Meta{ID: "pol-1"}, Name: "bot-all",
				Principal: model.Principal{Kind: model.PrincipalApplication, Name: "bot", ID: "app-1"},
				Rules:     []model.Rule{{PermissionSets: []string{"AllProductsFullAccess"}, Organization: true}}})
		}, nil, []string{"policy/bot-all #pol-1"}},
		{"IAM101 silent on provider-managed policies", "IAM101", func(o *model.Org) {
			o.Applications = append(o.Applications, &model.Application{Meta: model.Meta{ID: "app-1", Managed: true}, Name: "vpn"})
			o.Policies = append(o.Policies, &model.Policy{Meta: model.Meta{ID: "pol-1", Managed: true}, Name: "vpn",
				Principal: model.Principal{Kind: model.PrincipalApplication, Name: "vpn", ID: "app-1"},
				Rules:     []model.Rule{{PermissionSets: []string{"IAMManager"}, Organization: true}}})
		}, nil, nil},
		{"IAM201 IAM202 IAM203 on live keys", "IAM202", func(o *model.Org) {
			o.Applications = append(o.Applications, &model.Application{Meta: model.Meta{ID: "app-1"}, Name: "ci"})
			o.APIKeys = append(o.APIKeys,
				&model.APIKey{Meta: model.Meta{ID: "SCWOLD"}, Application: "ci", Name: "SCWOLD", CreatedAt: now.Add(-100 * day), ExpiresAt: at(200 * day)},
				&model.APIKey{Meta: model.Meta{ID: "SCWNEW"}, Application: "ci", Name: "SCWNEW", CreatedAt: now.Add(-10 * day), ExpiresAt: at(80 * day)})
		}, nil, []string{"api_key/ci/SCWOLD #SCWOLD"}},
		{"IAM201 live key without expiry", "IAM201", func(o *model.Org) {
			o.APIKeys = append(o.APIKeys,
				&model.APIKey{Meta: model.Meta{ID: "SCWNEVER"}, Application: "ci", Name: "SCWNEVER", CreatedAt: now},
				&model.APIKey{Meta: model.Meta{ID: "SCWRETIRED"}, Application: "ci", Name: "old", CreatedAt: now, RetiredUntil: at(day)},
				&model.APIKey{Meta: model.Meta{ID: "SCWEXP"}, Application: "ci", Name: "SCWEXP", CreatedAt: now, ExpiresAt: at(30 * day)})
		}, nil, []string{"api_key/ci/SCWNEVER #SCWNEVER"}},
		{"IAM203 expiring and expired", "IAM203", func(o *model.Org) {
			o.APIKeys = append(o.APIKeys,
				&model.APIKey{Meta: model.Meta{ID: "SCWSOON"}, Application: "ci", Name: "SCWSOON", CreatedAt: now, ExpiresAt: at(3 * day)},
				&model.APIKey{Meta: model.Meta{ID: "SCWGONE"}, Application: "ci", Name: "SCWGONE", CreatedAt: now, ExpiresAt: at(-day)},
				&model.APIKey{Meta: model.Meta{ID: "SCWFINE"}, Application: "ci", Name: "SCWFINE", CreatedAt: now, ExpiresAt: at(15 * day)})
		}, nil, []string{"api_key/ci/SCWGONE #SCWGONE", "api_key/ci/SCWSOON #SCWSOON"}},
		{"IAM301 live idle application", "IAM301", func(o *model.Org) {
			o.Applications = append(o.Applications,
				&model.Application{Meta: model.Meta{ID: "app-1"}, Name: "idle"},
				&model.Application{Meta: model.Meta{ID: "app-2"}, Name: "used"})
			o.APIKeys = append(o.APIKeys, &model.APIKey{Meta: model.Meta{ID: "SCWK"}, Application: "used", Name: "SCWK", ExpiresAt: at(30 * day), CreatedAt: now})
		}, nil, []string{"application/idle #app-1"}},
		{"IAM302 live empty group", "IAM302", func(o *model.Org) {
			o.Groups = append(o.Groups,
				&model.Group{Meta: model.Meta{ID: "g-1"}, Name: "empty"},
				&model.Group{Meta: model.Meta{ID: "g-2"}, Name: "full", Members: model.Members{Users: []string{"alice@example.com"}}})
		}, nil, []string{"group/empty #g-1"}},
		{"IAM303 personal keys used by automation", "IAM303", nil, []UserKey{
			{AccessKey: "SCWDEPLOY", UserID: aliceID, Description: "GitHub deploy workflow", CreatedAt: now, ExpiresAt: at(30 * day)},
			{AccessKey: "SCWFOREVER", UserID: aliceID, Description: "", CreatedAt: now},
			{AccessKey: "SCWLAPTOP", UserID: aliceID, Description: "laptop", CreatedAt: now, ExpiresAt: at(7 * day)},
		}, []string{"user_api_key/alice@example.com/SCWDEPLOY #SCWDEPLOY", "user_api_key/alice@example.com/SCWFOREVER #SCWFOREVER"}},
		{"IAM401 members without MFA, locked ones aside", "IAM401", func(o *model.Org) {
			o.Users = append(o.Users,
				&model.User{Meta: model.Meta{ID: "u-bob"}, Email: "bob@example.com"},
				&model.User{Meta: model.Meta{ID: "u-carol"}, Email: "carol@example.com", Locked: true},
				&model.User{Meta: model.Meta{ID: "u-dan"}, Email: "dan@example.com", MFA: true})
		}, nil, []string{"user/bob@example.com #u-bob"}},
		{"IAM402 locked member still in a group", "IAM402", func(o *model.Org) {
			o.Users = append(o.Users,
				&model.User{Meta: model.Meta{ID: "u-carol"}, Email: "carol@example.com", Locked: true, MFA: true},
				&model.User{Meta: model.Meta{ID: "u-erin"}, Email: "erin@example.com", Locked: true, MFA: true})
			o.Groups = append(o.Groups, &model.Group{Meta: model.Meta{ID: "g-1"}, Name: "ops", Members: model.Members{Users: []string{"Carol@example.com"}}})
		}, nil, []string{"user/carol@example.com #u-carol"}},
		{"IAM403 old SSH keys", "IAM403", func(o *model.Org) {
			o.SSHKeys = append(o.SSHKeys,
				&model.SSHKey{Meta: model.Meta{ID: "ssh-old"}, Name: "old", CreatedAt: now.Add(-400 * day)},
				&model.SSHKey{Meta: model.Meta{ID: "ssh-new"}, Name: "new", CreatedAt: now.Add(-300 * day)})
		}, nil, []string{"ssh_key/old #ssh-old"}},
		{"IAM404 settings weaker than the baseline", "IAM404", func(o *model.Org) {
			zero, week, long := time.Duration(0), 7*day, 60*day
			attempts := uint32(5)
			o.SecuritySettings = &model.SecuritySettings{Meta: model.Meta{ID: orgID}, MaxAPIKeyExpiration: &zero,
				GracePeriod: &week, MaxLoginSession: &long, LoginAttemptsBeforeLocked: &attempts}
		}, nil, []string{"security_settings/organization #" + orgID, "security_settings/organization #" + orgID}},
		{"IAM405 inactive members, never-logged-in ones from when they joined", "IAM405", func(o *model.Org) {
			o.Users = append(o.Users,
				&model.User{Meta: model.Meta{ID: "u-gone"}, Email: "gone@example.com", MFA: true, CreatedAt: now.Add(-400 * day), LastLoginAt: at(-91 * day)},
				&model.User{Meta: model.Meta{ID: "u-recent"}, Email: "recent@example.com", MFA: true, CreatedAt: now.Add(-400 * day), LastLoginAt: at(-89 * day)},
				&model.User{Meta: model.Meta{ID: "u-never"}, Email: "never@example.com", MFA: true, CreatedAt: now.Add(-91 * day)},
				&model.User{Meta: model.Meta{ID: "u-new"}, Email: "new@example.com", MFA: true, CreatedAt: now.Add(-2 * day)},
				&model.User{Meta: model.Meta{ID: "u-locked"}, Email: "locked@example.com", CreatedAt: now.Add(-400 * day), Locked: true},
				&model.User{Meta: model.Meta{ID: "u-owner", Managed: true}, Email: "owner@example.com", MFA: true, CreatedAt: now.Add(-400 * day)})
		}, nil, []string{"user/gone@example.com #u-gone", "user/never@example.com #u-never"}},
		{"IAM404 silent within the baseline", "IAM404", func(o *model.Org) {
			year, session := 365*day, 30*day
			o.SecuritySettings = &model.SecuritySettings{Meta: model.Meta{ID: orgID}, MaxAPIKeyExpiration: &year, MaxLoginSession: &session}
		}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := emptyLive()
			if tt.org != nil {
				tt.org(l)
			}
			rep := run(t, load(t, ""), l, tt.userKeys)
			if diff := cmp.Diff(tt.want, found(rep, tt.code)); diff != "" {
				t.Errorf("%s findings (-want +got):\n%s", tt.code, diff)
			}
		})
	}
}

// TestDrift: each drift rule fires on its case, and a converged organization has none.
func TestDrift(t *testing.T) {
	body := `
applications:
  - name: web
    description: frontend
groups:
  - name: readers
    members: {users: [alice@example.com]}
  - name: taken
`
	converged := func() *model.Org {
		l := emptyLive()
		l.Applications = []*model.Application{{Meta: model.Meta{ID: "app-web", Owner: "s"}, Name: "web", Description: "frontend"}}
		l.Groups = []*model.Group{
			{Meta: model.Meta{ID: "g-readers", Owner: "s"}, Name: "readers", Members: model.Members{Users: []string{"alice@example.com"}}},
			{Meta: model.Meta{ID: "g-taken", Owner: "s"}, Name: "taken"},
		}
		return l
	}
	t.Run("converged", func(t *testing.T) {
		rep := run(t, load(t, body), converged(), nil)
		for _, f := range rep.Findings {
			if f.Category() == Drift {
				t.Errorf("drift on a converged organization: %v", f)
			}
		}
		if rep.Fails(0) {
			t.Errorf("a converged organization without risk at --fail-on none fails")
		}
	})
	l := converged()
	l.Applications[0].Description = "changed by hand"
	l.Groups = l.Groups[:1]                                                                   // readers kept, taken deleted by hand...
	l.Groups = append(l.Groups, &model.Group{Meta: model.Meta{ID: "g-other"}, Name: "taken"}) // ...and an unowned namesake made
	l.Groups = append(l.Groups, &model.Group{Meta: model.Meta{ID: "g-old", Owner: "s"}, Name: "old", Members: model.Members{Users: []string{"alice@example.com"}}})
	rep := run(t, load(t, body), l, nil)
	got := map[string][]string{}
	for _, code := range []string{"IAM001", "IAM002", "IAM003", "IAM004"} {
		got[code] = found(rep, code)
	}
	want := map[string][]string{
		"IAM001": {"application/web iam.yaml:5"},
		"IAM002": nil,
		"IAM003": {"group/old #g-old"},
		"IAM004": {"group/taken iam.yaml:10"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("drift (-want +got):\n%s", diff)
	}
	i := slices.IndexFunc(rep.Findings, func(f Finding) bool { return f.Code == "IAM001" })
	if f := rep.Findings[i]; len(f.Changes) != 1 || f.Changes[0].Old == nil || f.Changes[0].Old.Text != "changed by hand" || !strings.Contains(f.Msg, `description is "changed by hand" (manifests: "frontend")`) {
		t.Errorf("IAM001 does not give the field change: %+v", f)
	}
	if !rep.Fails(0) {
		t.Errorf("drift does not fail with --fail-on none")
	}
	// Missing: the organization lost the group entirely.
	l = converged()
	l.Groups = l.Groups[1:]
	if diff := cmp.Diff([]string{"group/readers iam.yaml:8"}, found(run(t, load(t, body), l, nil), "IAM002")); diff != "" {
		t.Errorf("IAM002 (-want +got):\n%s", diff)
	}
}

// TestSilence: a manifest silence suppresses the rule on its element (or, for IAM101, on the
// application), keeps the finding with its reason, and leaves other rules and other owners'
// resources alone.
func TestSilence(t *testing.T) {
	body := `
applications:
  - name: breakglass
    audit: {ignore: [{rule: IAM101, reason: "break-glass account, sealed"}]}
  - name: ci
policies:
  - name: bg
    principal: {application: breakglass}
    rules: [{permission_sets: [IAMManager], organization: true}]
  - name: ci
    principal: {application: ci}
    rules: [{permission_sets: [IAMManager], organization: true}]
  - name: template
    principal: none
    audit: {ignore: [{rule: IAM102, reason: copied by hand when needed}, {rule: IAM301, reason: not this rule}]}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`
	l := emptyLive()
	// An unowned policy named like a silenced element is not the manifests' to silence.
	l.Policies = []*model.Policy{{Meta: model.Meta{ID: "pol-x"}, Name: "template", Rules: []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}}
	rep := run(t, load(t, body), l, nil)
	if diff := cmp.Diff([]string{"policy/bg iam.yaml:11 silenced", "policy/ci iam.yaml:14"}, found(rep, "IAM101")); diff != "" {
		t.Errorf("IAM101 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"policy/template iam.yaml:15 silenced", "policy/template #pol-x"}, found(rep, "IAM102")); diff != "" {
		t.Errorf("IAM102 (-want +got):\n%s", diff)
	}
	for _, f := range rep.Findings {
		if f.Suppressed != nil && f.Code == "IAM102" && f.Suppressed.Reason != "copied by hand when needed" {
			t.Errorf("suppression reason %q", f.Suppressed.Reason)
		}
	}
	for _, f := range rep.Active() {
		if f.Suppressed != nil {
			t.Errorf("Active returns a silenced finding: %v", f)
		}
	}
	if s := rep.Summary(); s.Suppressed != 2 {
		t.Errorf("summary counts %d silenced, want 2", s.Suppressed)
	}
	// The template policy's IAM301 silence is about a rule that cannot fire on a policy.
	if diff := cmp.Diff([]UnusedSilence{{Key: model.Key{Kind: model.KindPolicy, Name: "template"}, Rule: "IAM301", Pos: model.Pos{File: "iam.yaml", Line: 15, Col: 5}}}, rep.UnusedSilences); diff != "" {
		t.Errorf("unused silences (-want +got):\n%s", diff)
	}
}

// TestMerge: a live finding on the stack's own element is reported once, at the manifest's
// position, with the live ID; one the manifests cannot see takes the element's position.
func TestMerge(t *testing.T) {
	body := `
applications:
  - name: ci
    api_keys: [{name: k, expires_in: never, secret: K}]
policies:
  - name: p
    principal: {application: ci}
    rules: [{permission_sets: [IAMReadOnly], organization: true}]
`
	l := emptyLive()
	l.Applications = []*model.Application{{Meta: model.Meta{ID: "app-ci", Owner: "s"}, Name: "ci"}}
	l.APIKeys = []*model.APIKey{{Meta: model.Meta{ID: "SCWK", Owner: "s"}, Application: "ci", Name: "k", CreatedAt: now.Add(-200 * 24 * time.Hour), DefaultProject: orgID}}
	l.Policies = []*model.Policy{{Meta: model.Meta{ID: "pol-p", Owner: "s"}, Name: "p",
		Principal: model.Principal{Kind: model.PrincipalApplication, Name: "ci", ID: "app-ci"},
		Rules:     []model.Rule{{PermissionSets: []string{"IAMReadOnly"}, Organization: true}}}}
	rep := run(t, load(t, body), l, nil)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", f.Code, f.Key, f.Pos, f.ID, f.Source))
	}
	want := []string{
		"IAM201 api_key/ci/k iam.yaml:6:16 SCWK both",
		"IAM202 api_key/ci/k iam.yaml:6:16 SCWK live",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestRuleTables keeps the rule table, the schema's list of silenceable IDs and the README in
// step.
func TestRuleTables(t *testing.T) {
	var ids []string
	for _, r := range Rules {
		ids = append(ids, r.ID)
		if r.Title == "" || r.Rationale == "" || r.Fix == "" || r.Name == "" || r.Severity == 0 {
			t.Errorf("rule %s is not fully described", r.ID)
		}
	}
	if diff := cmp.Diff(schema.AuditRuleIDs(), ids); diff != "" {
		t.Errorf("schema.AuditRuleIDs and audit.Rules differ (-schema +audit):\n%s", diff)
	}
	readme := readFile(t, "README.md")
	for _, r := range Rules {
		if !strings.Contains(readme, "### "+r.ID+" ") {
			t.Errorf("README.md has no section for %s", r.ID)
		}
	}
}

// TestAdoptedByAccessKey: a live key the manifests adopt by access key (not yet marked with its
// name) is the manifests' key: its findings take the element's position and silences.
func TestAdoptedByAccessKey(t *testing.T) {
	body := `
applications:
  - name: ci
    api_keys:
      - name: legacy
        access_key: SCWLEGACYLEGACY12345
        expires_in: never
        secret: LEGACY
        audit: {ignore: [{rule: IAM201, reason: "adopted as is, rotation planned"}]}
`
	l := emptyLive()
	l.Applications = []*model.Application{{Meta: model.Meta{ID: "app-ci", Owner: "s"}, Name: "ci"}}
	l.APIKeys = []*model.APIKey{{Meta: model.Meta{ID: "SCWLEGACYLEGACY12345"}, Application: "ci", Name: "SCWLEGACYLEGACY12345",
		CreatedAt: now.Add(-400 * 24 * time.Hour), DefaultProject: orgID}}
	rep := run(t, load(t, body), l, nil)
	if diff := cmp.Diff([]string{"api_key/ci/legacy iam.yaml:7 silenced"}, found(rep, "IAM201")); diff != "" {
		t.Errorf("IAM201 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"api_key/ci/legacy iam.yaml:7"}, found(rep, "IAM202")); diff != "" {
		t.Errorf("IAM202 (-want +got):\n%s", diff)
	}
}

// Silences on the kinds added after the first four (issue 17: the silencing loop once covered
// applications, groups, policies and keys only, though README promised every kind).
func TestSilenceEveryKind(t *testing.T) {
	body := `
users:
  - email: bob@example.com
    send_welcome_email: true
    audit: {ignore: [{rule: IAM401, reason: "MFA enrolment booked for Monday"}]}
  - email: carol@example.com
    send_welcome_email: true
security_settings:
  max_api_key_expiration: 0s
  audit: {ignore: [{rule: IAM404, reason: "keys without expiry until the migration ends"}]}
`
	l := emptyLive()
	l.Users = append(l.Users,
		&model.User{Meta: model.Meta{ID: "u-bob", Owner: "s"}, Email: "bob@example.com"},
		&model.User{Meta: model.Meta{ID: "u-carol", Owner: "s"}, Email: "carol@example.com"})
	zero := time.Duration(0)
	l.SecuritySettings = &model.SecuritySettings{Meta: model.Meta{ID: orgID}, MaxAPIKeyExpiration: &zero}
	rep := run(t, load(t, body), l, nil)
	if diff := cmp.Diff([]string{"user/bob@example.com iam.yaml:5 silenced", "user/carol@example.com iam.yaml:8"}, found(rep, "IAM401")); diff != "" {
		t.Errorf("IAM401 (-want +got):\n%s", diff)
	}
	for _, f := range rep.Findings {
		if f.Code == "IAM404" && f.Suppressed == nil {
			t.Errorf("IAM404 not silenced: %v", f)
		}
	}
	if len(found(rep, "IAM404")) == 0 {
		t.Error("no IAM404 finding: the silence has nothing to show on")
	}
	if len(rep.UnusedSilences) != 0 {
		t.Errorf("unused silences: %+v", rep.UnusedSilences)
	}
}
