package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/access"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

type explainFlags struct {
	conn             connFlags
	can              string // who: the permission set asked about
	on               string // who: organization, or project:NAME (name or ID); "" any scope
	manifestsOnly    bool   // answer from the manifests alone, offline
	format           string // text, json, markdown
	detailedExitcode bool   // exit 2 when the answer names anyone
}

func (f *explainFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.can, "can", "", "who: the permission `set` asked about (a broader set that includes it counts too)")
	fs.StringVar(&f.on, "on", "", "who: where: organization, or project:NAME (a project's name or ID); default anywhere")
	fs.BoolVar(&f.manifestsOnly, "manifests-only", false, "answer from the manifests alone, offline: no credentials, but other stacks' and unmanaged policies are not seen")
	fs.StringVar(&f.format, "format", "text", "output format: text, json or markdown")
	fs.BoolVar(&f.detailedExitcode, "detailed-exitcode", false, "exit 2 when the answer names any principal, 0 when it names none")
	f.conn.register(fs)
}

func (f *explainFlags) check() error {
	switch f.format {
	case "text", "json", "markdown":
	default:
		if s := suggest(f.format, []string{"text", "json", "markdown"}); s != "" {
			return fmt.Errorf("--format must be text, json or markdown, not %q (did you mean %s?)", f.format, s)
		}
		return fmt.Errorf("--format must be text, json or markdown, not %q", f.format)
	}
	if f.manifestsOnly && (f.conn.local || f.conn.profile != "") {
		return errors.New("--manifests-only reads no organization: it cannot be used with --local or --profile")
	}
	return f.conn.check()
}

const explainUsage = `Usage: iamsync explain [flags] QUESTION [PATH...]

Answers access questions, read-only, with the path (policy, rule, group) that gives each grant:

  principal KIND/NAME   every grant of application/NAME, group/NAME or user/EMAIL
  who --can SET [--on organization|project:NAME]
                        every principal holding SET there, or a broader set that includes it
  admins                every principal holding a high-risk grant, shortest path first

By default the answer comes from the live organization (read-only credentials are enough: every
stack's policies, unmanaged ones and Scaleway's managed groups included); PATH, when given, is
the manifests whose organization_id to check. With --manifests-only it comes from the manifests
alone (PATH, default the current directory), offline, and says what it cannot see.

"Broader" follows the permission-set catalogue's names only: PFullAccess and PManager include
PReadOnly, IAMManager every other IAM set, AllProductsFullAccess every project-level set and
AllProductsReadOnly every project-level ReadOnly set. Conditions are shown, never evaluated.

Examples:
  iamsync explain principal application/ci-deployer
  iamsync explain who --can InstancesFullAccess --on project:production
  iamsync explain admins --format markdown
  iamsync explain --manifests-only who --can IAMManager --on organization iam/

Flags:
`

// explainQuestions are the questions explain answers, for usage and completion.
var explainQuestions = []candidate{
	{"principal", "every grant of application/NAME, group/NAME or user/EMAIL"},
	{"who", "who holds --can SET (or a broader set) --on organization or project:NAME"},
	{"admins", "everyone with a high-risk grant, shortest path first"},
}

func runExplain(ctx context.Context, env Env, args []string) int {
	var f explainFlags
	fs := newFlagSet(env, "explain", explainUsage, f.register)
	rest, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	ctx, cancel := f.conn.deadline(ctx)
	defer cancel()
	q, paths, err := parseQuestion(f, rest)
	if err != nil {
		return fail(env, err)
	}
	// Offline, the set is checked against the embedded catalogue before anything is read;
	// online, against the organization's once read (it knows the sets the copy lacks).
	catalog := &catalogCheck{stderr: env.Stderr, always: true}
	if q.set != "" && f.manifestsOnly {
		if err := checkSet(q, catalog); err != nil {
			return fail(env, err)
		}
	}

	var org *model.Org
	e := &access.Explanation{FormatVersion: access.ExplanationFormatVersion}
	if f.manifestsOnly {
		desired, _, ok := loadManifests(env, paths)
		if !ok {
			return ExitError
		}
		org = desired
		e.Source = "manifests"
		e.CannotSee = []string{
			"policies of other stacks and unmanaged policies (ask the organization: run without --manifests-only)",
			"members of groups these manifests do not declare, and membership changes made outside iamsync",
			"Scaleway's managed groups All Users and All Applications",
		}
	} else {
		orgID := ""
		if len(paths) > 0 {
			desired, _, sets, ok := loadManifestsOnline(env, paths)
			if !ok {
				return ExitError
			}
			orgID, catalog.sets = desired.OrganizationID, sets
		}
		c, err := connect(env, f.conn, orgID)
		if err != nil {
			return fail(env, connectError(err))
		}
		defer c.Close()
		if orgID != "" && orgID != c.client.OrganizationID {
			return fail(env, withHint(fmt.Errorf("the manifests are for organization %s but the credentials are for %s", orgID, c.client.OrganizationID),
				"select the right profile with --profile or SCW_DEFAULT_ORGANIZATION_ID"))
		}
		_, catalogued := catalog.startOnce(ctx, c.client)
		// A set the embedded copy lacks is checked before the organization is read: a typo
		// costs two calls, not a whole read.
		if q.set != "" && !catalog.known(q.set) {
			if err := catalogued(); err != nil {
				return fail(env, err)
			}
			if err := checkSet(q, catalog); err != nil {
				return fail(env, err)
			}
		}
		// Every policy's rules: the answer covers every stack's and unmanaged policies.
		org, err = c.client.Read(ctx, live.ReadOptions{})
		if cerr := catalogued(); err == nil && cerr != nil {
			return fail(env, cerr)
		}
		if err != nil {
			return fail(env, withHint(fmt.Errorf("read the organization: %w", err),
				readHint(ctx, err, "explain needs "+readRightsText+"; check the credentials and the network, then run again")))
		}
		if q.set != "" {
			if err := checkSet(q, catalog); err != nil {
				return fail(env, err)
			}
		}
		e.Source = "organization"
	}

	acc := access.Effective(org, access.Options{ScopeType: catalog.scopeType, Now: time.Now(), Origins: true})
	if err := answer(q, org, acc, catalog.scopeType, e); err != nil {
		return fail(env, err)
	}
	switch f.format {
	case "json":
		err = e.WriteJSON(env.Stdout)
	case "markdown":
		err = access.RenderExplanationMarkdown(env.Stdout, e)
	default:
		err = access.RenderExplanationText(env.Stdout, e)
	}
	if err != nil {
		errorf(env, "write the answer: %v", err)
		return ExitError
	}
	if f.detailedExitcode && len(e.Answers) > 0 {
		return ExitChanges
	}
	return ExitOK
}

// question is a parsed explain question.
type question struct {
	kind      string           // principal, who, admins
	principal access.Principal // principal
	set       string           // who
	on        string           // who: "", organization, or a project reference
}

// parseQuestion reads the question from the positional arguments; the rest are manifest paths.
func parseQuestion(f explainFlags, args []string) (question, []string, error) {
	var names []string
	for _, c := range explainQuestions {
		names = append(names, c.value)
	}
	if len(args) == 0 {
		return question{}, nil, withHint(errors.New("explain needs a question: principal KIND/NAME, who --can SET, or admins"),
			"for example 'iamsync explain principal application/ci-deployer'; 'iamsync explain --help' lists the questions")
	}
	q := question{kind: args[0]}
	rest := args[1:]
	if (f.can != "" || f.on != "") && q.kind != "who" {
		return q, nil, errors.New("--can and --on belong to the question who: 'iamsync explain who --can SET --on WHERE'")
	}
	switch q.kind {
	case "principal":
		if len(rest) == 0 {
			return q, nil, withHint(errors.New("explain principal needs the principal: application/NAME, group/NAME or user/EMAIL"),
				"for example 'iamsync explain principal application/ci-deployer'")
		}
		kind, name, ok := strings.Cut(rest[0], "/")
		pk := model.PrincipalKind(kind)
		if !ok || name == "" || (pk != model.PrincipalApplication && pk != model.PrincipalGroup && pk != model.PrincipalUser) {
			return q, nil, withHint(fmt.Errorf("%q is not a principal: write application/NAME, group/NAME or user/EMAIL", rest[0]),
				"for example 'iamsync explain principal group/admins'")
		}
		q.principal = access.Principal{Kind: pk, Name: name}
		return q, rest[1:], nil
	case "who":
		if f.can == "" {
			return q, nil, withHint(errors.New("explain who needs --can SET: the permission set asked about"),
				"for example 'iamsync explain who --can InstancesFullAccess --on project:production'")
		}
		q.set = f.can
		switch {
		case f.on == "":
		case f.on == "organization":
			q.on = "organization"
		case strings.HasPrefix(f.on, "project:") && len(f.on) > len("project:"):
			q.on = f.on
		default:
			return q, nil, withHint(fmt.Errorf("--on must be organization or project:NAME, not %q", f.on), "for example --on project:production, with the project's name or ID")
		}
		return q, rest, nil
	case "admins":
		return q, rest, nil
	}
	if s := suggest(q.kind, names); s != "" {
		return q, nil, withHint(fmt.Errorf("unknown question %q", q.kind), fmt.Sprintf("did you mean %q?", s))
	}
	return q, nil, withHint(fmt.Errorf("unknown question %q", q.kind), "ask principal KIND/NAME, who --can SET, or admins")
}

// checkSet refuses a permission set the catalogue does not know (the organization's when it
// was read, else the embedded copy), and an organization-level set asked about on a project.
func checkSet(q question, catalog *catalogCheck) error {
	if !catalog.known(q.set) {
		var names []string
		hint := "the permission sets are those of schema/permission-sets.tsv; with shell completion installed, <Tab> after --can lists them"
		if catalog.scopes != nil {
			hint = "the permission sets are those ListPermissionSets gives ('scw iam permission-set list')"
			for name := range catalog.scopes {
				names = append(names, name)
			}
			slices.Sort(names) // one suggestion, whatever the map's order
		} else {
			for _, p := range schema.PermissionSets() {
				names = append(names, p.Name)
			}
		}
		if s := suggest(q.set, names); s != "" {
			hint = fmt.Sprintf("did you mean %s?", s)
		}
		return withHint(fmt.Errorf("--can: unknown permission set %q", q.set), hint)
	}
	if catalog.scopeType(q.set) == string(schema.ScopeOrganization) && strings.HasPrefix(q.on, "project:") {
		return withHint(fmt.Errorf("%s is an organization-level permission set: nobody holds it on a project", q.set),
			"ask --on organization, or leave --on out")
	}
	return nil
}

// answer fills e with the answer to q over acc, the access of org.
func answer(q question, org *model.Org, acc *access.Access, scopeType func(string) string, e *access.Explanation) error {
	switch q.kind {
	case "principal":
		e.Question = "What " + q.principal.String() + " holds"
		h, ok := acc.Holding(q.principal)
		if !ok && !knownPrincipal(org, q.principal) {
			return unknownPrincipal(org, q.principal, e.Source)
		}
		if ok {
			found := make([]access.Found, len(h.Grants))
			for i, g := range h.Grants {
				found[i] = access.Found{Grant: g}
			}
			e.Answers = []access.Answer{{Principal: h.Principal, Grants: found}}
		}
	case "who":
		var on *access.Scope
		where := "anywhere"
		switch {
		case q.on == "organization":
			on = &access.Scope{Kind: access.ScopeOrganization}
			where = "on the organization"
		case q.on != "":
			ref := strings.TrimPrefix(q.on, "project:")
			label := access.ProjectLabels(org.Projects)(ref)
			if e.Source == "organization" && !slices.ContainsFunc(org.Projects, func(p *model.Project) bool { return p.ID == ref || p.Name == ref }) {
				var names []string
				for _, p := range org.Projects {
					names = append(names, p.Name)
				}
				hint := "--on project: takes a project's name or ID"
				s := suggest(ref, names)
				if prefixed := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !strings.HasPrefix(n, ref) }); s == "" && len(prefixed) == 1 {
					s = prefixed[0]
				}
				if s != "" {
					hint = fmt.Sprintf("did you mean project:%s?", s)
				}
				return withHint(fmt.Errorf("the organization has no project %q", ref), hint)
			}
			on = &access.Scope{Kind: access.ScopeProject, Project: label}
			where = "on project " + label
		}
		e.Question = fmt.Sprintf("Who can use %s %s", q.set, where)
		e.Answers = acc.Who(q.set, on, scopeType)
	case "admins":
		e.Question = "Who holds a high-risk grant"
		e.Answers = acc.Admins()
	}
	return nil
}

// knownPrincipals lists the principals org names, as KIND/NAME.
func knownPrincipals(org *model.Org) []string {
	var out []string
	for _, a := range org.Applications {
		out = append(out, "application/"+a.Name)
	}
	for _, g := range org.Groups {
		out = append(out, "group/"+g.Name)
		for _, a := range g.Members.Applications {
			out = append(out, "application/"+a)
		}
		for _, u := range g.Members.Users {
			out = append(out, "user/"+u)
		}
	}
	for _, u := range org.Users {
		out = append(out, "user/"+u.Email)
	}
	for _, p := range org.Policies {
		if p.Principal.Kind != model.PrincipalNone && p.Principal.Name != "" {
			out = append(out, string(p.Principal.Kind)+"/"+p.Principal.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func knownPrincipal(org *model.Org, p access.Principal) bool {
	return slices.ContainsFunc(knownPrincipals(org), func(s string) bool {
		return p.Kind == model.PrincipalUser && strings.EqualFold(s, p.String()) || s == p.String()
	})
}

func unknownPrincipal(org *model.Org, p access.Principal, source string) error {
	err := fmt.Errorf("the %s name no %s", source, p)
	if s := suggest(p.String(), knownPrincipals(org)); s != "" {
		return withHint(err, fmt.Sprintf("did you mean %s?", s))
	}
	if source == "manifests" {
		return withHint(err, "the manifests know only what they declare: ask the organization (run without --manifests-only)")
	}
	return withHint(err, "check the name: applications and groups by name, users by email")
}
