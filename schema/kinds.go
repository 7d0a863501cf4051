package schema

import (
	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// schemaKind is what the manifest format knows of one kind: its section, how a file's section
// is decoded and written back, and the checks across the set that JSON Schema cannot express.
// It is the one table a new kind is added to in this package (with the kind's properties in
// the JSON Schema and its map in sources); a test holds every model.Kind in it.
type schemaKind struct {
	// section is the manifest's top-level key for the kind (API keys may also sit under their
	// application).
	section string
	// decode appends the kind's elements of file f (root r) to d.org, recording where each
	// was declared in srcs.
	decode func(f *file, r *yaml.Node, d *decoded, srcs *sources)
	// marshal writes org's elements of the kind into m; appIndex holds where each application
	// went (API keys nest under theirs).
	marshal func(org *model.Org, m *manifestFile, appIndex map[string]int)
	// check runs the kind's checks across the set. Kinds are checked in dependency order, so
	// a check may use what an earlier kind's gathered (c.apps, c.groupsByName).
	check func(c *checker)
	// once: the organization has one, declared in one file at most.
	once bool
}

var schemaKinds = map[model.Kind]schemaKind{
	model.KindSecuritySettings: {section: "security_settings", decode: decodeSecuritySettings, marshal: marshalSecuritySettings,
		check: (*checker).keyLifetimes, once: true},
	model.KindProject: {section: "projects", decode: decodeProjects, marshal: marshalProjects, check: (*checker).projects},
	model.KindApplication: {section: "applications", decode: decodeApplications, marshal: marshalApplications,
		check: func(c *checker) { c.apps = c.uniqueApps() }},
	model.KindUser:   {section: "users", decode: decodeUsers, marshal: marshalUsers, check: (*checker).users},
	model.KindGroup:  {section: "groups", decode: decodeGroups, marshal: marshalGroups, check: (*checker).groups},
	model.KindSSHKey: {section: "ssh_keys", decode: decodeSSHKeys, marshal: marshalSSHKeys, check: (*checker).sshKeys},
	model.KindAPIKey: {section: "api_keys", decode: decodeAPIKeys, marshal: marshalAPIKeys,
		check: func(c *checker) { c.keys(c.apps) }},
	model.KindPolicy: {section: "policies", decode: decodePolicies, marshal: marshalPolicies, check: (*checker).policies},
	model.KindSAML:   {section: "identity_provider.saml", decode: decodeSAML, marshal: marshalSAML, check: (*checker).saml, once: true},
	model.KindSCIM:   {section: "identity_provider.scim", decode: decodeSCIM, marshal: marshalSCIM, check: (*checker).scim, once: true},
	model.KindSCIMToken: {section: "identity_provider.scim.tokens", decode: decodeSCIMTokens, marshal: marshalSCIMTokens,
		check: (*checker).scimTokens},
	model.KindLoginMethods: {section: "login_methods", decode: decodeLoginMethods, marshal: marshalLoginMethods,
		check: (*checker).loginMethods, once: true},
}

// Section is the manifest's top-level key for kind k ("api_keys"), or "" for an unknown kind.
func Section(k model.Kind) string { return schemaKinds[k].section }
