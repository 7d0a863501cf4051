// Package export turns a live organization into manifests in iamsync's own format, so that a
// team can adopt what already exists instead of writing it all by hand.
package export

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

// Options choose what is exported.
type Options struct {
	// Stack names the manifest set. Resources it owns are exported as they are; resources no
	// stack owns are exported with adopt: true, so that the first apply takes them over in
	// place. Provider-managed objects are never exported: nobody can manage them.
	Stack string
	// All also exports resources owned by other stacks, for an inventory. Planning such a
	// set reports them as conflicts: a stack never takes over another's resources.
	All bool
	// Now dates the header comment (zero: no date).
	Now time.Time
}

// File is one manifest file to write.
type File struct {
	Name string
	Data []byte
}

// Export writes live as manifests: applications.yaml (with their API keys), groups.yaml,
// policies.yaml, users.yaml, ssh_keys.yaml and security_settings.yaml, each a complete manifest (version and stack), empty kinds left out. Project
// IDs become project names where the name is unique, users are emails, permission sets sorted;
// comments say what the format cannot carry (a key's secret is never readable).
func Export(live *model.Org, opts Options) ([]File, error) {
	if opts.Stack == "" {
		return nil, fmt.Errorf("export needs a stack name")
	}
	o := live
	x := exporter{opts: opts, projectName: uniqueProjectNames(o.Projects), orgID: o.OrganizationID}
	apps := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	groups := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	policies := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	comments := map[string]string{} // "kind/name" → head comment
	exportedApp := map[string]bool{}
	for _, a := range o.Applications {
		adopt, ok := x.take(a.Meta, comments, "application/"+a.Name)
		if !ok {
			continue
		}
		exportedApp[a.Name] = true
		apps.Applications = append(apps.Applications, &model.Application{Meta: model.Meta{Adopt: adopt}, Name: a.Name, Description: a.Description, Tags: a.Tags})
	}
	for _, k := range o.APIKeys {
		if !exportedApp[k.Application] || k.RetiredUntil != nil {
			continue
		}
		if _, ok := x.take(k.Meta, comments, ""); !ok {
			continue
		}
		apps.APIKeys = append(apps.APIKeys, x.key(k, comments))
	}
	for _, g := range o.Groups {
		adopt, ok := x.take(g.Meta, comments, "group/"+g.Name)
		if !ok {
			continue
		}
		groups.Groups = append(groups.Groups, &model.Group{Meta: model.Meta{Adopt: adopt}, Name: g.Name, Description: g.Description, Tags: g.Tags, Members: g.Members})
	}
	for _, p := range o.Policies {
		adopt, ok := x.take(p.Meta, comments, "policy/"+p.Name)
		if !ok {
			continue
		}
		np := &model.Policy{Meta: model.Meta{Adopt: adopt}, Name: p.Name, Description: p.Description, Tags: p.Tags, Principal: exportPrincipal(o, p.Principal)}
		for _, r := range p.Rules {
			nr := model.Rule{PermissionSets: model.SortedSet(r.PermissionSets), Organization: r.Organization, Condition: r.Condition}
			for _, id := range r.Projects {
				nr.Projects = append(nr.Projects, x.project(id))
			}
			np.Rules = append(np.Rules, nr)
		}
		policies.Policies = append(policies.Policies, np)
	}
	// Members by email, with their names, tags and lock. Not send_welcome_email (nor a
	// secret): it only matters when a member is created, and nothing in the live data says
	// how one was (a member created with a password and an invited one both read "activated",
	// BEHAVIOUR.md §4), so the export does not invent it.
	users := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	for _, u := range o.Users {
		adopt, ok := x.take(u.Meta, comments, "user/"+u.Email)
		if !ok {
			continue
		}
		users.Users = append(users.Users, &model.User{Meta: model.Meta{Adopt: adopt}, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
			Tags: u.Tags, Locked: u.Locked})
	}
	sshKeys := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	for _, k := range o.SSHKeys {
		adopt, ok := x.take(k.Meta, comments, "ssh_key/"+k.Name)
		if !ok {
			continue
		}
		nk := &model.SSHKey{Meta: model.Meta{Adopt: adopt}, Name: k.Name, PublicKey: k.PublicKey, Disabled: k.Disabled}
		if k.Project != o.OrganizationID {
			nk.Project = x.project(k.Project)
		}
		sshKeys.SSHKeys = append(sshKeys.SSHKeys, nk)
	}
	settings := &model.Org{Stack: opts.Stack, OrganizationID: o.OrganizationID}
	if st := o.SecuritySettings; st != nil {
		c := *st
		c.Meta = model.Meta{}
		settings.SecuritySettings = &c
	}
	var files []File
	for _, f := range []struct {
		name string
		org  *model.Org
		n    int
	}{
		{"applications.yaml", apps, len(apps.Applications)},
		{"groups.yaml", groups, len(groups.Groups)},
		{"policies.yaml", policies, len(policies.Policies)},
		{"users.yaml", users, len(users.Users)},
		{"ssh_keys.yaml", sshKeys, len(sshKeys.SSHKeys)},
		{"security_settings.yaml", settings, boolInt(settings.SecuritySettings != nil)},
	} {
		if f.n == 0 {
			continue
		}
		data, err := x.render(f.org, comments)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", f.name, err)
		}
		files = append(files, File{Name: f.name, Data: data})
	}
	return files, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type exporter struct {
	opts        Options
	orgID       string
	projectName map[string]string
}

// take decides whether a live resource is exported, and whether as an adoption.
func (x *exporter) take(m model.Meta, comments map[string]string, at string) (adopt, ok bool) {
	switch {
	case m.Managed:
		return false, false
	case m.Owner == x.opts.Stack:
		return false, true
	case m.Owner == "":
		return true, true
	case x.opts.All:
		if at != "" {
			comments[at] = fmt.Sprintf("Owned by stack %s: planning this set reports it as a conflict.", escape.Quote(m.Owner))
		}
		return false, true
	}
	return false, false
}

func (x *exporter) key(k *model.APIKey, comments map[string]string) *model.APIKey {
	nk := &model.APIKey{Application: k.Application, Name: k.Name, Description: k.Description,
		Secret: secretName(k.Application, k.Name)}
	if k.DefaultProject != "" {
		nk.DefaultProject = x.project(k.DefaultProject)
	}
	// A key created with expires_in shows an expiry a whole number of days after its
	// creation: give it back as expires_in, as it was most likely written.
	if k.ExpiresAt != nil {
		if days, ok := wholeDays(k.ExpiresAt.Sub(k.CreatedAt)); ok && !k.CreatedAt.IsZero() && k.Owner == x.opts.Stack {
			nk.ExpiresIn = time.Duration(days) * 24 * time.Hour
		} else {
			t := k.ExpiresAt.UTC()
			nk.ExpiresAt = &t
		}
	}
	at := "api_key/" + k.Application + "/" + k.Name
	if k.Owner == "" {
		// Unmarked keys are adopted by access key; their name is made up from it.
		nk.ID = k.ID
		comments[at] = fmt.Sprintf("Adopted by access key. Its secret cannot be read back (Scaleway shows it once) and stays\n"+
			"wherever it is used now; iamsync apply --rotate %s routes a new one to %s.", shellWord(k.Application+"/"+k.Name), nk.Secret)
	} else {
		comments[at] = "Its secret cannot be read back: it is in the secrets file of the apply that created the key."
	}
	return nk
}

// shellWord is s as one shell word, single-quoted unless it is plainly safe: a comment suggests
// a command to copy, and a name is the organization's to choose.
func shellWord(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-@", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func wholeDays(d time.Duration) (int, bool) {
	days := d.Hours() / 24
	n := math.Round(days)
	if n < 1 || math.Abs(d.Seconds()-n*86400) > 120 {
		return 0, false
	}
	return int(n), true
}

func (x *exporter) project(id string) string {
	if name, ok := x.projectName[id]; ok {
		return name
	}
	return id
}

// uniqueProjectNames maps project IDs to names, leaving out names several projects share
// (Account allows that, BEHAVIOUR.md §5.6): those stay IDs.
func uniqueProjectNames(projects []*model.Project) map[string]string {
	count := map[string]int{}
	for _, p := range projects {
		count[p.Name]++
	}
	out := map[string]string{}
	for _, p := range projects {
		if count[p.Name] == 1 {
			out[p.ID] = p.Name
		}
	}
	return out
}

// principal keeps names where the live reader resolved them, IDs elsewhere.
func principal(p model.Principal) model.Principal {
	if p.Kind == model.PrincipalNone {
		return p
	}
	if p.Name != "" && p.Name != p.ID {
		return model.Principal{Kind: p.Kind, Name: p.Name}
	}
	return model.Principal{Kind: p.Kind, ID: p.ID}
}

func secretName(app, key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(app + "_" + key) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "K_" + s
	}
	return s
}

// render marshals org with the loader's own writer, then attaches the comments.
func (x *exporter) render(org *model.Org, comments map[string]string) ([]byte, error) {
	data, err := schema.Marshal(org)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	root := doc.Content[0]
	// Comments are made of names the organization sets: yaml.v3 starts every line of a comment
	// with #, so no line break can forge a key, and escape.YAMLComment leaves no control or
	// invisible character in the file either.
	head := fmt.Sprintf("Exported by iamsync from organization %s", x.orgID)
	if !x.opts.Now.IsZero() {
		head += " on " + x.opts.Now.UTC().Format("2006-01-02")
	}
	root.HeadComment = escape.YAMLComment(head + ".")
	if bytes.Contains(data, []byte("adopt: true")) || bytes.Contains(data, []byte("access_key:")) {
		root.HeadComment += "\nEntries with adopt: true (and keys with access_key) exist but no stack owns them yet:\n" +
			"the first apply puts them under stack " + escape.YAMLComment(escape.Name(x.opts.Stack)) + " in place, without re-creating them."
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		kind := strings.TrimSuffix(root.Content[i].Value, "s")
		if kind == "policie" {
			kind = "policy"
		}
		if root.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range root.Content[i+1].Content {
			name := field(item, "name")
			if kind == "user" {
				name = field(item, "email")
			}
			// Short mappings read best inline, as the examples write them.
			for _, k := range []string{"principal", "members"} {
				if n := fieldNode(item, k); n != nil && n.Kind == yaml.MappingNode {
					n.Style = yaml.FlowStyle
				}
			}
			if c, ok := comments[kind+"/"+name]; ok {
				item.HeadComment = escape.YAMLComment(c)
			}
			if kind != "application" {
				continue
			}
			if keys := fieldNode(item, "api_keys"); keys != nil {
				for _, k := range keys.Content {
					if c, ok := comments["api_key/"+name+"/"+field(k, "name")]; ok {
						k.HeadComment = escape.YAMLComment(c)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func fieldNode(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func field(m *yaml.Node, key string) string {
	if n := fieldNode(m, key); n != nil {
		return n.Value
	}
	return ""
}
