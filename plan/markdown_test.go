package plan

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// Issue 18: a short plan's diff is open, a long one collapsed; every line of the block carries
// one marker, the gutter's, whatever the action.
func TestMarkdownOpenWhenShortAndOneMarker(t *testing.T) {
	ops := []Op{Create, Update, Replace, Delete, Adopt}
	for _, n := range []int{1, 6, mdOpenActions, mdOpenActions + 1, 60} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &Plan{Stack: "s"}
			for i := 0; i < n; i++ {
				op := ops[i%len(ops)]
				a := Action{Op: op, Key: model.Key{Kind: model.KindGroup, Name: fmt.Sprintf("g%02d", i)}}
				if op != Delete {
					a.Changes = []Change{{Field: FieldDescription, Old: text("a"), New: text("b")},
						{Field: FieldTags, Added: []Value{{Text: "team=x"}}, Removed: []Value{{Text: "team=y"}}}}
				}
				p.Actions = append(p.Actions, a)
			}
			var b strings.Builder
			if err := RenderMarkdown(&b, p); err != nil {
				t.Fatal(err)
			}
			md := b.String()
			wantOpen := n <= mdOpenActions
			if open := strings.Contains(md, "<details open><summary>"+plural(n, "action", "actions")); open != wantOpen {
				t.Errorf("%d actions: open=%v, want %v\n%s", n, open, wantOpen, md)
			}
			_, block, _ := strings.Cut(md, "```diff\n")
			block, _, _ = strings.Cut(block, "```")
			doubled := regexp.MustCompile(`(?m)^[+!-] +(\+|-|~|-/\+|<~) `)
			if m := doubled.FindString(block); m != "" {
				t.Errorf("a line carries two markers: %q\n%s", m, block)
			}
			for _, op := range ops[:min(n, len(ops))] {
				if op == Create || op == Delete {
					continue
				}
				if !strings.Contains(block, "! "+op.String()+" group/") {
					t.Errorf("no %q header in:\n%s", "! "+op.String(), block)
				}
			}
		})
	}
}
