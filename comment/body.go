package comment

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/iamsync/iamsync/escape"
)

// Section is one part of the comment: Markdown as iamsync's renderers write it, or, when
// Markdown is empty, preformatted Text (a failed command's output) shown under Title.
type Section struct {
	Title    string
	Text     string
	Markdown string
}

// Body is a comment to compose: the marker on top, the sections, a footer at the bottom.
type Body struct {
	Marker   string
	Sections []Section
	Footer   string // one Markdown line, kept whatever is cut
	// Overflow tells the reader where the whole output is when the comment had to be cut,
	// e.g. "The full plan is in the `iamsync-plan` artifact of [the workflow run](URL)."
	Overflow string
}

// Compose renders b in at most limit bytes, with left the number of lines it had to leave
// out. A cut falls between Markdown blocks, between the rows of a table (its header kept) or
// between the lines of a code block (its fence closed); never inside a line, a table row or
// an HTML element such as <details>. Everything after the cut is left out too, so what is
// shown reads in order, and a note says what is missing and where the rest is.
func (b Body) Compose(limit int) (text string, left int) {
	var blocks []block
	for _, s := range b.Sections {
		if s.Markdown != "" {
			blocks = append(blocks, parseBlocks(s.Markdown)...)
			continue
		}
		if s.Title != "" {
			blocks = append(blocks, block{lines: []string{"**" + escape.Markdown(s.Title) + "**"}})
		}
		blocks = append(blocks, fencedText(s.Text))
	}
	head := b.Marker + "\n"
	tail := "\n"
	if b.Footer != "" {
		tail = "\n\n" + b.Footer + "\n"
	}
	whole := head + joinBlocks(blocks) + tail
	if len(whole) <= limit {
		return whole, 0
	}

	total := 0
	for _, bl := range blocks {
		total += len(bl.lines) - bl.added
	}
	// The note's length depends on the count it states; reserve the longest it can be.
	budget := limit - len(head) - len(tail) - len("\n\n") - len(b.note(total))
	var kept []block
	used := 0
	for i, bl := range blocks {
		sep := 0
		if i > 0 {
			sep = len("\n\n")
		}
		if used+sep+bl.size() <= budget {
			kept = append(kept, bl)
			used += sep + bl.size()
			continue
		}
		if part, ok := bl.head(budget - used - sep); ok {
			kept = append(kept, part)
		}
		break
	}
	shown := 0
	for _, bl := range kept {
		shown += len(bl.lines) - bl.added
	}
	left = total - shown
	body := joinBlocks(kept)
	if body != "" {
		body += "\n\n"
	}
	return head + body + b.note(left) + tail, left
}

func (b Body) note(left int) string {
	n := fmt.Sprintf("%d more lines are", left)
	if left == 1 {
		n = "1 more line is"
	}
	s := "> [!NOTE]\n> Cut to fit the size limit of a comment: " + n + " left out."
	if b.Overflow != "" {
		s += " " + b.Overflow
	}
	return s
}

type blockKind int

const (
	plain blockKind = iota // paragraphs, lists, quotes, HTML elements: kept whole or not at all
	table
	fenced
)

// block is a top-level Markdown block: the lines between blank lines, a whole fenced code
// block, a whole table, or a whole HTML element such as <details> with its blank lines.
type block struct {
	kind  blockKind
	lines []string
	added int // lines the cut added (a closing fence), not counted as shown
}

func (bl block) size() int {
	n := len(bl.lines) - 1 // newlines between lines
	for _, l := range bl.lines {
		n += len(l)
	}
	return n
}

// head is the longest start of bl that fits in room bytes and still reads as what it is: a
// table keeps its header and at least one row, a code block at least one line and a closing
// fence. Plain blocks have no such start.
func (bl block) head(room int) (block, bool) {
	switch bl.kind {
	case table:
		for n := len(bl.lines) - 1; n >= 3; n-- {
			part := block{kind: table, lines: bl.lines[:n]}
			if part.size() <= room {
				return part, true
			}
		}
	case fenced:
		closing := bl.lines[len(bl.lines)-1]
		for n := len(bl.lines) - 2; n >= 2; n-- {
			lines := append(append([]string(nil), bl.lines[:n]...), closing)
			part := block{kind: fenced, lines: lines, added: 1}
			if part.size() <= room {
				return part, true
			}
		}
	}
	return block{}, false
}

func joinBlocks(bs []block) string {
	parts := make([]string, len(bs))
	for i, bl := range bs {
		parts[i] = strings.Join(bl.lines, "\n")
	}
	return strings.Join(parts, "\n\n")
}

var (
	fenceOpen      = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	tableDelimiter = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
	detailsOpen    = regexp.MustCompile(`(?i)<details[\s>]`)
	detailsClose   = regexp.MustCompile(`(?i)</details\s*>`)
	backticks      = regexp.MustCompile("`+")
)

// parseBlocks splits Markdown into top-level blocks, enough of CommonMark to know where a cut
// is safe: fences, pipe tables, <details> elements and blank-line-separated paragraphs.
func parseBlocks(md string) []block {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(md, "\r\n", "\n"), "\n"), "\n")
	var out []block
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			i++
		case fenceOpen.MatchString(l):
			end, closed := fenceEnd(lines, i)
			bl := block{kind: fenced, lines: lines[i:end]}
			if !closed {
				// An open fence would swallow everything after it, the footer included.
				bl.lines = append(append([]string(nil), bl.lines...), fenceOpen.FindStringSubmatch(l)[1])
				bl.added = 1
			}
			out = append(out, bl)
			i = end
		case detailsOpen.MatchString(l) && strings.HasPrefix(strings.TrimSpace(l), "<"):
			end := detailsEnd(lines, i)
			out = append(out, block{kind: plain, lines: lines[i:end]})
			i = end
		case strings.HasPrefix(strings.TrimSpace(l), "|") && i+1 < len(lines) && tableDelimiter.MatchString(lines[i+1]):
			end := i + 2
			for end < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[end]), "|") {
				end++
			}
			out = append(out, block{kind: table, lines: lines[i:end]})
			i = end
		default:
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) != "" && !fenceOpen.MatchString(lines[end]) {
				end++
			}
			out = append(out, block{kind: plain, lines: lines[i:end]})
			i = end
		}
	}
	return out
}

// fenceEnd returns the index after the fence opened at lines[i] closes, or the end of lines
// with closed false.
func fenceEnd(lines []string, i int) (end int, closed bool) {
	open := fenceOpen.FindStringSubmatch(lines[i])[1]
	for j := i + 1; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if len(t) >= len(open) && strings.Trim(t, open[:1]) == "" {
			return j + 1, true
		}
	}
	return len(lines), false
}

// detailsEnd returns the index after the <details> opened at lines[i] closes, counting nested
// ones and ignoring tags inside code blocks (a plan's diff may show any text).
func detailsEnd(lines []string, i int) int {
	depth := 0
	for j := i; j < len(lines); j++ {
		if j > i && fenceOpen.MatchString(lines[j]) {
			end, _ := fenceEnd(lines, j)
			j = end - 1
			continue
		}
		depth += len(detailsOpen.FindAllString(lines[j], -1)) - len(detailsClose.FindAllString(lines[j], -1))
		if depth <= 0 {
			return j + 1
		}
	}
	return len(lines)
}

// fencedText puts text in a code block whose fence no line of it can close, every line made
// escape.Printable: a command's output may quote names the organization chose, and a code
// block shows a control or invisible character as raw as a terminal would.
func fencedText(text string) block {
	lines0 := strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines0 {
		lines0[i] = escape.Printable(l)
	}
	text = strings.Join(lines0, "\n")
	longest := 0
	for _, run := range backticks.FindAllString(text, -1) {
		longest = max(longest, len(run))
	}
	fence := strings.Repeat("`", max(3, longest+1))
	lines := []string{fence + "text"}
	if text != "" {
		lines = append(lines, strings.Split(text, "\n")...)
	}
	return block{kind: fenced, lines: append(lines, fence)}
}
