package model

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKeyDescriptionRoundTrip(t *testing.T) {
	for _, tc := range []struct{ desc, stack, name string }{
		{"", "platform", "github-actions"},
		{"Deploys production", "platform", "ci"},
		{"has [brackets] inside", "team.a-1", "key_2@x"},
	} {
		s := KeyDescription(tc.desc, tc.stack, tc.name)
		desc, stack, name, ok := ParseKeyDescription(s)
		if !ok || desc != tc.desc || stack != tc.stack || name != tc.name {
			t.Errorf("ParseKeyDescription(%q) = %q %q %q %v, want %q %q %q", s, desc, stack, name, ok, tc.desc, tc.stack, tc.name)
		}
	}
	if _, _, _, ok := ParseKeyDescription("a key made by hand"); ok {
		t.Error("an unmarked description parsed as owned")
	}
	if _, _, _, ok := ParseKeyDescription("[iamsync:platform/ci] not at the end"); ok {
		t.Error("a marker in the middle of the description parsed as owned")
	}
}

func TestSplitOwnerTag(t *testing.T) {
	owner, rest := SplitOwnerTag([]string{"team=a", OwnerTag("platform"), "x", OwnerTag("other")})
	if owner != "platform" {
		t.Errorf("owner = %q", owner)
	}
	if diff := cmp.Diff([]string{"team=a", "x"}, rest); diff != "" {
		t.Errorf("rest mismatch (-want +got):\n%s", diff)
	}
	if owner, rest := SplitOwnerTag(nil); owner != "" || rest == nil || len(rest) != 0 {
		t.Errorf("SplitOwnerTag(nil) = %q, %#v", owner, rest)
	}
}

func TestNormalizeMakesEquivalentOrgsEqual(t *testing.T) {
	a := &Org{
		Applications: []*Application{{Name: "b", Tags: []string{"y", "x", "x"}}, {Name: "a"}},
		Groups:       []*Group{{Name: "g", Members: Members{Users: []string{"z@x", "a@x"}}}},
		Policies: []*Policy{{Name: "p", Rules: []Rule{
			{PermissionSets: []string{"B", "A"}, Organization: true},
			{PermissionSets: []string{"C"}, Projects: []string{"p2", "p1"}},
			{PermissionSets: []string{"A", "B"}, Organization: true},
		}}},
	}
	b := &Org{
		Applications: []*Application{{Name: "a", Tags: []string{}}, {Name: "b", Tags: []string{"x", "y"}}},
		Groups:       []*Group{{Name: "g", Members: Members{Users: []string{"a@x", "z@x"}, Applications: []string{}}}},
		Policies: []*Policy{{Name: "p", Rules: []Rule{
			{PermissionSets: []string{"C"}, Projects: []string{"p1", "p2"}},
			{PermissionSets: []string{"A", "B"}, Organization: true},
		}}},
	}
	a.Normalize()
	b.Normalize()
	if diff := cmp.Diff(b, a); diff != "" {
		t.Errorf("normalized orgs differ (-b +a):\n%s", diff)
	}
}

func TestRuleCanonicalDistinguishesScopeAndCondition(t *testing.T) {
	base := Rule{PermissionSets: []string{"A"}, Organization: true}
	others := []Rule{
		{PermissionSets: []string{"A"}, Projects: []string{"p"}},
		{PermissionSets: []string{"A"}, Organization: true, Condition: "1 == 1"},
		{PermissionSets: []string{"A", "B"}, Organization: true},
	}
	for _, o := range others {
		if o.Canonical() == base.Canonical() {
			t.Errorf("%q and %q have the same identity", o.Canonical(), base.Canonical())
		}
	}
	if !strings.Contains(base.Canonical(), "organization") {
		t.Errorf("Canonical() = %q", base.Canonical())
	}
}

func TestKeyOrder(t *testing.T) {
	keys := []Key{
		{Kind: KindPolicy, Name: "a"},
		{Kind: KindAPIKey, Parent: "app", Name: "k"},
		{Kind: KindApplication, Name: "z"},
	}
	if !keys[2].Less(keys[1]) || !keys[1].Less(keys[0]) || keys[0].Less(keys[2]) {
		t.Error("kinds do not sort in dependency order")
	}
	if got := keys[1].String(); got != "api_key/app/k" {
		t.Errorf("String() = %q", got)
	}
}

func TestRetiredKeyMarker(t *testing.T) {
	until := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s := RetiredKeyDescription("deploys", "platform", "ci", until)
	km, ok := ParseKeyMarker(s)
	if !ok || km.Desc != "deploys" || km.Stack != "platform" || km.Name != "ci" || km.RetiredUntil == nil || !km.RetiredUntil.Equal(until) {
		t.Fatalf("ParseKeyMarker(%q) = %+v, %v", s, km, ok)
	}
	if km, _ := ParseKeyMarker(KeyDescription("deploys", "platform", "ci")); km.RetiredUntil != nil {
		t.Errorf("a current key parsed as retired")
	}
}

// Every kind is in each of model's tables: a kind missing from one would panic (a nil function)
// or print its raw name the first time a value of it is met.
func TestKindTablesCoverEveryKind(t *testing.T) {
	for _, k := range Kinds {
		s, ok := kindSpecs[k]
		if !ok || s.new == nil || s.each == nil || s.add == nil || s.drop == nil {
			t.Errorf("kindSpecs[%s] is missing or incomplete", k)
			continue
		}
		if _, ok := kindNouns[k]; !ok {
			t.Errorf("kindNouns lacks %s", k)
		}
		r := s.new()
		if r.Key().Kind != k {
			t.Errorf("kindSpecs[%s].new makes a %s", k, r.Key().Kind)
		}
		o := &Org{}
		o.Add(r)
		n := 0
		for range o.ResourcesOf(k) {
			n++
		}
		o.Drop(k)
		left := 0
		for range o.ResourcesOf(k) {
			left++
		}
		if n != 1 || left != 0 {
			t.Errorf("%s: add then drop left %d then %d values, want 1 then 0", k, n, left)
		}
	}
}
