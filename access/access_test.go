package access

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/model"
)

// scopeType is a small stand-in for schema's catalog (which access must not import).
func scopeType(set string) string {
	switch {
	case strings.HasPrefix(set, "IAM"), set == "OrganizationManager", set == "ProjectManager", strings.HasPrefix(set, "Billing"):
		return "organization"
	case set == "Unknown":
		return ""
	}
	return "projects"
}

var opts = Options{ScopeType: scopeType}

func app(name string) *model.Application { return &model.Application{Name: name} }

func group(name string, apps, users []string) *model.Group {
	return &model.Group{Name: name, Members: model.Members{Applications: apps, Users: users}}
}

func policy(name string, kind model.PrincipalKind, who string, rules ...model.Rule) *model.Policy {
	return &model.Policy{Name: name, Principal: model.Principal{Kind: kind, Name: who}, Rules: rules}
}

func orgRule(sets ...string) model.Rule { return model.Rule{PermissionSets: sets, Organization: true} }

func projRule(projects []string, sets ...string) model.Rule {
	return model.Rule{PermissionSets: sets, Projects: projects}
}

// grants lists a principal's grants as "SET @ SCOPE [if COND] <- PATHS", one string each, to
// compare with go-cmp.
func grants(t *testing.T, a *Access, who string) []string {
	t.Helper()
	for _, h := range a.Holdings {
		if h.Principal.String() == who {
			var out []string
			for _, g := range h.Grants {
				out = append(out, grantString(g))
			}
			return out
		}
	}
	return nil
}

func grantString(g Grant) string {
	s := fmt.Sprintf("%s %s @ %s", g.Tier, g.PermissionSet, g.Scope)
	if g.Condition != "" {
		s += " if " + g.Condition
	}
	if g.ExpiresAt != nil {
		s += " until " + g.ExpiresAt.Format(time.RFC3339)
	}
	var paths []string
	for _, p := range g.Paths {
		ps := p.Policy
		if p.Group != "" {
			ps = "group " + p.Group + " > " + ps
		}
		paths = append(paths, ps)
	}
	return s + " <- " + strings.Join(paths, "; ")
}

func TestEffectiveExpandsGroups(t *testing.T) {
	o := &model.Org{
		Applications: []*model.Application{app("ci"), app("idle")},
		Groups: []*model.Group{
			group("admins", []string{"ci"}, []string{"alice@example.com"}),
			group("readers", []string{"ci"}, nil),
		},
		Policies: []*model.Policy{
			policy("admins-iam", model.PrincipalGroup, "admins", orgRule("IAMManager")),
			policy("readers-ro", model.PrincipalGroup, "readers", orgRule("IAMReadOnly"), projRule([]string{"web"}, "InstancesReadOnly")),
			policy("ci-deploy", model.PrincipalApplication, "ci", projRule([]string{"web", "data"}, "InstancesFullAccess")),
			policy("template", model.PrincipalNone, "", orgRule("IAMManager")),
		},
	}
	a := Effective(o, opts)
	if diff := cmp.Diff([]string{
		"high IAMManager @ the organization <- group admins > admins-iam",
		"medium InstancesFullAccess @ project data <- ci-deploy",
		"medium InstancesFullAccess @ project web <- ci-deploy",
		"low IAMReadOnly @ the organization <- group readers > readers-ro",
		"low InstancesReadOnly @ project web <- group readers > readers-ro",
	}, grants(t, a, "application/ci")); diff != "" {
		t.Errorf("application in two groups: mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"high IAMManager @ the organization <- group admins > admins-iam"}, grants(t, a, "user/alice@example.com")); diff != "" {
		t.Errorf("user member: mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"high IAMManager @ the organization <- admins-iam"}, grants(t, a, "group/admins")); diff != "" {
		t.Errorf("group itself: mismatch (-want +got):\n%s", diff)
	}
	if got := grants(t, a, "application/idle"); got != nil {
		t.Errorf("an application with no policy holds %v", got)
	}
	if diff := cmp.Diff([]string{"template"}, a.Unattached); diff != "" {
		t.Errorf("unattached mismatch (-want +got):\n%s", diff)
	}
	var order []string
	for _, h := range a.Holdings {
		order = append(order, h.Principal.String())
	}
	if diff := cmp.Diff([]string{"application/ci", "group/admins", "group/readers", "user/alice@example.com"}, order); diff != "" {
		t.Errorf("principal order (-want +got):\n%s", diff)
	}
}

func TestEffectiveScopes(t *testing.T) {
	o := &model.Org{Policies: []*model.Policy{
		policy("p", model.PrincipalApplication, "a",
			orgRule("AllProductsFullAccess"), // project-level at organization scope: all projects
			orgRule("OrganizationManager"),   // organization-level
			orgRule("Unknown"),               // not in the catalog: taken as organization-level
			projRule([]string{"web"}, "AllProductsFullAccess"),
			projRule([]string{"web"}, "ObjectStorageReadOnly"),
		),
	}}
	if diff := cmp.Diff([]string{
		"high AllProductsFullAccess @ all projects <- p",
		"high OrganizationManager @ the organization <- p",
		"medium AllProductsFullAccess @ project web <- p",
		"medium Unknown @ the organization <- p",
		"low ObjectStorageReadOnly @ project web <- p",
	}, grants(t, Effective(o, opts), "application/a")); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// Without a catalog every organization-scoped set is on the organization.
	if diff := cmp.Diff("high AllProductsFullAccess @ the organization <- p", grants(t, Effective(o, Options{}), "application/a")[0]); diff != "" {
		t.Errorf("no ScopeType: mismatch (-want +got):\n%s", diff)
	}
}

func TestEffectiveConditionsAndExpiry(t *testing.T) {
	until := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	past := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cond := projRule([]string{"web"}, "InstancesFullAccess")
	cond.Condition = "request.ip  ==\n '203.0.113.7'"
	same := cond
	same.Condition = "request.ip == '203.0.113.7'"
	boxed := orgRule("IAMReadOnly")
	boxed.ExpiresAt = &until
	boxed.Condition = model.WithExpiry("request.user_agent == 'ci'", until)
	expired := orgRule("IAMManager")
	expired.Condition = model.WithExpiry("", past) // as read back from the API: no ExpiresAt
	o := &model.Org{Policies: []*model.Policy{
		policy("a", model.PrincipalApplication, "x", cond, boxed, expired),
		policy("b", model.PrincipalApplication, "x", same),
	}}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if diff := cmp.Diff([]string{
		"medium InstancesFullAccess @ project web if request.ip == '203.0.113.7' <- a; b",
		"low IAMReadOnly @ the organization if request.user_agent == 'ci' until 2026-12-01T00:00:00Z <- a",
	}, grants(t, Effective(o, Options{ScopeType: scopeType, Now: now}), "application/x")); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// Without Now, an expired rule is still listed (with its expiry) rather than guessed away.
	if got := grants(t, Effective(o, opts), "application/x"); len(got) != 3 || !strings.Contains(got[0], "IAMManager") || !strings.Contains(got[0], "until 2026-01-01") {
		t.Errorf("without Now: %q", got)
	}
}

func TestNormalizeCondition(t *testing.T) {
	for in, want := range map[string]string{
		"  a  &&\n\tb ":                "a && b",
		"request.ip == '1  2'":         "request.ip == '1  2'",
		`x == "a\"  b"   &&  y`:        `x == "a\"  b" && y`,
		"x == '''a '  ' b'''   || z":   "x == '''a '  ' b''' || z",
		"x == 'unterminated   literal": "x == 'unterminated   literal",
		"":                             "",
	} {
		if got := normalizeCondition(in); got != want {
			t.Errorf("normalizeCondition(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProjectLabels(t *testing.T) {
	label := ProjectLabels([]*model.Project{
		{Meta: model.Meta{ID: "p1"}, Name: "web"}, {Meta: model.Meta{ID: "p2"}, Name: "dup"}, {Meta: model.Meta{ID: "p3"}, Name: "dup"}, {Meta: model.Meta{ID: "p1"}, Name: "web"},
	})
	for ref, want := range map[string]string{"p1": "web", "web": "web", "p2": "p2", "dup": "dup", "nowhere": "nowhere"} {
		if got := label(ref); got != want {
			t.Errorf("label(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestTierOf(t *testing.T) {
	org, all, proj := Scope{Kind: ScopeOrganization}, Scope{Kind: ScopeAllProjects}, Scope{Kind: ScopeProject, Project: "web"}
	for _, tc := range []struct {
		set   string
		scope Scope
		want  Tier
	}{
		{"IAMManager", org, High},
		{"OrganizationManager", org, High},
		{"AllProductsFullAccess", all, High},
		{"AllProductsFullAccess", proj, Medium},
		{"IAMPolicyManager", org, High},
		{"IAMApplicationManager", org, High},
		{"InstancesFullAccess", all, High},
		{"InstancesFullAccess", proj, Medium},
		{"ProjectManager", org, Medium},
		{"BillingManager", org, Medium},
		{"SecretManagerSecretAccess", proj, Medium},
		{"IAMReadOnly", org, Low},
		{"AllProductsReadOnly", all, Low},
		{"ObjectStorageReadOnly", proj, Low},
	} {
		if got := TierOf(tc.set, tc.scope); got != tc.want {
			t.Errorf("TierOf(%s, %s) = %s, want %s", tc.set, tc.scope, got, tc.want)
		}
	}
	for _, s := range []string{"low", "MEDIUM", "high"} {
		if _, err := ParseTier(s); err != nil {
			t.Errorf("ParseTier(%q): %v", s, err)
		}
	}
	if _, err := ParseTier("critical"); err == nil || !strings.Contains(err.Error(), "low, medium or high") {
		t.Errorf("ParseTier(critical) = %v", err)
	}
}
