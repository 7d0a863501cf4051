package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/schema"
)

type schemaFlags struct {
	permissionSets bool // list the permission-set catalog instead
}

func (f *schemaFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.permissionSets, "permission-sets", false, "list the permission sets iamsync knows (name, scope type, category) instead")
}

func (f *schemaFlags) check() error { return nil }

const schemaUsage = `Usage: iamsync schema [flags]

Prints the JSON Schema (draft 2020-12) of the manifests, for editors and other tools.

Example:
  iamsync schema > iamsync.schema.json
  # then start each manifest with:
  # yaml-language-server: $schema=iamsync.schema.json

Flags:
`

func runSchema(_ context.Context, env Env, args []string) int {
	var f schemaFlags
	fs := newFlagSet(env, "schema", schemaUsage, f.register)
	rest, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		errorf(env, "'schema' takes no arguments, got %q", rest[0])
		hintf(env, "redirect the output to save it: iamsync schema > iamsync.schema.json")
		return ExitError
	}
	if f.permissionSets {
		for _, p := range schema.PermissionSets() {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", p.Name, p.ScopeType, p.Category)
		}
		return ExitOK
	}
	_, _ = env.Stdout.Write(schema.JSON())
	return ExitOK
}
