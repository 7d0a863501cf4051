package cmd

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// Version, Commit and Date are set by release builds (.goreleaser.yaml, Dockerfile) with
// -ldflags "-X github.com/iamsync/iamsync/cmd.Version=v1.2.3 -X ...cmd.Commit=... -X ...cmd.Date=...".
// They must stay plain string variables: -X silently ignores anything else. When they are not
// set, buildVersion fills them from the build information the go command records.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// sdkModule is the dependency whose version 'iamsync version' reports: API behaviour follows it.
const sdkModule = "github.com/scaleway/scaleway-sdk-go"

// versionInfo is what 'iamsync version' prints.
type versionInfo struct {
	Version  string
	Commit   string
	Date     string
	Modified bool // built from a work tree with uncommitted changes
	Go       string
	Platform string
	SDK      string
}

// buildVersion combines the ldflags variables with the build information: release builds set
// the variables; 'go install module@version' records the module version; a 'go build' in a git
// checkout records vcs.revision, vcs.time and vcs.modified (unless -buildvcs=false).
func buildVersion(version, commit, date string, bi *debug.BuildInfo) versionInfo {
	v := versionInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		return v
	}
	if (v.Version == "" || v.Version == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if v.Commit == "" {
				v.Commit = s.Value
			}
		case "vcs.time":
			if v.Date == "" {
				v.Date = s.Value
			}
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == sdkModule {
			v.SDK = d.Version
			if r := d.Replace; r != nil {
				if r.Version != "" {
					v.SDK = r.Version
				}
				v.SDK += " (replaced by " + r.Path + ")"
			}
		}
	}
	return v
}

func currentVersion() versionInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(Version, Commit, Date, bi)
}

func (v versionInfo) write(w io.Writer) {
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	commit := orUnknown(v.Commit)
	if v.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(w, "iamsync %s\n", v.Version)
	fmt.Fprintf(w, "  commit:          %s\n", commit)
	fmt.Fprintf(w, "  built:           %s\n", orUnknown(v.Date))
	fmt.Fprintf(w, "  go:              %s %s\n", v.Go, v.Platform)
	fmt.Fprintf(w, "  scaleway-sdk-go: %s\n", orUnknown(v.SDK))
}

type versionFlags struct {
	short bool // the version alone, for scripts
}

func (f *versionFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.short, "short", false, "print only the version, e.g. v1.2.3")
}

func (f *versionFlags) check() error { return nil }

const versionUsage = `Usage: iamsync version [--short]
       iamsync --version

Prints iamsync's version, the commit and date it was built from, the Go version and
platform, and the scaleway-sdk-go version it talks to the API with.

Example:
  iamsync version --short

Flags:
`

func runVersion(_ context.Context, env Env, args []string) int {
	var f versionFlags
	fs := newFlagSet(env, "version", versionUsage, f.register)
	rest, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		errorf(env, "'version' takes no arguments, got %q", rest[0])
		hintf(env, "run 'iamsync version' or 'iamsync version --short'")
		return ExitError
	}
	v := currentVersion()
	if f.short {
		fmt.Fprintln(env.Stdout, v.Version)
		return ExitOK
	}
	v.write(env.Stdout)
	return ExitOK
}
