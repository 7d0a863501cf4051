package comment_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/comment"
)

// planMarkdown has the shape of plan.RenderMarkdown's output: a summary, a warning quote, and
// the actions in a diff code block inside <details>, blank lines included.
func planMarkdown(actions int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**iamsync plan** for stack `platform`: %d to create.\n\n> [!WARNING]\n> **1 resource will be destroyed:** `application/old` (delete)\n\n", actions)
	fmt.Fprintf(&b, "<details><summary>%d actions</summary>\n\n```diff\n", actions)
	for i := range actions {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "+ application/app-%04d\n+     name: \"app-%04d\"\n+     description: \"</details> is only text here\"\n", i, i)
	}
	b.WriteString("```\n\n</details>\n")
	return b.String()
}

// auditMarkdown has the shape of audit.RenderMarkdown's: a heading, a summary, a table.
func auditMarkdown(rows int) string {
	var b strings.Builder
	b.WriteString("### iamsync audit: stack `platform`\n\nSummary line.\n\n| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n")
	for i := range rows {
		fmt.Fprintf(&b, "| high | [IAM101](https://example.test#iam101) | `policy/p-%04d` | `iam.yaml:%d:3` | grants everything<br>_Fix:_ narrow it |\n", i, i+1)
	}
	b.WriteString("\nUnmanaged resources (owned by no stack): 3\n")
	return b.String()
}

var marker = comment.Marker("iam")

func TestComposeFitsWhole(t *testing.T) {
	b := comment.Body{Marker: marker, Footer: "<sub>iamsync v1</sub>", Overflow: "See the artifact.",
		Sections: []comment.Section{{Markdown: planMarkdown(3)}, {Markdown: auditMarkdown(2)}}}
	got, left := b.Compose(comment.GitHubLimit)
	if left != 0 {
		t.Fatalf("left out %d lines of a short comment", left)
	}
	for _, want := range []string{marker + "\n", "app-0002", "p-0001", "Unmanaged", "<sub>iamsync v1</sub>\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if !strings.HasPrefix(got, marker+"\n") || strings.Contains(got, "Cut to fit") {
		t.Errorf("bad head or a cut note:\n%s", got)
	}
	// The plan's blank lines inside <details> are kept as they were.
	if !strings.Contains(got, "<details><summary>3 actions</summary>\n\n```diff\n") {
		t.Errorf("the details element was reflowed:\n%s", got)
	}
}

func TestComposeCutsBetweenTableRows(t *testing.T) {
	plan := planMarkdown(200)
	b := comment.Body{Marker: marker, Footer: "<sub>footer</sub>", Overflow: "The full plan is in the `iamsync-plan` artifact of [the run](https://ci.example/run/1).",
		Sections: []comment.Section{{Markdown: plan}, {Markdown: auditMarkdown(2000)}}}
	limit := comment.GitHubLimit
	got, left := b.Compose(limit)
	if len(got) > limit {
		t.Fatalf("%d bytes, over the limit of %d", len(got), limit)
	}
	if left == 0 || !strings.Contains(got, fmt.Sprintf("%d more lines are left out", left)) || !strings.Contains(got, "[the run](https://ci.example/run/1)") {
		t.Fatalf("no note of what was cut (%d lines) and where the rest is:\n%s", left, tail(got))
	}
	if !strings.Contains(got, strings.TrimRight(plan, "\n")) {
		t.Error("the plan, which fits, was not kept whole")
	}
	// The table is cut at a row: its header stays, every row is complete, nothing follows it
	// but the note and the footer.
	i := strings.Index(got, "| Severity |")
	if i < 0 {
		t.Fatal("the table's header was dropped although rows fit")
	}
	rest := got[i:]
	tableEnd := strings.Index(rest, "\n\n")
	rows := strings.Split(rest[:tableEnd], "\n")
	if len(rows) < 3 {
		t.Fatalf("table kept with %d lines", len(rows))
	}
	row := regexp.MustCompile(`^\| high \| .* \| grants everything<br>_Fix:_ narrow it \|$`)
	for _, r := range rows[2:] {
		if !row.MatchString(r) {
			t.Fatalf("a row was cut: %q", r)
		}
	}
	if want := "\n\n> [!NOTE]\n"; !strings.HasPrefix(rest[tableEnd:], want) {
		t.Errorf("after the table: %q", rest[tableEnd:min(len(rest), tableEnd+40)])
	}
	if !strings.HasSuffix(got, "\n\n<sub>footer</sub>\n") || strings.Contains(got, "Unmanaged resources") {
		t.Errorf("bad end:\n%s", tail(got))
	}
	// What is left out: the table rows not shown and the line after the table.
	if want := 2002 - len(rows) + 1; left != want {
		t.Errorf("left = %d, want %d", left, want)
	}
}

func bt(n int) string { return strings.Repeat("`", n) }

func tail(s string) string { return s[max(0, len(s)-600):] }

func TestComposeCutsCodeBlocksAtLinesAndClosesThem(t *testing.T) {
	var log strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&log, "manifests/iam.yaml:%d:5: unknown field \"colour\" ``` [E101]\n", i+1)
	}
	b := comment.Body{Marker: marker, Sections: []comment.Section{{Title: "iamsync validate failed", Text: log.String()}, {Markdown: planMarkdown(2)}}}
	got, left := b.Compose(comment.GitHubLimit)
	if len(got) > comment.GitHubLimit || left == 0 {
		t.Fatalf("%d bytes, %d lines left out", len(got), left)
	}
	if !strings.Contains(got, "**iamsync validate failed**\n\n````text\nmanifests/iam.yaml:1:5:") {
		t.Fatalf("the log is not under its title in a fence longer than its backticks:\n%s", got[:300])
	}
	fences := regexp.MustCompile("(?m)^````(text)?$").FindAllString(got, -1)
	if len(fences) != 2 {
		t.Fatalf("%d fence lines, want an opening and a closing one", len(fences))
	}
	lastLine := regexp.MustCompile(`(?m)^manifests/iam\.yaml:(\d+):5: unknown field "colour" ` + bt(3) + ` \[E101\]\n` + bt(4) + `\n`).FindStringSubmatch(got)
	if lastLine == nil {
		t.Fatal("the code block does not end with a whole line and its closing fence")
	}
	var shown int
	fmt.Sscan(lastLine[1], &shown)
	// Counted lines: the title, the fences, the log's lines, and the plan's lines but for its
	// two blank lines between top-level blocks (those inside <details> are part of it). Shown:
	// the title, the opening fence and the log's first lines.
	planLines := len(strings.Split(strings.TrimRight(planMarkdown(2), "\n"), "\n")) - 2
	if wantLeft := 1 + 5002 + planLines - (2 + shown); left != wantLeft {
		t.Errorf("left = %d, want %d", left, wantLeft)
	}
	if strings.Contains(got, "iamsync plan") {
		t.Error("the plan after the cut was kept: the comment would not read in order")
	}
}

func TestComposeNeverCutsInsideDetails(t *testing.T) {
	// A <details> element bigger than the room is left out whole.
	b := comment.Body{Marker: marker, Sections: []comment.Section{{Markdown: "Intro line.\n\n" + planMarkdown(600)}}}
	got, left := b.Compose(20000)
	if len(got) > 20000 || left == 0 {
		t.Fatalf("%d bytes, %d left", len(got), left)
	}
	if strings.Contains(got, "<details") || strings.Contains(got, "```") {
		t.Errorf("part of the details element was kept:\n%s", got)
	}
	if !strings.Contains(got, "Intro line.") || !strings.Contains(got, "will be destroyed") {
		t.Errorf("the blocks before the details element were dropped:\n%s", got)
	}
}

func TestComposeEveryLimitKeepsStructure(t *testing.T) {
	b := comment.Body{Marker: marker, Footer: "<sub>f</sub>", Overflow: "Rest in the artifact.",
		Sections: []comment.Section{{Title: "log", Text: strings.Repeat("error line\n", 40)}, {Markdown: planMarkdown(30)}, {Markdown: auditMarkdown(60)}}}
	whole, _ := b.Compose(1 << 30)
	for limit := 400; limit <= len(whole)+10; limit += 97 {
		got, left := b.Compose(limit)
		if len(got) > limit {
			t.Fatalf("limit %d: %d bytes", limit, len(got))
		}
		if (left == 0) != (got == whole) {
			t.Fatalf("limit %d: left %d but whole=%v", limit, left, got == whole)
		}
		if strings.Count(got, "<details>")+strings.Count(got, "<details ") != strings.Count(got, "</details>\n") {
			t.Fatalf("limit %d: unbalanced details:\n%s", limit, got)
		}
		if n := len(regexp.MustCompile("(?m)^(```|````)").FindAllString(got, -1)); n%2 != 0 {
			t.Fatalf("limit %d: %d fence lines", limit, n)
		}
		if !strings.HasPrefix(got, marker+"\n") || !strings.HasSuffix(got, "<sub>f</sub>\n") {
			t.Fatalf("limit %d: marker or footer lost", limit)
		}
		for _, l := range strings.Split(got, "\n") {
			if strings.HasPrefix(l, "| high") && !strings.HasSuffix(l, "narrow it |") {
				t.Fatalf("limit %d: cut row %q", limit, l)
			}
		}
	}
}

func TestComposeClosesAnOpenFence(t *testing.T) {
	b := comment.Body{Marker: marker, Footer: "footer", Sections: []comment.Section{{Markdown: "```\nunclosed"}}}
	got, _ := b.Compose(comment.GitHubLimit)
	if want := marker + "\n```\nunclosed\n```\n\nfooter\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
