package plan

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/model"
)

// lostGrants lists "PRINCIPAL SET" for every grant the plan's review says is lost.
func lostGrants(p *Plan) []string {
	var out []string
	for _, c := range p.Access.Changes {
		for _, g := range c.Lost {
			out = append(out, c.Principal.String()+" "+g.PermissionSet)
		}
	}
	return out
}

// TestAccessFollowsProtectSelf: the review describes what apply will do, so the grants that
// self-protection keeps are not shown as lost, while those of the other application are.
func TestAccessFollowsProtectSelf(t *testing.T) {
	live := liveFrom(t, selfOrg())
	empty := &model.Org{Stack: "prod"}

	unprotected := mustDiff(t, empty, live, Options{})
	want := []string{"application/iamsync IAMManager", "application/web AllProductsReadOnly"}
	if diff := cmp.Diff(want, lostGrants(unprotected)); diff != "" {
		t.Errorf("without self-protection (-want +got):\n%s", diff)
	}

	protected := mustDiff(t, empty, live, Options{Self: keyID(t, live, "iamsync", "ci")})
	if diff := cmp.Diff(want[1:], lostGrants(protected)); diff != "" {
		t.Errorf("with self-protection, the kept admin policy shows as lost (-want +got):\n%s", diff)
	}
}

// TestAccessOutsideFingerprint: the review changes with how grants are computed (here the
// scope type of AllProductsReadOnly), the fingerprint does not, and a saved plan carries its
// review unchanged.
func TestAccessOutsideFingerprint(t *testing.T) {
	desired := selfOrg()
	desired.Policies[1].Rules[0].PermissionSets = []string{"AllProductsFullAccess"}
	live := liveFrom(t, selfOrg())
	projects := func(string) string { return "projects" }

	plain := mustDiff(t, desired, live, Options{})
	scoped := mustDiff(t, desired, live, Options{ScopeType: projects})
	if got := scoped.Access.Changes[0].Gained[0].Scope.Kind; got != access.ScopeAllProjects {
		t.Fatalf("with project-level sets, the gain is on %s, want all projects", got)
	}
	if plain.Access.Changes[0].Gained[0].Scope.Kind != access.ScopeOrganization {
		t.Fatalf("without a catalog, the gain is not on the organization: %+v", plain.Access.Changes[0].Gained[0])
	}
	if plain.Fingerprint != scoped.Fingerprint {
		t.Errorf("the access review moves the fingerprint: %+v vs %+v", plain.Fingerprint, scoped.Fingerprint)
	}

	var b bytes.Buffer
	if err := scoped.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	read, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(scoped.Access, read.Access); diff != "" {
		t.Errorf("the saved review differs (-planned +read):\n%s", diff)
	}
}
