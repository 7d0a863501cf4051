package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

// Colour only on a terminal, and never with NO_COLOR or TERM=dumb.
func TestRenderColourOnlyOnATerminal(t *testing.T) {
	p, err := plan.Diff(&model.Org{Stack: "s", Applications: []*model.Application{{Name: "web"}}}, &model.Org{}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		tty     bool
		env     map[string]string
		noColor bool
		want    bool
	}{
		{"terminal", true, nil, false, true},
		{"pipe", false, nil, false, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false, false},
		{"--no-color", true, nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			env := Env{Stdout: &out, StdoutTTY: tc.tty, Getenv: func(k string) string { return tc.env[k] }}
			if err := render(env, p, "text", tc.noColor); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(out.String(), "\x1b["); got != tc.want {
				t.Errorf("colour = %v, want %v:\n%q", got, tc.want, out.String())
			}
			if !strings.Contains(out.String(), "Plan: 1 to add, 0 to change, 0 to destroy.") {
				t.Errorf("no summary line:\n%s", out.String())
			}
		})
	}
}
