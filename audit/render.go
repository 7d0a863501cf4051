package audit

import (
	"bufio"
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"io"
	"strings"
)

// TextOptions tune the text and Markdown reports.
type TextOptions struct {
	// ListUnmanaged lists every unmanaged resource instead of only counting them.
	ListUnmanaged bool
}

var severities = []Severity{High, Medium, Low}

// RenderText writes r for a person: active findings grouped by severity, each with its place
// (file:line:col, or the live ID), then the unmanaged resources and a summary. Silenced
// findings are only counted; the JSON and SARIF reports carry them.
func RenderText(w io.Writer, r *Report, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	org := r.OrganizationID
	if org == "" {
		org = "(unknown)"
	}
	fmt.Fprintf(bw, "Audit of organization %s against stack %s\n", escape.Printable(org), escape.Quote(r.Stack))
	active := r.Active()
	for _, sev := range severities {
		var fs []Finding
		for _, f := range active {
			if f.Severity == sev {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s (%d)\n", strings.ToUpper(sev.String()), len(fs))
		for _, f := range fs {
			fmt.Fprintf(bw, "  %s %s: %s [%s %s]\n", where(f), escape.Name(f.Key.String()), escape.Printable(f.Msg), f.Code, f.Category())
			if f.Attribution != nil {
				fmt.Fprintf(bw, "      by: %s\n", escape.Printable(f.Attribution.String()))
			}
			if f.Hint != "" {
				fmt.Fprintf(bw, "      fix: %s\n", escape.Printable(f.Hint))
			}
		}
	}
	if len(r.UnusedSilences) > 0 {
		fmt.Fprintf(bw, "\nSilences that matched no finding (remove them, or they will hide a future one):\n")
		for _, u := range r.UnusedSilences {
			fmt.Fprintf(bw, "  %s %s: %s\n", where(Finding{Pos: u.Pos}), escape.Name(u.Key.String()), escape.Printable(u.Rule))
		}
	}
	if n := len(r.Unmanaged); n > 0 {
		fmt.Fprintf(bw, "\nUnmanaged resources (owned by no stack): %d (%s)", n, r.unmanagedByKind())
		if !opts.ListUnmanaged {
			fmt.Fprintf(bw, "; list them with --list-unmanaged\n")
		} else {
			fmt.Fprintln(bw)
			for _, u := range r.Unmanaged {
				fmt.Fprintf(bw, "  %s (%s)\n", escape.Name(u.Key.String()), escape.Printable(u.ID))
			}
		}
	}
	for _, n := range r.NotRead {
		fmt.Fprintf(bw, "\nNot read: %s.\n", escape.Printable(n.String()))
	}
	if r.AttributionNote != "" {
		fmt.Fprintf(bw, "\nNote: %s.\n", escape.Printable(r.AttributionNote))
	}
	fmt.Fprintf(bw, "\n%s\n", r.Summary())
	return bw.Flush()
}

// where is a finding's place: file:line:col when declared, else "live ID".
func where(f Finding) string {
	if p := f.Pos.String(); p != "" {
		return escape.Printable(p) + ":"
	}
	if f.ID != "" {
		return "live " + escape.Printable(f.ID) + ":"
	}
	return "live:"
}

// RenderMarkdown writes r as a pull-request comment: a summary line, a table of the active
// findings, silenced findings folded away, and the unmanaged resources (counted, or listed).
func RenderMarkdown(w io.Writer, r *Report, opts TextOptions) error {
	bw := bufio.NewWriter(w)
	s := r.Summary()
	fmt.Fprintf(bw, "### iamsync audit: stack %s\n\n", escape.Code(r.Stack))
	fmt.Fprintf(bw, "%s\n", s)
	if active := r.Active(); len(active) > 0 {
		fmt.Fprintf(bw, "\n| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n")
		for _, f := range active {
			loc := "live"
			if p := f.Pos.String(); p != "" {
				loc = escape.CodeSpan(p)
			} else if f.ID != "" {
				loc = "live " + escape.CodeSpan(f.ID)
			}
			by := ""
			if f.Attribution != nil {
				by = "<br>_Last change:_ " + escape.Message(f.Attribution.String())
			}
			fmt.Fprintf(bw, "| %s | [%s](%s) %s | %s | %s | %s |\n",
				f.Severity, f.Code, ruleURL(f.Code), f.Category(), escape.TableCell(escape.Code(f.Key.String())), escape.TableCell(loc),
				escape.TableCell(escape.Message(f.Msg)+by+"<br>_Fix:_ "+escape.Message(f.Hint)))
		}
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(bw, "\n<details><summary>%d silenced in the manifests</summary>\n\n", s.Suppressed)
		for _, f := range r.Findings {
			if f.Suppressed != nil {
				fmt.Fprintf(bw, "- %s %s: %s (reason: %s)\n", f.Code, escape.Code(f.Key.String()), escape.Message(f.Msg), escape.CodeSpan(f.Suppressed.Reason))
			}
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}
	if len(r.UnusedSilences) > 0 {
		fmt.Fprintf(bw, "\nSilences that matched no finding: ")
		for i, u := range r.UnusedSilences {
			if i > 0 {
				fmt.Fprintf(bw, ", ")
			}
			fmt.Fprintf(bw, "%s on %s", escape.CodeSpan(u.Rule), escape.Code(u.Key.String()))
		}
		fmt.Fprintln(bw)
	}
	if n := len(r.Unmanaged); n > 0 {
		fmt.Fprintf(bw, "\nUnmanaged resources (owned by no stack): %d (%s)\n", n, r.unmanagedByKind())
		if opts.ListUnmanaged {
			fmt.Fprintf(bw, "\n<details><summary>list</summary>\n\n")
			for _, u := range r.Unmanaged {
				fmt.Fprintf(bw, "- %s (%s)\n", escape.Code(u.Key.String()), escape.CodeSpan(u.ID))
			}
			fmt.Fprintf(bw, "\n</details>\n")
		}
	}
	for _, n := range r.NotRead {
		fmt.Fprintf(bw, "\n_Not read:_ %s.\n", escape.Message(n.String()))
	}
	if r.AttributionNote != "" {
		fmt.Fprintf(bw, "\n_Note:_ %s.\n", escape.Message(r.AttributionNote))
	}
	return bw.Flush()
}

// DocURL is where the rules are documented; each rule has an anchor (#iam101).
const DocURL = "https://github.com/iamsync/iamsync/blob/main/audit/README.md"

func ruleURL(code string) string { return DocURL + "#" + strings.ToLower(code) }
