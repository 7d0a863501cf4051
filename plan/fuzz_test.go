package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/iamsync/iamsync/model"
)

// byteSource hands out the fuzzer's bytes as small choices; past the end every choice is 0.
type byteSource struct {
	b []byte
}

func (s *byteSource) next() int {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return int(c)
}

func (s *byteSource) pick(options ...string) string { return options[s.next()%len(options)] }

// some returns up to max picks from options, duplicates and order left to chance.
func (s *byteSource) some(max int, options ...string) []string {
	n := s.next() % (max + 1)
	if n == 0 && s.next()%2 == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = s.pick(options...)
	}
	return out
}

// text returns a short string that may hold newlines, spaces and non-ASCII letters.
func (s *byteSource) text() string {
	n := s.next() % 6
	alphabet := []rune("ab\n é#:-\"")
	var b []rune
	for range n {
		b = append(b, alphabet[s.next()%len(alphabet)])
	}
	return string(b)
}

// orgFromBytes builds a valid desired organization from fuzz input: unique keys, references
// that resolve (applications and groups it declares, the test projects and users, by name,
// ID or another e-mail case), and every expiry form.
func orgFromBytes(data []byte) *model.Org {
	s := &byteSource{b: data}
	o := &model.Org{Stack: "fuzz"}
	var apps, groups []string
	for i := range s.next()%4 + 1 {
		name := fmt.Sprintf("app%d%s", i, s.pick("", "-x", ".y"))
		apps = append(apps, name)
		o.Applications = append(o.Applications, &model.Application{Name: name, Description: s.text(), Tags: s.some(3, "a", "b", "env=prod", "")})
	}
	users := []string{"alice@example.com", "ALICE@example.com", "bob@example.com", "Bob@Example.com"}
	projects := []string{"web", "data", "default", testProjects[0].ID, testProjects[1].ID}
	for i := range s.next() % 3 {
		name := fmt.Sprintf("group%d", i)
		groups = append(groups, name)
		o.Groups = append(o.Groups, &model.Group{Name: name, Description: s.text(), Tags: s.some(2, "t1", "t2"),
			Members: model.Members{Applications: s.some(3, apps...), Users: s.some(3, users...)}})
	}
	for i := range s.next() % 4 {
		p := &model.Policy{Name: fmt.Sprintf("policy%d", i), Description: s.text(), Tags: s.some(2, "p", "q")}
		switch s.next() % 5 {
		case 1:
			p.Principal = model.Principal{Kind: model.PrincipalApplication, Name: s.pick(apps...)}
		case 2:
			if len(groups) > 0 {
				p.Principal = model.Principal{Kind: model.PrincipalGroup, Name: s.pick(groups...)}
			}
		case 3:
			p.Principal = model.Principal{Kind: model.PrincipalUser, Name: s.pick(users...)}
		case 4:
			p.Principal = model.Principal{Kind: model.PrincipalApplication, ID: "external-" + s.pick("1", "2")}
		}
		for range s.next() % 4 {
			r := model.Rule{PermissionSets: s.some(3, "A", "B", "IAMReadOnly"), Condition: s.pick("", "", "x == 1", "a\nb")}
			if s.next()%2 == 0 {
				r.Organization = true
			} else {
				r.Projects = s.some(3, projects...)
			}
			p.Rules = append(p.Rules, r)
		}
		o.Policies = append(o.Policies, p)
	}
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600*(s.next()%5)))
	for i := range s.next() % 4 {
		k := &model.APIKey{Application: s.pick(apps...), Name: fmt.Sprintf("key%d", i), Description: s.text(),
			DefaultProject: s.pick("", "web", testProjects[1].ID)}
		if s.next()%3 == 0 {
			k.ID = fmt.Sprintf("SCWFUZZ%02d", i) // declared by access key
		}
		switch s.next() % 3 {
		case 1:
			at := base.Add(time.Duration(s.next()) * time.Hour)
			k.ExpiresAt = &at
		case 2:
			k.ExpiresIn = time.Duration(s.next()+1) * 24 * time.Hour
		}
		o.APIKeys = append(o.APIKeys, k)
	}
	return o
}

// FuzzDiffSelf checks the central property of normalization: an organization freshly applied
// from any manifests, read back in the API's shapes, plans no change.
func FuzzDiffSelf(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, 0123456789 times"))
	f.Add([]byte{255, 254, 253, 252, 251, 250, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := orgFromBytes(data)
		p, err := Diff(d, liveFrom(t, d), Options{})
		if err != nil {
			t.Fatalf("Diff: %v", err)
		}
		if !p.Empty() {
			t.Fatalf("plan not empty:\n%s", render(t, p))
		}
	})
}
