package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// Limits bound what the loader accepts, so that hostile or accidental input (a huge file, a
// deeply nested document, an alias bomb) fails with a clear message instead of exhausting memory.
type Limits struct {
	MaxFileSize int64 // bytes in one file
	MaxSetSize  int64 // bytes across all files of the set
	MaxFiles    int   // files in the set
	MaxNodes    int   // YAML nodes in one file
	MaxDepth    int   // nesting depth of one document; a real manifest needs 7
	MaxDiags    int   // diagnostics reported before giving up
}

// DefaultLimits are generous for hand-written manifests: a set of a thousand policies is a few
// hundred kilobytes.
var DefaultLimits = Limits{
	MaxFileSize: 2 << 20,
	MaxSetSize:  32 << 20,
	MaxFiles:    2000,
	MaxNodes:    200_000,
	MaxDepth:    32,
	MaxDiags:    1000,
}

// entry is one value of a parsed document, addressed by its JSON pointer (the form JSON Schema
// instance locations take).
type entry struct {
	key  *yaml.Node // the mapping key naming the value; nil for list items and the root
	val  *yaml.Node
	path string // YAML path for messages: policies[0].rules[1]
}

// file is one parsed manifest file.
type file struct {
	name    string
	data    []byte // the file's text, for positions inside scalars (condition.go)
	lines   int
	root    *yaml.Node // the document's top mapping
	doc     any        // root as JSON values, for the schema validator
	entries map[string]entry
	bad     map[string]bool // instance locations the schema rejected: skip semantic checks there
	badAnc  map[string]bool // every pointer enclosing a rejected location
	// deferCatalog leaves permission sets the embedded catalogue lacks to CheckCatalog
	// (Loader.LoadOnline): no E501 for them, and their rule is still checked.
	deferCatalog bool
}

// markBad records a location the schema rejected, and its ancestors for badWithin.
func (f *file) markBad(ptr string) {
	f.bad[ptr] = true
	for p := ptr; p != ""; {
		p = parentPtr(p)
		if f.badAnc[p] {
			break
		}
		f.badAnc[p] = true
	}
}

func (f *file) at(ptr string) entry { return f.entries[ptr] }

// pos is where the value at ptr starts, or, failing that, the closest enclosing value.
func (f *file) pos(ptr string) model.Pos {
	for {
		if e, ok := f.entries[ptr]; ok {
			return nodePos(f.name, e.val)
		}
		if ptr == "" {
			return model.Pos{File: f.name, Line: 1, Col: 1}
		}
		ptr = parentPtr(ptr)
	}
}

// keyPos is where the key naming the value at ptr starts (the value's own position for list items).
func (f *file) keyPos(ptr string) model.Pos {
	if e, ok := f.entries[ptr]; ok && e.key != nil {
		return nodePos(f.name, e.key)
	}
	return f.pos(ptr)
}

func (f *file) path(ptr string) string {
	if e, ok := f.entries[ptr]; ok {
		return e.path
	}
	return ""
}

// isBad reports whether the schema rejected the value at ptr or one of its enclosing values.
func (f *file) isBad(ptr string) bool {
	for {
		if f.bad[ptr] {
			return true
		}
		if ptr == "" {
			return false
		}
		ptr = parentPtr(ptr)
	}
}

// badWithin reports whether the schema rejected the value at ptr, an enclosing value, or a value
// inside it: a rule with any schema error is not checked for scopes or repeats.
func (f *file) badWithin(ptr string) bool {
	return f.badAnc[ptr] || f.isBad(ptr)
}

func parentPtr(ptr string) string {
	if i := strings.LastIndexByte(ptr, '/'); i >= 0 {
		return ptr[:i]
	}
	return ""
}

func nodePos(name string, n *yaml.Node) model.Pos {
	return model.Pos{File: name, Line: n.Line, Col: n.Column}
}

func escapePtr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// parseFile reads one manifest file into a document and its index. On any problem it returns
// nil and the diagnostics: a file that cannot be parsed whole is not checked further.
func parseFile(name string, data []byte, lim Limits) (*file, []Diagnostic) {
	diag := func(line, col int, code, msg, hint string) []Diagnostic {
		return []Diagnostic{{Pos: model.Pos{File: name, Line: line, Col: col}, Code: code, Severity: SeverityError, Msg: msg, Hint: hint}}
	}
	if int64(len(data)) > lim.MaxFileSize {
		return nil, diag(1, 1, "E104", fmt.Sprintf("file is %d bytes, more than the limit of %d", len(data), lim.MaxFileSize),
			"split the manifests into several files")
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, diag(1, 1, "E102", "file is UTF-16", "save it as UTF-8")
	}
	if ds := checkText(name, data); len(ds) > 0 {
		return nil, ds
	}
	doc, err := decodeYAML(data)
	if err != nil {
		var second *docError
		if errors.As(err, &second) {
			return nil, diag(max(1, min(second.line, bytes.Count(data, []byte("\n"))+1)), 1, "E107", "the file holds more than one YAML document",
				"keep one document per file: move what follows '---' to a file of its own")
		}
		line, msg := yamlErrorLine(err)
		// yaml.v3's line can point one past the last line when the input ends mid-construct.
		line = max(1, min(line, bytes.Count(data, []byte("\n"))+1))
		return nil, diag(line, firstCol(data, line), "E101", "YAML syntax error: "+msg, syntaxHints[msg])
	}
	if doc == nil || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, diag(1, 1, "E107", "the file is empty",
			"write at least 'version: 1' and 'stack: NAME', or delete the file")
	}
	f := &file{name: name, data: data, lines: bytes.Count(data, []byte("\n")) + 1, root: doc.Content[0], entries: map[string]entry{}, bad: map[string]bool{}, badAnc: map[string]bool{}}
	var ds []Diagnostic
	nodes := 0
	ok := checkNodes(f, f.root, 1, &nodes, lim, &ds)
	ds = collapse(ds)
	if !ok {
		return nil, ds
	}
	if len(ds) > 0 {
		return nil, ds
	}
	if f.root.Kind != yaml.MappingNode {
		return nil, []Diagnostic{{Pos: nodePos(name, f.root), Code: "E107", Severity: SeverityError,
			Msg: "a manifest must be a mapping with version, stack, applications, groups, policies", Hint: "start the file with 'version: 1' and 'stack: NAME'"}}
	}
	f.doc = f.toJSON(f.root, nil, "", "")
	return f, nil
}

// docError reports a second document in a file.
type docError struct{ line int }

func (e *docError) Error() string { return fmt.Sprintf("second document at line %d", e.line) }

// decodeYAML parses the first document of data and refuses a second one. yaml.v3 is not
// expected to panic on any input, but a panic here would take down plan or apply, so it is
// turned into an error.
func decodeYAML(data []byte) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: the YAML parser failed on this input (%v)", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var d yaml.Node
	if err := dec.Decode(&d); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, err
	default:
		return nil, &docError{line: max(next.Line, 1)}
	}
	return &d, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are yaml.v3's parser (not scanner) messages. For those, yaml.v3 reports the
// 0-based line of the construct being parsed, so the 1-based line is one more.
var parserProblems = map[string]string{
	"did not find expected ',' or ']'":       "a list opened with '[' on this line is not closed with ']'",
	"did not find expected ',' or '}'":       "a mapping opened with '{' on this line is not closed with '}'",
	"did not find expected '-' indicator":    "a list item here is not indented like the items before it",
	"did not find expected <document start>": "unexpected content after the document",
	"did not find expected key":              "a line in the mapping starting here is not indented like its neighbours",
	"did not find expected node content":     "a value is missing here",
	"found duplicate %TAG directive":         "duplicate %TAG directive",
	"found duplicate %YAML directive":        "duplicate %YAML directive",
	"found incompatible YAML document":       "unsupported YAML version directive",
	"found undefined tag handle":             "undefined tag handle",
}

// syntaxHints are the usual causes of yaml.v3's scanner errors in hand-written manifests.
var syntaxHints = map[string]string{
	"found unexpected end of stream":                  "a quoted string that starts on this line is not closed",
	"mapping values are not allowed in this context":  "quote a value that contains ': ', or fix the indentation",
	"found character that cannot start any token":     "quote a value that starts with a character such as @ or `",
	"could not find expected ':'":                     "a key on this line lacks its ':', or a quoted string is not closed",
	"did not find expected comment or line break":     "something follows a value on this line; quote the whole value",
	"found a tab character that violates indentation": "YAML indents with spaces",
}

func yamlErrorLine(err error) (int, string) {
	s := err.Error()
	if m := yamlLineRE.FindStringSubmatch(s); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			if nice, ok := parserProblems[m[2]]; ok {
				return n + 1, fmt.Sprintf("%s (%s)", nice, m[2])
			}
			return n, m[2]
		}
	}
	msg := strings.TrimPrefix(s, "yaml: ")
	if nice, ok := parserProblems[msg]; ok {
		msg = fmt.Sprintf("%s (%s)", nice, msg)
	}
	return 1, msg
}

// firstCol is the column of the first non-blank character of a line (1 when there is none), the
// best guess of where a YAML syntax error is, since yaml.v3 reports lines only.
func firstCol(data []byte, line int) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	l := lines[line-1]
	trimmed := bytes.TrimLeft(l, " ")
	if len(trimmed) == 0 {
		return 1
	}
	return utf8.RuneCount(l[:len(l)-len(trimmed)]) + 1
}

// checkText finds encoding problems before the YAML parser does, so that the message names the
// exact line and column (yaml.v3 reports "control characters are not allowed" without a line).
func checkText(name string, data []byte) []Diagnostic {
	var ds []Diagnostic
	line, col := 1, 1
	indent := true // still in the line's leading whitespace
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		pos := model.Pos{File: name, Line: line, Col: col}
		switch {
		case r == utf8.RuneError && size == 1:
			return append(ds, Diagnostic{Pos: pos, Code: "E102", Severity: SeverityError,
				Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02X", data[i]), Hint: "save the file as UTF-8"})
		case r == '\t' && indent:
			ds = append(ds, Diagnostic{Pos: pos, Code: "E103", Severity: SeverityError,
				Msg: "tab in indentation", Hint: "YAML indents with spaces: replace the tab with spaces"})
			indent = false // one report per line
		case r == '\r' && (i+1 >= len(data) || data[i+1] != '\n'), r == 0x85, r == 0x2028, r == 0x2029:
			// YAML breaks lines there too, editors and GitHub mostly do not: positions would
			// disagree, so only LF and CRLF end lines.
			return append(ds, Diagnostic{Pos: pos, Code: "E102", Severity: SeverityError,
				Msg: fmt.Sprintf("line break U+%04X other than LF or CRLF", r), Hint: "save the file with LF (or CRLF) line endings"})
		case r != '\t' && r != '\n' && r != '\r' && (r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == 0xFFFE || r == 0xFFFF):
			return append(ds, Diagnostic{Pos: pos, Code: "E102", Severity: SeverityError,
				Msg: fmt.Sprintf("control character U+%04X", r), Hint: "remove it; manifests are plain text"})
		case r != ' ' && r != '\t':
			indent = false
		}
		if r == '\n' {
			line, col, indent = line+1, 1, true
		} else {
			col++
		}
		i += size
		if len(ds) >= 20 {
			break
		}
	}
	return ds
}

// checkNodes enforces the limits and refuses the YAML features that make a manifest mean
// something other than what a reviewer reads: anchors and aliases (also the alias-bomb vector),
// custom tags, complex keys, and duplicate keys (yaml.v3 keeps both in a yaml.Node). It returns
// false when a limit stops the walk.
func checkNodes(f *file, n *yaml.Node, depth int, count *int, lim Limits, ds *[]Diagnostic) bool {
	*count++
	add := func(n *yaml.Node, code, msg, hint string) {
		*ds = append(*ds, Diagnostic{Pos: nodePos(f.name, n), Code: code, Severity: SeverityError, Msg: msg, Hint: hint})
	}
	if *count > lim.MaxNodes {
		add(n, "E104", fmt.Sprintf("more than %d YAML values in one file", lim.MaxNodes), "split the manifests into several files")
		return false
	}
	if depth > lim.MaxDepth {
		add(n, "E104", fmt.Sprintf("nesting deeper than %d levels", lim.MaxDepth), "a manifest is at most a few levels deep; check the indentation")
		return false
	}
	switch {
	case n.Kind == yaml.AliasNode:
		add(n, "E105", "YAML aliases (*name) are not supported", "write the value out in full: manifests are reviewed as written")
		return true
	case n.Anchor != "":
		add(n, "E105", "YAML anchors (&name) are not supported", "remove the anchor and write values out in full")
	}
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!!int", "!!bool", "!!null", "!!float", "!!seq", "!!map":
		default:
			add(n, "E105", fmt.Sprintf("YAML tag %s is not supported", n.Tag), "remove the tag")
		}
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				add(k, "E105", "mapping keys must be plain names", "use a field name such as 'name:'")
			} else if first, ok := seen[k.Value]; ok {
				add(k, "E106", fmt.Sprintf("key %q is repeated (first at line %d)", k.Value, first.Line), "keep one of the two")
			} else {
				seen[k.Value] = k
			}
		}
	}
	for _, c := range n.Content {
		if !checkNodes(f, c, depth+1, count, lim, ds) {
			return false
		}
	}
	return true
}

// collapse keeps the first anchor and the first alias of a file and counts the others: an alias
// bomb is one mistake, not hundreds.
func collapse(ds []Diagnostic) []Diagnostic {
	var out []Diagnostic
	first := map[string]int{}
	more := map[string]int{}
	for _, d := range ds {
		if d.Code != "E105" || !strings.HasPrefix(d.Msg, "YAML a") {
			out = append(out, d)
			continue
		}
		kind := d.Msg[:strings.IndexByte(d.Msg, '(')]
		if _, ok := first[kind]; ok {
			more[kind]++
			continue
		}
		first[kind] = len(out)
		out = append(out, d)
	}
	for kind, n := range more {
		out[first[kind]].Msg += fmt.Sprintf(" (and %d more in this file)", n)
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// toJSON converts n to the values encoding/json would produce, indexing every value by its JSON
// pointer. checkNodes ran first: no aliases, keys are scalars and unique, depth is bounded.
func (f *file) toJSON(n, key *yaml.Node, ptr, path string) any {
	f.entries[ptr] = entry{key: key, val: n, path: path}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p := k
			if path != "" {
				p = path + "." + k
			}
			m[k] = f.toJSON(n.Content[i+1], n.Content[i], ptr+"/"+escapePtr(k), p)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = f.toJSON(c, nil, ptr+"/"+strconv.Itoa(i), fmt.Sprintf("%s[%d]", path, i))
		}
		return s
	}
	return scalarJSON(n)
}

// scalarJSON gives a scalar its JSON type from its resolved YAML tag, so that "version: 1" is a
// number and "name: 123" is caught as not a string. Numbers JSON cannot hold (.inf, .nan) stay
// strings.
func scalarJSON(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int", "!!float":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		if x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
	}
	return n.Value
}
