package access

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/iamsync/iamsync/escape"
)

// ExplanationFormatVersion is the version of Explanation's JSON form (README, "Answering
// access questions").
const ExplanationFormatVersion = 1

// Explanation is the answer to one question, as explain prints it.
type Explanation struct {
	FormatVersion int `json:"format_version"`
	// Question is the question in words: "what does application/ci-deployer hold".
	Question string `json:"question"`
	// Source is what the answer was computed from: "organization" (the live organization,
	// every stack's policies and unmanaged ones included) or "manifests" (offline).
	Source string `json:"source"`
	// CannotSee lists what the source does not show, so that an empty answer is not read as
	// "nobody" when it means "nobody that these manifests know of".
	CannotSee []string `json:"cannot_see"`
	Answers   []Answer `json:"answers"`
}

// WriteJSON writes e as indented JSON; lists are never null.
func (e *Explanation) WriteJSON(w io.Writer) error {
	out := *e
	if out.CannotSee == nil {
		out.CannotSee = []string{}
	}
	if out.Answers == nil {
		out.Answers = []Answer{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// originText says who owns a path's policy, when it was recorded (Options.Origins); name
// shows the owning stack's name (escape.Name or escape.Code).
func originText(p Path, name func(string) string) string {
	switch {
	case p.ProviderManaged:
		return "managed by Scaleway"
	case p.Unmanaged:
		return "unmanaged"
	case p.Owner != "":
		return "stack " + name(p.Owner)
	}
	return ""
}

// foundText is a found grant in words: the grant, and the asked set a broader one includes.
func foundText(f Found) string {
	s := grantText(f.Grant)
	if f.Includes != "" {
		s += " (includes " + escape.Name(f.Includes) + ")"
	}
	return s
}

// RenderExplanationText writes e for a terminal: the question, then each principal with its
// grants (tier, grant) and under each grant the paths that give it, with their policy's owner.
func RenderExplanationText(w io.Writer, e *Explanation) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s (from the %s):\n", escape.Printable(e.Question), e.Source)
	for _, a := range e.Answers {
		fmt.Fprintf(bw, "\n%s\n", escape.Name(a.Principal.String()))
		for _, f := range a.Grants {
			fmt.Fprintf(bw, "  %-6s  %s\n", f.Tier, foundText(f))
			for _, p := range f.Paths {
				line := pathText(p)
				if o := originText(p, escape.Name); o != "" {
					line += " [" + o + "]"
				}
				fmt.Fprintf(bw, "            %s\n", line)
			}
		}
	}
	fmt.Fprintf(bw, "\n%s.\n", answerCount(e))
	for _, c := range e.CannotSee {
		fmt.Fprintf(bw, "Not seen: %s\n", escape.Printable(c))
	}
	return bw.Flush()
}

// answerCount sums up e in words.
func answerCount(e *Explanation) string {
	n := 0
	for _, a := range e.Answers {
		n += len(a.Grants)
	}
	if len(e.Answers) == 0 {
		return "No principal"
	}
	return plural(len(e.Answers), "principal", "principals") + ", " + plural(n, "grant", "grants")
}

// RenderExplanationMarkdown writes e for a pull-request comment or a report: one table per
// principal with the tier, grant and paths of each grant.
func RenderExplanationMarkdown(w io.Writer, e *Explanation) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "### %s\n\nFrom the %s. %s.\n", escape.Message(e.Question), e.Source, answerCount(e))
	for _, a := range e.Answers {
		fmt.Fprintf(bw, "\n#### %s\n\n| tier | permission set | scope | condition | given by |\n| --- | --- | --- | --- | --- |\n", escape.Code(a.Principal.String()))
		for _, f := range a.Grants {
			tier := f.Tier.String()
			if f.Tier == High {
				tier = "**high**"
			}
			set := escape.Code(f.PermissionSet)
			if f.Includes != "" {
				set += " (includes " + escape.Code(f.Includes) + ")"
			}
			cond := ""
			if f.Condition != "" {
				cond = escape.CodeSpan(escape.Printable(f.Condition))
			}
			if f.ExpiresAt != nil {
				cond = strings.TrimSpace(cond + " until " + f.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z07:00"))
			}
			paths := make([]string, len(f.Paths))
			for i, p := range f.Paths {
				paths[i] = mdPath(p)
				if o := originText(p, escape.Code); o != "" {
					paths[i] += " (" + o + ")"
				}
			}
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", tier, escape.TableCell(set), escape.TableCell(mdScope(f.Scope)), escape.TableCell(cond), escape.TableCell(strings.Join(paths, "; ")))
		}
	}
	if len(e.CannotSee) > 0 {
		bw.WriteString("\n> [!NOTE]\n> Not seen from the " + e.Source + ":\n")
		for _, c := range e.CannotSee {
			fmt.Fprintf(bw, "> - %s\n", escape.Message(c))
		}
	}
	return bw.Flush()
}
