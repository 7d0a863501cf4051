package plan

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsync/iamsync/model"
)

func ptime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// sample is a small desired organization touching every kind and every normalization rule.
func sample() *model.Org {
	return &model.Org{
		Stack: "prod",
		Applications: []*model.Application{
			{Name: "ci", Description: "CI\nsecond line", Tags: []string{"b", "a", "a"}, Meta: model.Meta{Pos: model.Pos{File: "a.yaml", Line: 1}}},
			{Name: "bot", Tags: nil},
		},
		Groups: []*model.Group{
			{Name: "devs", Members: model.Members{Applications: []string{"ci", "bot"}, Users: []string{"Bob@example.com", "alice@example.com"}}},
		},
		Policies: []*model.Policy{
			{Name: "deploy", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "devs"}, Rules: []model.Rule{
				{PermissionSets: []string{"B", "A"}, Projects: []string{"web", "5e1b2c3d-0000-4000-8000-00000000a002"}},
				{PermissionSets: []string{"IAMReadOnly"}, Organization: true, Condition: "x == 1"},
			}},
			{Name: "alice", Principal: model.Principal{Kind: model.PrincipalUser, Name: "ALICE@example.com"}, Rules: []model.Rule{
				{PermissionSets: []string{"A"}, Organization: true},
			}},
			{Name: "ext", Principal: model.Principal{Kind: model.PrincipalApplication, ID: "external-app-id"}},
		},
		APIKeys: []*model.APIKey{
			{Application: "ci", Name: "gh", DefaultProject: "web", ExpiresIn: 30 * 24 * time.Hour},
			{Application: "ci", Name: "tf", ExpiresAt: ptime("2027-06-01T00:00:00+02:00")},
			{Application: "bot", Name: "forever", Description: "no expiry"},
		},
	}
}

func TestDiffNoChanges(t *testing.T) {
	tests := []struct {
		name string
		org  func() *model.Org
	}{
		{"sample", sample},
		{"empty", func() *model.Org { return &model.Org{Stack: "prod"} }},
		{"declared projects, named before they exist", func() *model.Org {
			o := sample()
			o.Projects = []*model.Project{{Name: "analytics", Description: "Data team"}, {Name: "scratch"}}
			o.Policies[0].Rules[0].Projects = append(o.Policies[0].Rules[0].Projects, "analytics")
			o.APIKeys[0].DefaultProject = "scratch"
			return o
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.org()
			// Fresh apply: live as the API returns it.
			p, err := Diff(d, liveFrom(t, d), Options{Now: testCreated.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Empty() {
				t.Errorf("Diff(desired, liveFrom(desired)) is not empty:\n%s", render(t, p))
			}
			// Diff(x, x): a snapshot compared with itself.
			x := liveFrom(t, d)
			x.Stack = d.Stack
			p, err = Diff(declaredOnly(t, x), x, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !p.Empty() {
				t.Errorf("Diff(x, x) is not empty:\n%s", render(t, p))
			}
		})
	}
}

func render(t testing.TB, p *Plan) string {
	var b bytes.Buffer
	if err := RenderText(&b, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDiffDoesNotMutateInputs(t *testing.T) {
	d := sample()
	l := liveFrom(t, d)
	l.Applications[0].Description = "changed"
	l.Groups[0].Members.Users = []string{"bob@example.com"}
	l.Policies = append(l.Policies, &model.Policy{Meta: model.Meta{ID: "old", Owner: "prod"}, Name: "old"})
	before := mustJSON(t, []*model.Org{d, l})
	p, err := Diff(d, l, Options{Adopt: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) == 0 {
		t.Fatal("expected actions")
	}
	if after := mustJSON(t, []*model.Org{d, l}); after != before {
		t.Errorf("Diff modified its inputs:\nbefore %s\nafter  %s", before, after)
	}
	// The plan's resources are its own: changing them must not reach the inputs either.
	for _, a := range p.Actions {
		if app, ok := a.Resource.(*model.Application); ok {
			app.Tags = append(app.Tags, "x")
		}
	}
	if after := mustJSON(t, []*model.Org{d, l}); after != before {
		t.Error("the plan shares memory with its inputs")
	}
}

func TestOrder(t *testing.T) {
	d := &model.Org{Stack: "prod",
		Applications: []*model.Application{{Name: "z-app"}, {Name: "a-app"}},
		Groups:       []*model.Group{{Name: "g", Members: model.Members{Applications: []string{"z-app"}}}},
		Policies:     []*model.Policy{{Name: "p", Principal: model.Principal{Kind: model.PrincipalGroup, Name: "g"}}},
		APIKeys:      []*model.APIKey{{Application: "a-app", Name: "k"}},
	}
	l := &model.Org{
		Applications: []*model.Application{{Meta: model.Meta{ID: "1", Owner: "prod"}, Name: "old-app"}, {Meta: model.Meta{ID: "5", Owner: "prod"}, Name: "a-app", Description: "x"}},
		Groups:       []*model.Group{{Meta: model.Meta{ID: "2", Owner: "prod"}, Name: "old-group"}},
		Policies:     []*model.Policy{{Meta: model.Meta{ID: "3", Owner: "prod"}, Name: "old-policy"}},
		APIKeys:      []*model.APIKey{{Meta: model.Meta{ID: "SCW4", Owner: "prod"}, Application: "old-app", Name: "old-key"}},
	}
	p, err := Diff(d, l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range p.Actions {
		got = append(got, a.Op.Symbol()+" "+a.Key.String())
	}
	want := []string{
		"~ application/a-app",
		"+ application/z-app",
		"+ group/g",
		"+ api_key/a-app/k",
		"+ policy/p",
		"- policy/old-policy",
		"- api_key/old-app/old-key",
		"- group/old-group",
		"- application/old-app",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
}

func TestSortActionsTies(t *testing.T) {
	k := func(kind model.Kind, name string) model.Key { return model.Key{Kind: kind, Name: name} }
	as := []Action{
		{Op: Delete, Key: k(model.KindApplication, "b"), ID: "2"},
		{Op: Delete, Key: k(model.KindApplication, "b"), ID: "1"},
		{Op: Adopt, Key: k(model.KindPolicy, "a")},
		{Op: Replace, Key: model.Key{Kind: model.KindAPIKey, Parent: "b", Name: "k"}},
		{Op: Delete, Key: k(model.KindPolicy, "z")},
		{Op: Create, Key: model.Key{Kind: model.KindAPIKey, Parent: "a", Name: "k"}},
		{Op: Update, Key: k(model.KindGroup, "g")},
		{Op: Delete, Key: k(model.KindApplication, "a")},
	}
	sortActions(as)
	var got []string
	for _, a := range as {
		got = append(got, fmt.Sprintf("%s %s %s", a.Op.Symbol(), a.Key, a.ID))
	}
	want := []string{
		"~ group/g ",
		"+ api_key/a/k ",
		"-/+ api_key/b/k ",
		"<~ policy/a ",
		"- policy/z ",
		"- application/a ",
		"- application/b 1",
		"- application/b 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
}

// TestOwnership covers the conflict rules of ownership.go one by one.
func TestOwnership(t *testing.T) {
	app := func(id, owner string, managed bool) *model.Application {
		return &model.Application{Meta: model.Meta{ID: id, Owner: owner, Managed: managed}, Name: "ci"}
	}
	tests := []struct {
		name     string
		desired  *model.Application
		live     []*model.Application
		adopt    bool
		op       Op     // expected action on application/ci, 0 for none
		conflict string // expected substring of the conflict reason, "" for none
	}{
		{"absent: create", &model.Application{Name: "ci"}, nil, false, Create, ""},
		{"ours, same: nothing", &model.Application{Name: "ci"}, []*model.Application{app("1", "prod", false)}, false, 0, ""},
		{"ours, differs: update", &model.Application{Name: "ci", Description: "d"}, []*model.Application{app("1", "prod", false)}, false, Update, ""},
		{"unmanaged: conflict", &model.Application{Name: "ci"}, []*model.Application{app("1", "", false)}, false, 0, "no stack owns it"},
		{"unmanaged, adopt: true", &model.Application{Name: "ci", Meta: model.Meta{Adopt: true}}, []*model.Application{app("1", "", false)}, false, Adopt, ""},
		{"unmanaged, --adopt", &model.Application{Name: "ci"}, []*model.Application{app("1", "", false)}, true, Adopt, ""},
		{"other stack, even with --adopt", &model.Application{Name: "ci"}, []*model.Application{app("1", "staging", false)}, true, 0, `owned by stack "staging"`},
		{"managed, even with --adopt", &model.Application{Name: "ci"}, []*model.Application{app("1", "", true)}, true, 0, "managed by Scaleway"},
		{"duplicates, ours wins", &model.Application{Name: "ci"}, []*model.Application{app("1", "", false), app("2", "prod", false)}, false, 0, ""},
		{"duplicates, none ours", &model.Application{Name: "ci"}, []*model.Application{app("1", "", false), app("2", "x", false)}, true, 0, "2 live resources are named"},
		{"duplicates, two ours", &model.Application{Name: "ci"}, []*model.Application{app("1", "prod", false), app("2", "prod", false)}, false, 0, "are owned by stack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &model.Org{Stack: "prod", Applications: []*model.Application{tt.desired}}
			l := &model.Org{Applications: tt.live}
			p, err := Diff(d, l, Options{Adopt: tt.adopt})
			if err != nil {
				t.Fatal(err)
			}
			var op Op
			for _, a := range p.Actions {
				if a.Op == Delete {
					t.Errorf("unexpected delete of %s (id %s)", a.Key, a.ID)
					continue
				}
				op = a.Op
			}
			if op != tt.op {
				t.Errorf("op = %v, want %v", op, tt.op)
			}
			switch {
			case tt.conflict == "" && len(p.Conflicts) > 0:
				t.Errorf("unexpected conflict: %+v", p.Conflicts)
			case tt.conflict != "" && (len(p.Conflicts) != 1 || !strings.Contains(p.Conflicts[0].Reason, tt.conflict)):
				t.Errorf("conflicts = %+v, want one with %q", p.Conflicts, tt.conflict)
			}
		})
	}
}

func TestAPIKeys(t *testing.T) {
	base := func() (*model.Org, *model.Org) {
		d := &model.Org{Stack: "prod", Applications: []*model.Application{{Name: "ci"}},
			APIKeys: []*model.APIKey{{Application: "ci", Name: "gh", ExpiresIn: 24 * time.Hour}}}
		return d, liveFrom(t, d)
	}
	t.Run("relative expiry within a minute is unchanged", func(t *testing.T) {
		d, l := base()
		at := l.APIKeys[0].CreatedAt.Add(24*time.Hour + 59*time.Second)
		l.APIKeys[0].ExpiresAt = &at
		p := mustDiff(t, d, l, Options{})
		if !p.Empty() {
			t.Errorf("want no change:\n%s", render(t, p))
		}
	})
	t.Run("relative expiry changed: replace", func(t *testing.T) {
		d, l := base()
		d.APIKeys[0].ExpiresIn = 48 * time.Hour
		p := mustDiff(t, d, l, Options{})
		if len(p.Actions) != 1 || p.Actions[0].Op != Replace || !p.Actions[0].Changed(FieldExpiry) {
			t.Fatalf("want one replace with an expiry change:\n%s", render(t, p))
		}
		if s := p.Summary(); s != (Summary{Add: 1, Destroy: 1}) {
			t.Errorf("summary = %+v, want 1 add and 1 destroy", s)
		}
	})
	t.Run("never vs some expiry: replace", func(t *testing.T) {
		d, l := base()
		d.APIKeys[0].ExpiresIn = 0
		p := mustDiff(t, d, l, Options{})
		if len(p.Actions) != 1 || p.Actions[0].Op != Replace {
			t.Fatalf("want one replace:\n%s", render(t, p))
		}
	})
	t.Run("expired key with relative expiry is rotated", func(t *testing.T) {
		d, l := base()
		p := mustDiff(t, d, l, Options{Now: testCreated.Add(25 * time.Hour)})
		if len(p.Actions) != 1 || p.Actions[0].Op != Replace || p.Actions[0].Reason != "the key has expired" {
			t.Fatalf("want a rotation:\n%s", render(t, p))
		}
	})
	t.Run("description and default project update in place", func(t *testing.T) {
		d, l := base()
		d.APIKeys[0].Description = "new"
		d.APIKeys[0].DefaultProject = "web"
		p := mustDiff(t, d, l, Options{})
		if len(p.Actions) != 1 || p.Actions[0].Op != Update || !p.Actions[0].Changed(FieldDescription) || !p.Actions[0].Changed(FieldDefaultProject) {
			t.Fatalf("want one update:\n%s", render(t, p))
		}
	})
	t.Run("adopt by unknown access key: conflict", func(t *testing.T) {
		d, l := base()
		d.APIKeys[0].ID = "SCWNOPE"
		p := mustDiff(t, d, l, Options{})
		if len(p.Conflicts) != 1 || !strings.Contains(p.Conflicts[0].Reason, "SCWNOPE") {
			t.Fatalf("want a conflict naming the access key:\n%s", render(t, p))
		}
	})
	t.Run("adopt by access key with another expiry: conflict, not replace", func(t *testing.T) {
		d, l := base()
		l.APIKeys[0].Owner, l.APIKeys[0].Name = "", l.APIKeys[0].ID
		d.APIKeys[0].ID = l.APIKeys[0].ID
		d.APIKeys[0].ExpiresIn = time.Hour
		p := mustDiff(t, d, l, Options{})
		if len(p.Conflicts) != 1 || len(p.Actions) != 0 {
			t.Fatalf("want a single conflict and no action:\n%s", render(t, p))
		}
	})
	t.Run("secret never reaches the plan", func(t *testing.T) {
		d, l := base()
		d.APIKeys[0].Secret = "CI_GH" // the secrets-file entry name, not a secret
		p := mustDiff(t, d, l, Options{})
		var b bytes.Buffer
		if err := p.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "secret_key") {
			t.Error("the plan format has a secret_key field")
		}
	})
}

func mustDiff(t *testing.T, d, l *model.Org, opts Options) *Plan {
	t.Helper()
	p, err := Diff(d, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiffErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(d, l *model.Org)
		want string
	}{
		{"no stack", func(d, l *model.Org) { d.Stack = "" }, "no stack name"},
		{"duplicate", func(d, l *model.Org) { d.Groups = append(d.Groups, &model.Group{Name: "devs"}) }, "group/devs: declared more than once"},
		{"reserved tag", func(d, l *model.Org) { d.Applications[0].Tags = []string{"iamsync-stack=other"} }, "reserved"},
		{"unknown project", func(d, l *model.Org) { d.APIKeys[0].DefaultProject = "nope" }, `no project named or with ID "nope"`},
		{"ambiguous project", func(d, l *model.Org) {
			l.Projects = append(l.Projects, &model.Project{Meta: model.Meta{ID: "other-web"}, Name: "web"})
		}, `2 projects are named "web"`},
		{"unknown user", func(d, l *model.Org) { d.Policies[1].Principal.Name = "carol@example.com" }, `no user with email "carol@example.com"`},
		{"unknown application", func(d, l *model.Org) { d.Groups[0].Members.Applications = []string{"ghost"} }, `no application named "ghost"`},
		{"reference to a deleted application", func(d, l *model.Org) {
			d.Applications = d.Applications[:1]
			d.APIKeys = d.APIKeys[:2]
		}, `"application/bot" is not in the manifests, so this plan deletes it`},
		{"ambiguous live group", func(d, l *model.Org) {
			d.Groups = nil
			d.Policies = d.Policies[:1]
			l.Groups = []*model.Group{{Meta: model.Meta{ID: "1"}, Name: "devs"}, {Meta: model.Meta{ID: "2"}, Name: "devs"}}
		}, `2 groups in the organization are named "devs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sample()
			l := liveFrom(t, d)
			tt.edit(d, l)
			_, err := Diff(d, l, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestErrorsCarryPositions(t *testing.T) {
	d := sample()
	l := liveFrom(t, d)
	d.Policies[0].Pos = model.Pos{File: "p.yaml", Line: 4, Col: 3}
	d.Policies[0].Rules[0].Pos = model.Pos{File: "p.yaml", Line: 9, Col: 7}
	d.Policies[0].Rules[0].Projects = []string{"nope"}
	d.APIKeys[0].Pos = model.Pos{File: "a.yaml", Line: 2, Col: 1}
	d.APIKeys[0].DefaultProject = "nope"
	_, err := Diff(d, l, Options{})
	want := "a.yaml:2:1: api_key/ci/gh: default_project: no project named or with ID \"nope\" in the organization: create the project first, or give the ID of an existing one\n" +
		"p.yaml:9:7: policy/deploy: rule projects: no project named or with ID \"nope\" in the organization: create the project first, or give the ID of an existing one"
	if err == nil || err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
}

func TestFingerprint(t *testing.T) {
	d := sample()
	l := liveFrom(t, d)
	l.Applications = append(l.Applications, &model.Application{Meta: model.Meta{ID: "u1"}, Name: "unrelated", Description: "a"})
	fp := mustDiff(t, d, l, Options{}).Fingerprint

	moved := sample()
	moved.Applications[0].Pos = model.Pos{File: "elsewhere.yaml", Line: 99}
	if got := mustDiff(t, moved, l, Options{}).Fingerprint; got != fp {
		t.Error("moving a declaration changed the fingerprint")
	}
	silenced := sample()
	silenced.Policies[0].Ignore = []model.Ignore{{Rule: "IAM102", Reason: "known"}}
	if got := mustDiff(t, silenced, l, Options{}).Fingerprint; got != fp {
		t.Error("silencing an audit finding changed the fingerprint")
	}
	l2 := mustClone(t, l)
	l2.Applications[len(l2.Applications)-1].Description = "b"
	if got := mustDiff(t, d, l2, Options{}).Fingerprint; got != fp {
		t.Error("an unrelated live change changed the fingerprint")
	}
	l3 := mustClone(t, l)
	l3.Groups[0].Description = "drift"
	if got := mustDiff(t, d, l3, Options{}).Fingerprint; got.Live == fp.Live || got.Manifests != fp.Manifests {
		t.Errorf("a change to an owned resource: fingerprint %+v, before %+v", got, fp)
	}
	d4 := sample()
	d4.Applications[0].Description = "new"
	if got := mustDiff(t, d4, l, Options{}).Fingerprint; got.Manifests == fp.Manifests || got.Live != fp.Live {
		t.Errorf("a manifest change: fingerprint %+v, before %+v", got, fp)
	}
}

func TestOps(t *testing.T) {
	tests := []struct {
		op          Op
		symbol      string
		destructive bool
	}{
		{Create, "+", false},
		{Update, "~", false},
		{Replace, "-/+", true},
		{Delete, "-", true},
		{Adopt, "<~", false},
	}
	for _, tt := range tests {
		if tt.op.Symbol() != tt.symbol || tt.op.Destructive() != tt.destructive {
			t.Errorf("%v: symbol %q destructive %v, want %q %v", tt.op, tt.op.Symbol(), tt.op.Destructive(), tt.symbol, tt.destructive)
		}
		b, err := tt.op.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Op
		if err := back.UnmarshalText(b); err != nil || back != tt.op {
			t.Errorf("%v does not round-trip through text: %v %v", tt.op, back, err)
		}
	}
	if _, err := Op(0).MarshalText(); err == nil {
		t.Error("the zero Op must not be written")
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"other version", `{"format_version": 2, "actions": []}`, "format version 2 is not supported"},
		{"version 3, before the new kinds were counted", `{"format_version": 3, "actions": []}`, "format version 3 is not supported (this iamsync reads version 8): run plan again"},
		{"version 5, before console_sessions and members_from", `{"format_version": 5, "actions": []}`, "format version 5 is not supported (this iamsync reads version 8): run plan again"},
		{"version 6, before the federation kinds", `{"format_version": 6, "actions": []}`, "format version 6 is not supported (this iamsync reads version 8): run plan again"},
		{"version 7, before projects were a kind", `{"format_version": 7, "actions": []}`, "format version 7 is not supported (this iamsync reads version 8): run plan again"},
		{"version 4, with project IDs and project_names", `{"format_version": 4, "actions": [], "project_names": {"p": "web"}}`, "format version 4 is not supported (this iamsync reads version 8): run plan again"},
		{"no version", `{"actions": []}`, "no format_version"},
		{"not JSON", `plan`, "not a JSON plan"},
		{"unknown field", `{"format_version": 8, "surprise": true}`, `unknown field "surprise"`},
		{"unknown op", `{"format_version": 8, "actions": [{"op": "explode", "key": {"kind": "group", "name": "g"}}]}`, `unknown op "explode"`},
		{"unknown field in an action", `{"format_version": 8, "actions": [{"op": "delete", "id": "x", "key": {"kind": "group", "name": "g"}, "group": {}}]}`, `unknown field "group"`},
		{"unknown field in a resource", `{"format_version": 8, "actions": [{"op": "create", "key": {"kind": "group", "name": "g"}, "resource": {"name": "g", "owner_id": "x"}}]}`, `unknown field "owner_id"`},
		{"unknown kind", `{"format_version": 8, "actions": [{"op": "create", "key": {"kind": "robot", "name": "g"}, "resource": {"name": "g"}}]}`, `unknown resource kind "robot"`},
		{"unknown field name", `{"format_version": 8, "actions": [{"op": "update", "id": "x", "key": {"kind": "group", "name": "g"}, "changes": [{"field": "colour"}], "resource": {"name": "g"}}]}`, `unknown field "colour"`},
		{"resource of another key", `{"format_version": 8, "actions": [{"op": "create", "key": {"kind": "group", "name": "g"}, "resource": {"name": "h"}}]}`, "the resource is group/h, not group/g"},
		{"delete without ID", `{"format_version": 8, "actions": [{"op": "delete", "key": {"kind": "group", "name": "g"}}]}`, "needs the live ID"},
		{"create without resource", `{"format_version": 8, "actions": [{"op": "create", "key": {"kind": "group", "name": "g"}}]}`, "carries the resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	p, err := Read(strings.NewReader(`{"format_version": 8, "stack": "s"}`))
	if err != nil || !p.Empty() || p.Actions == nil {
		t.Errorf("minimal plan: %+v, %v", p, err)
	}
}

func TestRenderColor(t *testing.T) {
	d := sample()
	p := mustDiff(t, d, externalsOnly(t, d), Options{})
	var plain, color bytes.Buffer
	if err := RenderText(&plain, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderText(&color, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(color.String(), "\x1b[32m") {
		t.Error("Color: no ANSI green in the output")
	}
	stripped := strings.NewReplacer("\x1b[0m", "", "\x1b[1m", "", "\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "", "\x1b[36m", "").Replace(color.String())
	if stripped != plain.String() {
		t.Errorf("colour changes more than colour:\n%s", cmp.Diff(plain.String(), stripped))
	}
	// The plan's summary line ends the plan proper; the access review follows it.
	if !strings.Contains(plain.String(), "\nPlan: 9 to add, 0 to change, 0 to destroy.\n\nAccess changes: ") {
		t.Errorf("no summary line followed by the access review:\n%s", plain.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteErrors(t *testing.T) {
	p := mustDiff(t, sample(), externalsOnly(t, sample()), Options{})
	if err := RenderText(failWriter{}, p, TextOptions{}); err == nil {
		t.Error("RenderText: write error lost")
	}
	if err := RenderMarkdown(failWriter{}, p); err == nil {
		t.Error("RenderMarkdown: write error lost")
	}
	if err := p.WriteJSON(failWriter{}); err == nil {
		t.Error("WriteJSON: write error lost")
	}
}

func TestRenderEscapesControlCharacters(t *testing.T) {
	d := &model.Org{Stack: "prod", Applications: []*model.Application{{Name: "ci", Description: "one\ntwo\x1b[2J"}}}
	l := &model.Org{Applications: []*model.Application{
		{Meta: model.Meta{ID: "1", Owner: "prod"}, Name: "ci", Tags: []string{"evil\x1b[31m"}},
		{Meta: model.Meta{ID: "2", Owner: "prod"}, Name: "gone\u202e"},
	}}
	p := mustDiff(t, d, l, Options{})
	var md bytes.Buffer
	if err := RenderMarkdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": render(t, p), "markdown": md.String()} {
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s rendering passes control characters through:\n%q", name, out)
		}
		for _, want := range []string{`evil\x1b[31m`, `two\x1b[2J`, `gone\u202e`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s rendering lacks %q:\n%s", name, want, out)
			}
		}
	}
}

func TestRenderTextDiff(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string
	}{
		{"line changed", "a\nb\nc", "a\nB\nc", []string{"  a", "- b", "+ B", "  c"}},
		{"final newline only", "a\nb", "a\nb\n", []string{"  a", "  b", "# final newline added"}},
		{"from empty", "", "a\nb", []string{"+ a", "+ b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range textDiff(tt.old, tt.new) {
				got = append(got, strings.TrimPrefix(textLine(l, noPaint), "      "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRenderMarkdownBounded: a 2,000-resource change, every application gaining grants, still
// fits in one GitHub comment, with the plan's summary, its truncation note and the access
// review (summarised, never cut mid-table) all in it.
func TestRenderMarkdownBounded(t *testing.T) {
	d := &model.Org{Stack: "prod"}
	for i := range 1000 {
		name := fmt.Sprintf("app-%04d", i)
		d.Applications = append(d.Applications, &model.Application{Name: name, Description: strings.Repeat("x", 40)})
		d.Policies = append(d.Policies, &model.Policy{Name: name, Principal: model.Principal{Kind: model.PrincipalApplication, Name: name},
			Rules: []model.Rule{{PermissionSets: []string{"IAMManager", "InstancesFullAccess", "IAMReadOnly"}, Organization: true}}})
	}
	p := mustDiff(t, d, &model.Org{}, Options{})
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 65536 {
		t.Errorf("comment is %d bytes, over GitHub's limit", b.Len())
	}
	if !strings.Contains(b.String(), "more, left out") || !strings.HasPrefix(b.String(), "**iamsync plan** for stack `prod`: 2000 to add") {
		t.Errorf("truncated comment lacks its summary or its note:\n%s…", b.String()[:300])
	}
	md := b.String()
	review := md[strings.Index(md, "### Access review"):]
	for _, want := range []string{"1000 principals gain 3000 grants (**2000 high**", "> [!CAUTION]", "more principals not shown above", "see the text or JSON plan"} {
		if !strings.Contains(review, want) {
			t.Errorf("access review lacks %q:\n%s", want, review)
		}
	}
	if strings.Count(review, "<details>") != strings.Count(review, "</details>") {
		t.Error("the access review cuts a table")
	}
}
