package live

import (
	"context"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

// TestRulesForGroup: a policy another stack attaches to one of our groups has its rules read
// when RulesForGroup selects the group, and only then; the plan's access review needs them to
// see what a new member of the group gains.
func TestRulesForGroup(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	o := emu.Owner()
	api := emulatorAPI(t, emu, o)
	ours, err := api.CreateGroup(&iam.CreateGroupRequest{OrganizationID: o.OrganizationID, Name: "admins", Tags: []string{model.OwnerTagPrefix + "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := api.CreateGroup(&iam.CreateGroupRequest{OrganizationID: o.OrganizationID, Name: "elsewhere", Tags: []string{model.OwnerTagPrefix + "other"}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := o.OrganizationID
	for name, g := range map[string]*iam.Group{"admins-iam": ours, "elsewhere-iam": theirs} {
		_, err := api.CreatePolicy(&iam.CreatePolicyRequest{OrganizationID: o.OrganizationID, Name: name, GroupID: &g.ID,
			Tags:  []string{model.OwnerTagPrefix + "security"},
			Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMManager"}, OrganizationID: &orgID}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := emulatorClient(t, emu, o)
	deps := model.DependenciesOf(&model.Org{Stack: "prod"})
	unread := func(opts ReadOptions) map[string]bool {
		t.Helper()
		org, err := c.Read(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, p := range org.Policies {
			if p.Owner == "security" {
				out[p.Name] = p.RulesUnread
				if !p.RulesUnread && len(p.Rules) != 1 {
					t.Errorf("policy %s: rules %+v", p.Name, p.Rules)
				}
			}
		}
		return out
	}
	if got := unread(ReadOptions{RulesFor: deps.WantsRules}); !got["admins-iam"] || !got["elsewhere-iam"] {
		t.Errorf("without RulesForGroup, another stack's policies are read: unread = %v", got)
	}
	if got := unread(ReadOptions{RulesFor: deps.WantsRules, RulesForGroup: deps.WantsGroupRules}); got["admins-iam"] || !got["elsewhere-iam"] {
		t.Errorf("with RulesForGroup, want admins-iam read and elsewhere-iam not: unread = %v", got)
	}
}
