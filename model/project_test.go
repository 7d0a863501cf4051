package model

import "testing"

func TestProjectDescriptionRoundTrip(t *testing.T) {
	for _, tc := range []struct{ desc, stack string }{
		{"", "platform"},
		{"Data team's workloads", "platform"},
		{"has [brackets] and [iamsync:x] inside", "team.a-1"},
	} {
		s := ProjectDescription(tc.desc, tc.stack)
		desc, stack := ParseProjectDescription(s)
		if desc != tc.desc || stack != tc.stack {
			t.Errorf("ParseProjectDescription(%q) = %q, %q; want %q, %q", s, desc, stack, tc.desc, tc.stack)
		}
	}
	for _, s := range []string{"made by hand", "[iamsync:platform] not at the end", "[iamsync:platform/ci]"} {
		if desc, stack := ParseProjectDescription(s); stack != "" || desc != s {
			t.Errorf("ParseProjectDescription(%q) = %q, %q; want it unowned and unchanged", s, desc, stack)
		}
	}
}

// A declared project not created yet has no ID: it must not make "" a label or an ID, which
// would turn every empty reference (the API's default project) into that project.
func TestProjectLookupsIgnoreProjectsWithoutID(t *testing.T) {
	ps := []*Project{{Meta: Meta{ID: "11111111-1111-1111-1111-111111111111"}, Name: "prod"}, {Name: "analytics"}}
	label := ProjectLabels(ps)
	if got := label(""); got != "" {
		t.Errorf(`label("") = %q, want ""`, got)
	}
	if got := label("11111111-1111-1111-1111-111111111111"); got != "prod" {
		t.Errorf("label(prod's ID) = %q, want prod", got)
	}
	ids := NewProjectIDs(ps)
	if _, err := ids.ID("analytics"); err == nil {
		t.Error("a project without ID resolved")
	}
	ids.Add("22222222-2222-2222-2222-222222222222", "analytics")
	if id, err := ids.ID("analytics"); err != nil || id != "22222222-2222-2222-2222-222222222222" {
		t.Errorf(`after Add, ID("analytics") = %q, %v`, id, err)
	}
	ids.Add("33333333-3333-3333-3333-333333333333", "analytics")
	if _, err := ids.ID("analytics"); err == nil {
		t.Error("a name two projects share resolved")
	}
}
