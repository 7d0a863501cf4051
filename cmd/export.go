package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/export"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/secrets"
)

type exportFlags struct {
	conn  connFlags
	out   string // directory to write the manifests to
	stack string // stack name of the exported set
	all   bool   // include resources of other stacks
	force bool   // write into a non-empty directory
}

func (f *exportFlags) register(fs *pflag.FlagSet) {
	f.conn.register(fs)
	fs.StringVar(&f.out, "out", "manifests", "`DIR`ectory to write the manifests to")
	fs.StringVar(&f.stack, "stack", "", "stack name of the exported manifest set (required)")
	fs.BoolVar(&f.all, "all", false, "also export resources owned by other stacks (they plan as conflicts)")
	fs.BoolVar(&f.force, "force", false, "write into a directory that is not empty, replacing files of the same names")
}

var stackName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

func (f *exportFlags) check() error {
	if f.stack == "" {
		return errors.New("--stack is required: the name the exported manifest set will own its resources under, e.g. --stack platform")
	}
	if !stackName.MatchString(f.stack) {
		return fmt.Errorf("--stack %q: use lowercase letters, digits, '.', '_' or '-', at most 40 characters", f.stack)
	}
	return f.conn.check()
}

const exportUsage = `Usage: iamsync export --stack NAME [--out DIR] [flags]

Reads the live organization and writes it as manifests: applications.yaml (with their API
keys), groups.yaml, policies.yaml, users.yaml (members), ssh_keys.yaml and
security_settings.yaml. Resources no stack owns get adopt: true, so the first
apply takes them over in place; API keys are adopted by access key (their secrets cannot be
read back). Provider-managed objects are left out.

Example:
  iamsync export --stack platform --out manifests && iamsync plan manifests

Flags:
`

func runExport(ctx context.Context, env Env, args []string) int {
	var f exportFlags
	flags := newFlagSet(env, "export", exportUsage, f.register)
	rest, code := parseFlags(env, flags, args, f.check)
	if code >= 0 {
		return code
	}
	ctx, cancel := f.conn.deadline(ctx)
	defer cancel()
	if len(rest) > 0 {
		errorf(env, "export takes no arguments, got %q", rest)
		hintf(env, "choose the output directory with --out")
		return ExitError
	}
	dir := resolvePath(env, f.out)
	if !f.force {
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			errorf(env, "%s is not empty", f.out)
			hintf(env, "choose an empty directory with --out, or pass --force to replace the manifest files there (applications.yaml, groups.yaml, policies.yaml, users.yaml, ssh_keys.yaml, security_settings.yaml)")
			return ExitError
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errorf(env, "read %s: %v", f.out, err)
			return ExitError
		}
	}
	c, err := connect(env, f.conn, "")
	if err != nil {
		return fail(env, connectError(err))
	}
	defer c.Close()
	org, err := c.client.Read(ctx, live.ReadOptions{})
	if err != nil {
		errorf(env, "read the organization: %v", err)
		if h := readHint(ctx, err, ""); h != "" {
			hintf(env, "%s", h)
		}
		return ExitError
	}
	files, err := export.Export(org, export.Options{Stack: f.stack, All: f.all, Now: time.Now()})
	if err != nil {
		errorf(env, "%v", err)
		return ExitError
	}
	for _, note := range export.Unexported(org) {
		warnf(env, "%s", note)
	}
	if len(files) == 0 {
		fmt.Fprintln(env.Stderr, "Nothing to export: the organization has no resource this stack could manage.")
		return ExitOK
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		errorf(env, "create %s: %v", f.out, err)
		return ExitError
	}
	for _, file := range files {
		if err := secrets.WriteAtomic(filepath.Join(dir, file.Name), file.Data, 0o644); err != nil {
			errorf(env, "%v", err)
			return ExitError
		}
		fmt.Fprintf(env.Stdout, "wrote %s\n", filepath.Join(f.out, file.Name))
	}
	fmt.Fprintf(env.Stderr, "Next: review them, then 'iamsync plan %s' shows the adoptions.\n", f.out)
	return ExitOK
}
