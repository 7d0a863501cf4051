package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

type validateFlags struct {
	format string // text, json or github
}

func (f *validateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.format, "format", "text", "output format: text, json or github (workflow annotations)")
}

func (f *validateFlags) check() error {
	switch f.format {
	case "text", "json", "github":
		return nil
	}
	if s := suggest(f.format, []string{"text", "json", "github"}); s != "" {
		return fmt.Errorf("--format must be text, json or github, not %q (did you mean %q?)", f.format, s)
	}
	return fmt.Errorf("--format must be text, json or github, not %q", f.format)
}

const validateUsage = `Usage: iamsync validate [flags] [PATH...]

Checks the manifests (files or directories of *.yaml and *.yml files; default: the current
directory) offline, without credentials: schema, names, references, permission sets and their
scopes, API key expiry and secrets. Every error is reported with file:line:col.
Text output goes to stderr, except the final "ok:" line; json and github go to stdout.

Example:
  iamsync validate manifests/
  iamsync validate --format github manifests/   # annotations on a pull request

Flags:
`

func runValidate(_ context.Context, env Env, args []string) int {
	var f validateFlags
	fs := newFlagSet(env, "validate", validateUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	l := schema.Loader{Dir: env.Dir, Now: time.Now()}
	files, _ := l.Files(paths) // Load reports the same problems again
	org, ds := l.Load(paths)
	switch f.format {
	case "json":
		writeValidateJSON(env.Stdout, files, org, ds)
	case "github":
		for _, d := range ds {
			writeAnnotation(env.Stdout, d)
		}
		fmt.Fprintln(env.Stdout, validateSummary(files, org, ds))
	default:
		writeDiagnostics(env.Stderr, ds)
		if ds.HasErrors() {
			fmt.Fprintln(env.Stderr, validateSummary(files, org, ds))
		} else {
			fmt.Fprintln(env.Stdout, validateSummary(files, org, ds))
		}
	}
	if ds.HasErrors() {
		return ExitError
	}
	return ExitOK
}

// loadManifests loads the manifest set for plan and apply. Diagnostics go to stderr in the
// validate text format; ok is false when the set is invalid. sources are the paths as given
// (default "."), so that a saved plan reloads the same set, new files included.
func loadManifests(env Env, paths []string) (org *model.Org, sources []string, ok bool) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	l := schema.Loader{Dir: env.Dir, Now: time.Now()}
	org, ds := l.Load(paths)
	writeDiagnostics(env.Stderr, ds)
	if ds.HasErrors() {
		errorf(env, "%s", validateSummary(nil, nil, ds))
		hintf(env, "fix the manifests ('iamsync validate' checks them offline), then run again")
		return nil, nil, false
	}
	return org, paths, true
}

// writeDiagnostics prints compiler-style lines: file:line:col: message (path) [code], then an
// indented hint.
func writeDiagnostics(w io.Writer, ds schema.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(w, d.String())
		if d.Hint != "" {
			fmt.Fprintf(w, "\thint: %s\n", d.Hint)
		}
	}
}

func validateSummary(files []string, org *model.Org, ds schema.Diagnostics) string {
	if ds.HasErrors() {
		n := 0
		inFiles := map[string]bool{}
		for _, d := range ds {
			if d.Severity == schema.SeverityError && d.Code != "E199" {
				n++
				if d.Pos.File != "" {
					inFiles[d.Pos.File] = true
				}
			}
		}
		if len(inFiles) == 0 {
			return count(n, "error", "errors")
		}
		return fmt.Sprintf("%s in %s", count(n, "error", "errors"), count(len(inFiles), "file", "files"))
	}
	// Every kind the manifests declare, in dependency order (model.Kinds): a list of the
	// first four kinds once printed "0 applications" for a set of SSH keys.
	parts := []string{count(len(files), "file", "files")}
	for _, k := range model.Kinds {
		n := 0
		for range org.ResourcesOf(k) {
			n++
		}
		if n > 0 {
			parts = append(parts, k.Count(n))
		}
	}
	if len(parts) == 1 {
		parts = append(parts, "no resources")
	}
	return "ok: " + strings.Join(parts, ", ")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// validateJSON is the --format json document; its fields are stable for scripts.
type validateJSON struct {
	Valid       bool                `json:"valid"`
	Files       []string            `json:"files"`
	Summary     string              `json:"summary"`
	Counts      map[string]int      `json:"counts,omitempty"`
	Diagnostics []schema.Diagnostic `json:"diagnostics"`
}

func writeValidateJSON(w io.Writer, files []string, org *model.Org, ds schema.Diagnostics) {
	v := validateJSON{Valid: !ds.HasErrors(), Files: files, Summary: validateSummary(files, org, ds), Diagnostics: ds}
	if v.Files == nil {
		v.Files = []string{}
	}
	if v.Diagnostics == nil {
		v.Diagnostics = []schema.Diagnostic{}
	}
	if org != nil {
		// Every kind, by its manifest section: the first four alone once left SSH keys,
		// members and security settings uncounted (issue 17).
		v.Counts = map[string]int{}
		for _, k := range model.Kinds {
			n := 0
			for range org.ResourcesOf(k) {
				n++
			}
			v.Counts[schema.Section(k)] = n
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeAnnotation prints a GitHub Actions workflow command, escaped as the runner expects
// (properties also escape ':' and ','), so the error shows on the pull request's diff line.
func writeAnnotation(w io.Writer, d schema.Diagnostic) {
	esc := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	level := "error"
	if d.Severity == schema.SeverityWarning {
		level = "warning"
	}
	var props []string
	if d.Pos.File != "" {
		props = append(props, "file="+prop.Replace(d.Pos.File))
	}
	if d.Pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
	}
	if d.Pos.Col > 0 {
		props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
	}
	props = append(props, "title="+prop.Replace("iamsync "+d.Code))
	msg := d.Msg
	if d.Path != "" {
		msg += " (" + d.Path + ")"
	}
	if d.Hint != "" {
		msg += "\nhint: " + d.Hint
	}
	fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), esc.Replace(msg))
}
