package schema

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// Projects: a name and a description. Projects have no tags: the ownership marker ends the
// live description (model.ProjectDescription), so a description must leave room for it.

type manifestProject struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description,omitempty"`
	Adopt       bool           `yaml:"adopt,omitempty"`
	Audit       *manifestAudit `yaml:"audit,omitempty"`
}

// decodeProjects decodes projects.
func decodeProjects(f *file, r *yaml.Node, d *decoded, srcs *sources) {
	for i, n := range items(field(r, "projects")) {
		p := &model.Project{
			Meta:        meta(f, n),
			Name:        str(field(n, "name")),
			Description: str(field(n, "description")),
		}
		d.org.Projects = append(d.org.Projects, p)
		srcs.projects[p] = src{f, "/projects/" + strconv.Itoa(i)}
	}
}

// marshalProjects writes projects.
func marshalProjects(org *model.Org, m *manifestFile, _ map[string]int) {
	for _, p := range org.Projects {
		m.Projects = append(m.Projects, manifestProject{Name: p.Name, Description: p.Description, Adopt: p.Adopt, Audit: audit(p.Ignore)})
	}
}

// projects: names are unique in the set, and each description leaves room for the marker.
func (c *checker) projects() {
	seen := map[string]*model.Project{}
	for _, p := range c.org.Projects {
		s := c.srcs.projects[p]
		if p.Name != "" {
			if first, ok := seen[p.Name]; ok {
				c.add(s, "/name", "E302", p.Key(), fmt.Sprintf("project %q is already declared at %s", p.Name, first.Pos),
					"names are unique per kind across all files of the set: rename or remove one")
			} else {
				seen[p.Name] = p
			}
		}
		if stack := c.org.Stack; stack != "" && p.Description != "" && !s.bad("/description") {
			n := utf8.RuneCountInString(model.ProjectDescription(p.Description, stack))
			if n > maxDescription {
				room := maxDescription - (n - utf8.RuneCountInString(p.Description))
				c.add(s, "/description", "E604", p.Key(),
					fmt.Sprintf("description is too long: with iamsync's marker [iamsync:%s] it would have %d characters, more than Scaleway's %d", stack, n, maxDescription),
					fmt.Sprintf("shorten it to at most %d characters", max(room, 0)))
			}
		}
	}
}
