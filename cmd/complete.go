package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/schema"
)

// completeCommand is the hidden command the completion scripts call on every <Tab>, so that
// one Go implementation, tested here, serves all four shells.
//
// Protocol: the arguments are the words before the cursor (without "iamsync"), then the word
// under the cursor prefixed with "+" (so that an empty word survives shells that drop empty
// arguments: fish, PowerShell). The answer is one candidate a line, "VALUE<TAB>DESCRIPTION"
// or "VALUE", then one directive line: ":files" (also offer file names), ":dirs" (offer
// directory names) or ":none". It never fails and prints nothing on stderr: a <Tab> must not
// break the command line being typed.
const completeCommand = "__complete"

type candidate struct {
	value, desc string
}

type completion struct {
	cands     []candidate
	directive string // files, dirs, none
}

func runComplete(_ context.Context, env Env, args []string) int {
	if len(args) == 0 {
		args = []string{"+"}
	}
	cur, ok := strings.CutPrefix(args[len(args)-1], "+")
	if !ok {
		cur = args[len(args)-1] // an older script: take the word as it is
	}
	c := complete(env, args[:len(args)-1], cur)
	w := bufio.NewWriter(env.Stdout)
	for _, cand := range c.cands {
		if !strings.HasPrefix(cand.value, cur) {
			continue
		}
		if cand.desc != "" {
			fmt.Fprintf(w, "%s\t%s\n", cand.value, oneLine(cand.desc))
		} else {
			fmt.Fprintln(w, cand.value)
		}
	}
	fmt.Fprintf(w, ":%s\n", c.directive)
	_ = w.Flush()
	return ExitOK
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.ReplaceAll(s, "\t", " ")
}

// complete finds what may follow words when the word being typed starts with cur.
func complete(env Env, words []string, cur string) completion {
	none := completion{directive: "none"}
	if len(words) == 0 {
		if strings.HasPrefix(cur, "-") {
			return completion{cands: []candidate{{"--help", "show the commands"}, {"--version", "print the version"}}, directive: "none"}
		}
		return completion{cands: commandCandidates(), directive: "none"}
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == words[0] && !c.hidden {
			cmd = c
		}
	}
	if words[0] == "help" && len(words) == 1 {
		return completion{cands: commandCandidates(), directive: "none"}
	}
	if cmd == nil || cmd.flags == nil {
		return none
	}
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	cmd.flags(fs)

	// Is the word under the cursor a flag's value?
	var pending *pflag.Flag
	dashdash := false
	var positional []string
	for _, w := range words[1:] {
		switch {
		case pending != nil:
			pending = nil
		case dashdash || !strings.HasPrefix(w, "-") || w == "-":
			positional = append(positional, w)
		case w == "--":
			dashdash = true
		default:
			if fl := lookupFlag(fs, w); fl != nil && takesValue(fl) && !strings.Contains(w, "=") {
				pending = fl
			}
		}
	}
	if pending != nil {
		return flagValues(env, cmd.name, pending, cur, "", positional)
	}
	if !dashdash && strings.HasPrefix(cur, "-") {
		if name, val, ok := strings.Cut(cur, "="); ok {
			if fl := lookupFlag(fs, name); fl != nil {
				return flagValues(env, cmd.name, fl, val, name+"=", positional)
			}
			return none
		}
		var cands []candidate
		fs.VisitAll(func(fl *pflag.Flag) {
			if !fl.Hidden {
				_, usage := pflag.UnquoteUsage(fl)
				cands = append(cands, candidate{"--" + fl.Name, usage})
			}
		})
		cands = append(cands, candidate{"--help", "show this command's flags"})
		return completion{cands: cands, directive: "none"}
	}
	switch cmd.name {
	case "validate", "plan", "apply", "audit", "diff-access":
		return completion{directive: "files"} // manifests; apply also takes a saved plan
	case "comment":
		return completion{directive: "files"}
	case "explain":
		return explainWords(env, positional)
	case "completion":
		if len(positional) == 0 {
			var cands []candidate
			for _, s := range shells {
				cands = append(cands, candidate{s.name, s.desc})
			}
			return completion{cands: cands, directive: "none"}
		}
	}
	return none
}

func commandCandidates() []candidate {
	var cands []candidate
	for _, c := range commands() {
		if !c.hidden {
			cands = append(cands, candidate{c.name, c.summary})
		}
	}
	return append(cands, candidate{"help", "show the commands and exit codes"})
}

func lookupFlag(fs *pflag.FlagSet, word string) *pflag.Flag {
	name, _, _ := strings.Cut(word, "=")
	if long, ok := strings.CutPrefix(name, "--"); ok {
		return fs.Lookup(long)
	}
	if short, ok := strings.CutPrefix(name, "-"); ok && len(short) == 1 {
		return fs.ShorthandLookup(short)
	}
	return nil
}

// takesValue reports whether the flag consumes the next word: booleans do not, nor flags with
// an optional value (--keep-old), which only take one after '='.
func takesValue(fl *pflag.Flag) bool {
	return fl.Value.Type() != "bool" && fl.NoOptDefVal == ""
}

// flagChoices are the values of the flags that accept a fixed set (checked against each
// command's own check() by TestCompletionChoicesAreAccepted). Keys are "command --flag", or
// "--flag" for every command.
var flagChoices = map[string][]string{
	"validate --format":                {"text", "json", "github"},
	"plan --format":                    {"text", "json", "markdown"},
	"plan --fail-on-new-access":        {"low", "medium", "high"},
	"diff-access --fail-on-new-access": {"low", "medium", "high"},
	"diff-access --format":             {"text", "json", "markdown"},
	"audit --format":                   {"text", "json", "sarif", "markdown"},
	"audit --fail-on":                  {"low", "medium", "high", "none"},
	"explain --format":                 {"text", "json", "markdown"},
	"apply --secrets-to":               {secretsToFile, secretsToSecretManager},
}

// flagFiles are the flags whose value is a file ("files") or a directory ("dirs").
var flagFiles = map[string]string{
	"--out":             "files",
	"export --out":      "dirs",
	"--secrets-file":    "files",
	"--local-state":     "files",
	"emulator --state":  "files",
	"audit --repo-root": "dirs",
	"--cache-dir":       "dirs",
}

func lookupByCommand[T any](m map[string]T, cmd, flag string) (T, bool) {
	if v, ok := m[cmd+" --"+flag]; ok {
		return v, true
	}
	v, ok := m["--"+flag]
	return v, ok
}

// flagValues completes the value of fl; prefix is what precedes it in the word ("--format=").
func flagValues(env Env, cmd string, fl *pflag.Flag, cur, prefix string, positional []string) completion {
	with := func(values []string) completion {
		var cands []candidate
		for _, v := range values {
			cands = append(cands, candidate{value: prefix + v})
		}
		return completion{cands: cands, directive: "none"}
	}
	if choices, ok := lookupByCommand(flagChoices, cmd, fl.Name); ok {
		return with(choices)
	}
	if kind, ok := lookupByCommand(flagFiles, cmd, fl.Name); ok && prefix == "" {
		return completion{directive: kind}
	}
	switch {
	case fl.Name == "fault-kinds":
		// A comma-separated list: complete its last element.
		done := cur[:strings.LastIndex(cur, ",")+1]
		var values []string
		for _, k := range faultKinds {
			if !slices.Contains(strings.Split(done, ","), k) {
				values = append(values, done+k)
			}
		}
		return with(values)
	case fl.Name == "profile":
		return with(scwProfiles(env))
	case fl.Name == "stack":
		return with(manifestStacks(env))
	case fl.Name == "rotate":
		return with(manifestKeys(env, positional))
	case cmd == "explain" && fl.Name == "can":
		var cands []candidate
		for _, ps := range schema.PermissionSets() {
			cands = append(cands, candidate{prefix + ps.Name, ps.Category + ", " + string(ps.ScopeType) + "-level"})
		}
		return completion{cands: cands, directive: "none"}
	case cmd == "explain" && fl.Name == "on":
		return with(manifestScopes(env, explainPaths(positional)))
	}
	return completion{directive: "none"}
}

// scwProfiles lists the profiles of the scw config file, as the SDK finds it.
func scwProfiles(env Env) []string {
	path := env.Getenv("SCW_CONFIG_PATH")
	if path == "" {
		dir := env.Getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home := env.Getenv("HOME")
			if home == "" {
				return nil
			}
			dir = filepath.Join(home, ".config")
		}
		path = filepath.Join(dir, "scw", "config.yaml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var cfg struct {
		Profiles map[string]any `yaml:"profiles"`
	}
	if yaml.Unmarshal(data, &cfg) != nil {
		return nil
	}
	var names []string
	for name := range cfg.Profiles {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

var stackLine = regexp.MustCompile(`(?m)^stack:\s*["']?([a-z0-9][a-z0-9_.-]*)`)

// manifestStacks lists the stack names of the manifests under the working directory: a quick
// scan of the files' "stack:" lines, bounded so a <Tab> in a large tree stays instant.
func manifestStacks(env Env) []string {
	root := resolvePath(env, ".")
	seen := map[string]bool{}
	files := 0
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if files > 500 {
			return filepath.SkipAll
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || strings.Count(strings.TrimPrefix(path, root), string(filepath.Separator)) > 3) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		files++
		// Stat follows a link to a shared manifest; a FIFO (or device) would block the read.
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil {
			for _, m := range stackLine.FindAllSubmatch(data, -1) {
				seen[string(m[1])] = true
			}
		}
		return nil
	})
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// manifestKeys lists APPLICATION/KEY for the API keys and scim_token/NAME for the SCIM tokens
// of the manifests on the command line (default "."), for --rotate.
func manifestKeys(env Env, paths []string) []string {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	l := schema.Loader{Dir: env.Dir, Now: time.Now()}
	org, _ := l.Load(paths)
	if org == nil {
		return nil
	}
	var out []string
	for _, k := range org.APIKeys {
		out = append(out, k.Application+"/"+k.Name)
	}
	for _, t := range org.SCIMTokens {
		out = append(out, rotateTokenPrefix+t.Name)
	}
	slices.Sort(out)
	return out
}
