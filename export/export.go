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

// Export writes live as manifests: projects.yaml, applications.yaml (with their API keys),
// groups.yaml, policies.yaml, users.yaml, ssh_keys.yaml, security_settings.yaml and
// identity_provider.yaml (SAML, SCIM and its tokens, login methods), each a complete manifest
// (version and stack), empty kinds left out. Project
// IDs become project names where the name is unique, users are emails, permission sets sorted;
// comments say what the format cannot carry (a key's secret is never readable).
func Export(live *model.Org, opts Options) ([]File, error) {
	if opts.Stack == "" {
		return nil, fmt.Errorf("export needs a stack name")
	}
	x := exporter{opts: opts, projectLabel: model.ProjectLabels(live.Projects), orgID: live.OrganizationID,
		comments: map[string]string{}, exportedApp: map[string]bool{}}
	byFile := map[string]*model.Org{}
	for _, name := range exportFiles {
		byFile[name] = &model.Org{Stack: opts.Stack, OrganizationID: live.OrganizationID}
	}
	// In dependency order: an API key is exported only once its application is.
	for _, k := range model.Kinds {
		if _, unread := live.Unread[k]; unread {
			continue // Unexported says so; the file is left out rather than written empty
		}
		ek := exportKinds[k]
		ek.export(&x, live, byFile[ek.file])
	}
	var files []File
	for _, name := range exportFiles {
		org := byFile[name]
		n := 0
		for range org.Resources() {
			n++
		}
		if n == 0 {
			continue
		}
		data, err := x.render(org, x.comments)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		files = append(files, File{Name: name, Data: data})
	}
	return files, nil
}

// Unexported says, kind by kind, what Export left out because the credentials could not read
// it (model.Org.Unread): an export without SSH keys must not read as an organization without
// any.
func Unexported(live *model.Org) []string {
	var out []string
	for _, k := range model.Kinds {
		if why, ok := live.Unread[k]; ok {
			out = append(out, fmt.Sprintf("%s not exported: they were not read (%s)", k.Plural(), why))
		}
	}
	return out
}

// exportFiles are the files Export writes, in this order, each left out when empty.
var exportFiles = []string{"projects.yaml", "applications.yaml", "groups.yaml", "policies.yaml", "users.yaml", "ssh_keys.yaml", "security_settings.yaml",
	"identity_provider.yaml"}

// exportKind is what export knows of one kind: the one table a new kind is added to in this
// package. A test holds every model.Kind in it.
type exportKind struct {
	// file is the one of exportFiles the kind's values go to (API keys: applications.yaml,
	// under their application).
	file string
	// export adds to into the live values of the kind that are exported, as manifests give
	// them: owned by the stack, or nobody's (adopt: true), or, with All, another stack's.
	export func(x *exporter, live, into *model.Org)
}

var exportKinds = map[model.Kind]exportKind{
	// Projects the stack owns, and those nobody owns with adopt: true, as every kind; never
	// the default project (provider-managed: take leaves it out), which references name
	// without anyone managing it.
	model.KindProject: {"projects.yaml", func(x *exporter, o, into *model.Org) {
		for _, p := range o.Projects {
			adopt, ok := x.take(p.Meta, x.comments, "project/"+p.Name)
			if !ok {
				continue
			}
			into.Projects = append(into.Projects, &model.Project{Meta: model.Meta{Adopt: adopt}, Name: p.Name, Description: p.Description})
		}
	}},
	model.KindApplication: {"applications.yaml", func(x *exporter, o, into *model.Org) {
		for _, a := range o.Applications {
			adopt, ok := x.take(a.Meta, x.comments, "application/"+a.Name)
			if !ok {
				continue
			}
			x.exportedApp[a.Name] = true
			into.Applications = append(into.Applications, &model.Application{Meta: model.Meta{Adopt: adopt}, Name: a.Name, Description: a.Description, Tags: a.Tags})
		}
	}},
	model.KindAPIKey: {"applications.yaml", func(x *exporter, o, into *model.Org) {
		for _, k := range o.APIKeys {
			if !x.exportedApp[k.Application] || k.RetiredUntil != nil {
				continue
			}
			if _, ok := x.take(k.Meta, x.comments, ""); !ok {
				continue
			}
			into.APIKeys = append(into.APIKeys, x.key(k, x.comments))
		}
	}},
	model.KindGroup: {"groups.yaml", func(x *exporter, o, into *model.Org) {
		for _, g := range o.Groups {
			adopt, ok := x.take(g.Meta, x.comments, "group/"+g.Name)
			if !ok {
				continue
			}
			into.Groups = append(into.Groups, &model.Group{Meta: model.Meta{Adopt: adopt}, Name: g.Name, Description: g.Description, Tags: g.Tags, Members: g.Members})
		}
	}},
	model.KindPolicy: {"policies.yaml", func(x *exporter, o, into *model.Org) {
		for _, p := range o.Policies {
			adopt, ok := x.take(p.Meta, x.comments, "policy/"+p.Name)
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
			into.Policies = append(into.Policies, np)
		}
	}},
	// Members by email, with their names, tags and lock. Not send_welcome_email (nor a
	// secret): it only matters when a member is created, and nothing in the live data says
	// how one was (a member created with a password and an invited one both read "activated",
	// BEHAVIOUR.md §4), so the export does not invent it.
	model.KindUser: {"users.yaml", func(x *exporter, o, into *model.Org) {
		for _, u := range o.Users {
			adopt, ok := x.take(u.Meta, x.comments, "user/"+u.Email)
			if !ok {
				continue
			}
			into.Users = append(into.Users, &model.User{Meta: model.Meta{Adopt: adopt}, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
				Tags: u.Tags, Locked: u.Locked})
		}
	}},
	model.KindSSHKey: {"ssh_keys.yaml", func(x *exporter, o, into *model.Org) {
		for _, k := range o.SSHKeys {
			adopt, ok := x.take(k.Meta, x.comments, "ssh_key/"+k.Name)
			if !ok {
				continue
			}
			nk := &model.SSHKey{Meta: model.Meta{Adopt: adopt}, Name: k.Name, PublicKey: k.PublicKey, Disabled: k.Disabled}
			if k.Project != o.OrganizationID {
				nk.Project = x.project(k.Project)
			}
			into.SSHKeys = append(into.SSHKeys, nk)
		}
	}},
	model.KindSAML:         {"identity_provider.yaml", exportSAML},
	model.KindSCIM:         {"identity_provider.yaml", exportSCIM},
	model.KindSCIMToken:    {"identity_provider.yaml", exportSCIMTokens},
	model.KindLoginMethods: {"identity_provider.yaml", exportLoginMethods},
	model.KindSecuritySettings: {"security_settings.yaml", func(x *exporter, o, into *model.Org) {
		if st := o.SecuritySettings; st != nil {
			c := *st
			c.Meta = model.Meta{}
			into.SecuritySettings = &c
		}
	}},
}

type exporter struct {
	opts  Options
	orgID string
	// projectLabel names a project by its name where no other project has it (model.ProjectLabels).
	projectLabel func(ref string) string
	// comments are the head comments of exported elements, by "kind/name".
	comments map[string]string
	// exportedApp holds the applications exported, whose keys are exported with them.
	exportedApp map[string]bool
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

func (x *exporter) project(id string) string { return x.projectLabel(id) }

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
