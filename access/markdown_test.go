package access

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/iamsync/iamsync/model"
)

// bigChange is a change of about 2,000 resources: 600 applications, 200 groups, 1,200
// policies, every one new, so that every grant is gained. Some applications gain admin sets.
func bigChange() (before, after *model.Org) {
	after = &model.Org{Stack: "big"}
	for i := range 600 {
		after.Applications = append(after.Applications, app(fmt.Sprintf("app-%03d", i)))
	}
	for i := range 200 {
		g := group(fmt.Sprintf("team-%03d", i), nil, []string{fmt.Sprintf("person-%03d@example.com", i)})
		for j := range 3 {
			g.Members.Applications = append(g.Members.Applications, fmt.Sprintf("app-%03d", (i*3+j)%600))
		}
		after.Groups = append(after.Groups, g)
	}
	for i := range 1200 {
		var p *model.Policy
		if i%2 == 0 {
			p = policy(fmt.Sprintf("app-policy-%04d", i), model.PrincipalApplication, fmt.Sprintf("app-%03d", i/2),
				projRule([]string{"web", "data", fmt.Sprintf("project-%d", i%7)}, "InstancesFullAccess", "ObjectStorageReadOnly"))
			if i%50 == 0 {
				p.Rules = append(p.Rules, orgRule("IAMManager"))
			}
		} else {
			p = policy(fmt.Sprintf("team-policy-%04d", i), model.PrincipalGroup, fmt.Sprintf("team-%03d", (i/2)%200),
				orgRule("IAMReadOnly"), projRule([]string{fmt.Sprintf("project-%d", i%11)}, "KubernetesFullAccess"))
		}
		after.Policies = append(after.Policies, p)
	}
	return &model.Org{}, after
}

// checkTables fails unless every Markdown table in md is whole: each row has the header's
// number of cells, and every <details> is closed.
func checkTables(t *testing.T, md string) {
	t.Helper()
	lines := strings.Split(md, "\n")
	cells := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			cells = -1
			continue
		}
		n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|")
		if !strings.HasSuffix(l, "|") {
			t.Fatalf("line %d is a table row cut short: %q", i+1, l)
		}
		if cells < 0 {
			cells = n
			if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "| ---") {
				t.Fatalf("table at line %d has no delimiter row", i+1)
			}
		} else if n != cells {
			t.Fatalf("line %d has %d cell separators, the table's header %d: %q", i+1, n, cells, l)
		}
	}
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		t.Fatalf("%d <details> opened, %d closed", o, c)
	}
}

func TestMarkdownFitsAGitHubCommentForALargeChange(t *testing.T) {
	before, after := bigChange()
	rep := Diff(before, after, opts)
	if rep.Summary.Principals < 1000 || rep.Summary.Gained < 5000 {
		t.Fatalf("the generated change is too small to test the limit: %+v", rep.Summary)
	}
	var full bytes.Buffer
	if err := RenderText(&full, rep); err != nil {
		t.Fatal(err)
	}
	if full.Len() < 4*65536 {
		t.Fatalf("the text rendering is %d bytes: the case does not exceed a comment", full.Len())
	}
	for _, limit := range []int{0, 30000, 8000, 1500} {
		var b bytes.Buffer
		if err := RenderMarkdown(&b, rep, MarkdownOptions{MaxBytes: limit}); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		max := limit
		if max == 0 {
			max = DefaultMarkdownBytes
		}
		if len(md) > max || len(md) > 65536 {
			t.Errorf("MaxBytes %d: the section is %d bytes", limit, len(md))
		}
		checkTables(t, md)
		if !strings.Contains(md, fmt.Sprintf("**%d high**", rep.Summary.GainedHigh)) || !strings.Contains(md, "[!CAUTION]") {
			t.Errorf("MaxBytes %d: the summary or the high-risk callout is missing:\n%.600s", limit, md)
		}
		if !strings.Contains(md, "see the text or JSON plan") {
			t.Errorf("MaxBytes %d: nothing says that principals were left out", limit)
		}
		// The riskiest principals come first: the first table is an admin's.
		if i := strings.Index(md, "<details>"); i >= 0 && !strings.Contains(md[i:i+200], "(1 high)") {
			t.Errorf("MaxBytes %d: the first table is not a high-risk principal's:\n%.200s", limit, md[i:])
		}
	}
}

func TestMarkdownListsEverythingWhenItFits(t *testing.T) {
	after := baseOrg()
	after.Groups[0].Members.Applications = []string{"ci", "web"}
	after.Policies[1].Rules[1].Projects = []string{"web", "data", "ml"}
	rep := Diff(baseOrg(), after, opts)
	var b bytes.Buffer
	if err := RenderMarkdown(&b, rep, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	checkTables(t, md)
	if n := strings.Count(md, "<details>"); n != len(rep.Changes) {
		t.Errorf("%d tables for %d principals", n, len(rep.Changes))
	}
	if strings.Contains(md, "not shown above") || strings.Contains(md, "more for this principal") {
		t.Errorf("a small report was summarised:\n%s", md)
	}
}

func BenchmarkDiffLargeChange(b *testing.B) {
	before, after := bigChange()
	for b.Loop() {
		Diff(before, after, opts)
	}
}

func BenchmarkRenderMarkdownLargeChange(b *testing.B) {
	before, after := bigChange()
	rep := Diff(before, after, opts)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := RenderMarkdown(&buf, rep, MarkdownOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
