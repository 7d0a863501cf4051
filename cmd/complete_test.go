package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The completion tables name flags by command; a flag renamed or removed elsewhere must not
// leave a stale entry behind.
func TestCompletionTablesNameRealFlags(t *testing.T) {
	keys := []string{}
	for k := range flagChoices {
		keys = append(keys, k)
	}
	for k := range flagFiles {
		keys = append(keys, k)
	}
	for _, k := range keys {
		cmdName, flag, scoped := strings.Cut(k, " ")
		if !scoped {
			flag = cmdName
		}
		found := false
		for _, c := range commands() {
			if c.flags == nil || (scoped && c.name != cmdName) {
				continue
			}
			fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
			c.flags(fs)
			if fs.Lookup(strings.TrimPrefix(flag, "--")) != nil {
				found = true
			}
		}
		if !found {
			t.Errorf("completion table entry %q names no flag of any command", k)
		}
	}
}

// Every value completion offers is one the command accepts, and the flag does refuse others
// (so it really is a fixed set).
func TestCompletionChoicesAreAccepted(t *testing.T) {
	for key, values := range flagChoices {
		cmdName, flag, _ := strings.Cut(key, " ")
		run := func(value string) string {
			var stderr bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &stderr, Dir: t.TempDir()}
			Main(context.Background(), []string{cmdName, flag + "=" + value}, env)
			return stderr.String()
		}
		for _, v := range values {
			if out := run(v); strings.Contains(out, flag) {
				t.Errorf("%s %s=%s is refused: %s", cmdName, flag, v, out)
			}
		}
		if out := run("no-such-value"); !strings.Contains(out, flag) {
			t.Errorf("%s %s=no-such-value is not refused by the flag check (stderr %q): the flag takes more than the listed values", cmdName, flag, out)
		}
	}
}

func TestCompleteHidesHiddenCommands(t *testing.T) {
	for _, cand := range complete(Env{Getenv: func(string) string { return "" }}, nil, "").cands {
		if strings.HasPrefix(cand.value, "-") || strings.HasPrefix(cand.value, "_") {
			t.Errorf("command list offers %q", cand.value)
		}
	}
}
