package schema

// Condition lint: a rule's condition is a CEL expression that Scaleway evaluates on every
// request; its console and API check only the syntax, and then a mistake silently grants
// nothing (or everything). The lint parses each condition with cel-go in an environment that
// declares what Scaleway documents today:
//
//	request.ip          string     public IP address of the request (private ones: never)
//	request.time        timestamp  time of the request
//	request.user_agent  string     user agent, truncated at 255 characters
//	resource.id         string     ID of the resource the request targets
//	resource.name       string     its name (mutable: prefer the ID)
//	resource.locality   string     its region or zone, or "global"
//
// plus CEL's standard functions. The evidence (read 2026-09):
//
//   - https://www.scaleway.com/en/docs/iam/reference-content/understanding-request-level-conditions/
//     (posted and validated 2026-07-13): the three request.* variables and no function of
//     Scaleway's own. The page's Functions section, which listed inIpRange(ip, subnet), is
//     gone since the docs change of 2026-08-17 (../shared/scaleway-api/BEHAVIOUR.md §10); whether
//     the API still evaluates inIpRange is not recorded.
//   - https://www.scaleway.com/en/docs/iam/reference-content/understanding-resource-level-conditions/
//     (2026-07): resource.name, resource.id, resource.locality, "only supported for a limited
//     set of products" — IAM, Key Manager and Secret Manager (resourceLevelProducts) — and the
//     warning that listing breaks unless the condition also lets requests without a resource
//     through: `|| !has(resource.id)`.
//   - https://www.scaleway.com/en/docs/iam/policies-permissions/understanding-policy-conditions/:
//     the two kinds of conditions, request-level and resource-level.
//
// So inIpRange stays declared (a condition using it still type-checks, and E702 still sees a
// private range in it) but every use is a warning (E705), and no message advises it.
//
// Errors: syntax (E701), request.ip compared with a private, loopback or link-local address or
// range, which the API never sees (E702), resource.name compared with an ID (E703), an
// attribute that does not exist (E704), a resource.* attribute on a rule whose permission sets
// belong to a product without resource-level conditions (E707, condition_resource.go). Warnings: the type
// checker's other complaints (a timestamp compared with a string, an unknown or undocumented
// function) (E705): Scaleway may know functions its documentation does not list; request.ip
// compared with a public range by == or in, which compares strings (E706); a resource-level
// condition without the listing escape (E708). Diagnostics point at the place inside the
// condition, mapped back through the YAML scalar's quoting or block style.

import (
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/ext"
	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// conditionRequest and conditionResource give the checker the attributes' names and types; no
// value of them is ever made (conditions are checked, never evaluated).
type conditionRequest struct {
	IP        string    `cel:"ip"`
	Time      time.Time `cel:"time"`
	UserAgent string    `cel:"user_agent"`
}

type conditionResource struct {
	ID       string `cel:"id"`
	Name     string `cel:"name"`
	Locality string `cel:"locality"`
}

// attributes are the fields of request and resource, for messages and suggestions.
var attributes = map[string][]string{
	"request":  {"ip", "time", "user_agent"},
	"resource": {"id", "locality", "name"},
}

// typeIdents are CEL's type names, which may stand as identifiers (type(x) == string).
var typeIdents = []string{"bool", "bytes", "double", "dyn", "google", "int", "list", "map", "null_type", "string", "type", "uint"}

var conditionEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[conditionRequest](), reflect.TypeFor[conditionResource](), ext.ParseStructTags(true)),
		cel.Variable("request", cel.ObjectType("schema.conditionRequest")),
		cel.Variable("resource", cel.ObjectType("schema.conditionResource")),
		cel.Function("inIpRange", cel.Overload("inIpRange_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType)),
	)
})

// lintCondition checks the condition of the rule at sub (its /condition value) of s, whose
// permission sets are sets.
func (c *checker) lintCondition(s src, sub string, key model.Key, sets []string) {
	ptr := s.ptr + sub
	e := s.f.at(ptr)
	if e.val == nil || e.val.Kind != yaml.ScalarNode || str(e.val) == "" || s.f.isBad(ptr) {
		return
	}
	env, err := conditionEnv()
	if err != nil {
		// The environment is fixed at build time and tested: this is a defect, not the user's.
		c.ds = append(c.ds, Diagnostic{Pos: s.pos(sub), Path: s.path(sub), Key: key, Code: "E705", Severity: SeverityWarning,
			Msg: "conditions cannot be checked: " + err.Error(), Hint: "report this as a bug in iamsync"})
		return
	}
	cond := e.val.Value
	at := scalarPositions(s.f, e.val)
	pos := func(line, col int) model.Pos { return at(runeOffset(cond, line, col)) }
	diag := func(p model.Pos, code string, sev Severity, msg, hint string) {
		c.ds = append(c.ds, Diagnostic{Pos: p, Path: s.path(sub), Key: key, Code: code, Severity: sev, Msg: msg, Hint: hint})
	}
	parsed, iss := env.Parse(cond)
	if iss.Err() != nil {
		// The first error only: the parser's later ones mostly follow from it.
		first := iss.Errors()[0]
		diag(pos(first.Location.Line(), first.Location.Column()), "E701", SeverityError,
			"condition is not valid CEL: "+strings.TrimPrefix(first.Message, "Syntax error: "),
			`conditions are CEL expressions, such as request.ip == '203.0.113.7' && request.user_agent.contains("terraform/")`)
		return
	}
	info := parsed.NativeRep().SourceInfo()
	where := func(e ast.Expr) model.Pos {
		l := info.GetStartLocation(e.ID())
		return pos(l.Line(), l.Column())
	}
	w := &condWalker{where: where, diag: diag}
	w.walk(parsed.NativeRep().Expr(), nil)
	if w.errors > 0 {
		return // the type checker would only say the same again
	}
	if w.resource != nil && checkResourceLevel(w, sets) {
		return
	}
	checked, iss := env.Check(parsed)
	if iss.Err() != nil {
		first := iss.Errors()[0]
		hint := "Scaleway checks only a condition's syntax: one that does not type-check fails, or never matches, when evaluated"
		if name, ok := strings.CutPrefix(first.Message, "undeclared reference to '"); ok {
			name, _, _ = strings.Cut(name, "'")
			hint = fmt.Sprintf("%s is not a function Scaleway documents (it documents CEL's standard ones only); if Scaleway has it, ignore this warning", name)
		}
		diag(pos(first.Location.Line(), first.Location.Column()), "E705", SeverityWarning,
			"condition does not type-check: "+first.Message, hint)
		return
	}
	if t := checked.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		diag(at(0), "E705", SeverityWarning, fmt.Sprintf("condition is a %s, not a boolean", t),
			"a condition must be true or false, such as request.user_agent.contains(\"terraform/\")")
	}
}

// condWalker visits a parsed condition for the attribute errors.
type condWalker struct {
	where  func(ast.Expr) model.Pos
	diag   func(p model.Pos, code string, sev Severity, msg, hint string)
	errors int
	// resource is the first resource.* attribute the condition reads (has() included): the
	// condition is resource-level. escaped records a !has(resource.id), the escape that lets
	// list requests (which target no one resource) through.
	resource ast.Expr
	escaped  bool
}

func (w *condWalker) error(e ast.Expr, code, msg, hint string) {
	w.errors++
	w.diag(w.where(e), code, SeverityError, msg, hint)
}

// attribute returns "request.ip" for the expression request.ip (request and resource not
// shadowed by a comprehension variable), "" for anything else.
func attribute(e ast.Expr, bound []string) string {
	if e.Kind() != ast.SelectKind {
		return ""
	}
	op := e.AsSelect().Operand()
	if op.Kind() != ast.IdentKind || slices.Contains(bound, op.AsIdent()) {
		return ""
	}
	if _, ok := attributes[op.AsIdent()]; !ok {
		return ""
	}
	return op.AsIdent() + "." + e.AsSelect().FieldName()
}

func (w *condWalker) walk(e ast.Expr, bound []string) {
	switch e.Kind() {
	case ast.IdentKind:
		name := e.AsIdent()
		if _, ok := attributes[name]; ok || slices.Contains(bound, name) || slices.Contains(typeIdents, name) {
			return
		}
		w.error(e, "E704", fmt.Sprintf("unknown attribute %s: conditions may use %s", name, knownAttributes()),
			didYouMean(name, allAttributes()))
	case ast.SelectKind:
		sel := e.AsSelect()
		if op := sel.Operand(); op.Kind() == ast.IdentKind && !slices.Contains(bound, op.AsIdent()) {
			if fields, ok := attributes[op.AsIdent()]; ok {
				if op.AsIdent() == "resource" && w.resource == nil {
					w.resource = e
				}
				if !slices.Contains(fields, sel.FieldName()) {
					name := op.AsIdent() + "." + sel.FieldName()
					hint := didYouMean(name, allAttributes())
					if hint == "" {
						hint = "conditions may use " + knownAttributes()
					}
					w.error(op, "E704", fmt.Sprintf("unknown attribute %s: %s has %s", name, op.AsIdent(), strings.Join(fields, ", ")), hint)
				}
				return
			}
		}
		w.walk(sel.Operand(), bound)
	case ast.CallKind:
		w.call(e, bound)
	case ast.ComprehensionKind:
		cp := e.AsComprehension()
		w.walk(cp.IterRange(), bound)
		inner := append(slices.Clone(bound), cp.IterVar(), cp.AccuVar())
		if cp.HasIterVar2() {
			inner = append(inner, cp.IterVar2())
		}
		for _, x := range []ast.Expr{cp.AccuInit(), cp.LoopCondition(), cp.LoopStep(), cp.Result()} {
			w.walk(x, inner)
		}
	case ast.ListKind:
		for _, x := range e.AsList().Elements() {
			w.walk(x, bound)
		}
	case ast.MapKind:
		for _, en := range e.AsMap().Entries() {
			w.walk(en.AsMapEntry().Key(), bound)
			w.walk(en.AsMapEntry().Value(), bound)
		}
	case ast.StructKind:
		for _, f := range e.AsStruct().Fields() {
			w.walk(f.AsStructField().Value(), bound)
		}
	}
}

// call checks the comparisons the lint knows to be mistakes, then visits the arguments.
func (w *condWalker) call(e ast.Expr, bound []string) {
	call := e.AsCall()
	args := call.Args()
	if call.IsMemberFunction() {
		w.walk(call.Target(), bound)
	}
	for _, a := range args {
		w.walk(a, bound)
	}
	if call.FunctionName() == "!_" && len(args) == 1 && args[0].Kind() == ast.SelectKind &&
		args[0].AsSelect().IsTestOnly() && attribute(args[0], bound) == "resource.id" {
		w.escaped = true
	}
	if call.FunctionName() == "inIpRange" && !call.IsMemberFunction() {
		w.diag(w.where(e), "E705", SeverityWarning,
			"inIpRange is not documented any more: Scaleway's request-level conditions page lists no function of its own since 2026-08-17, so whether this rule still matches is unknown",
			"Scaleway documents request.ip with CEL's standard functions only: "+ipRangeAdvice(args))
	}
	if len(args) != 2 {
		return
	}
	var attr string
	var values []ast.Expr
	switch call.FunctionName() {
	case "_==_", "_!=_":
		attr, values = attribute(args[0], bound), []ast.Expr{args[1]}
		if attr == "" {
			attr, values = attribute(args[1], bound), []ast.Expr{args[0]}
		}
	case "@in":
		if attr = attribute(args[0], bound); attr != "" && args[1].Kind() == ast.ListKind {
			values = args[1].AsList().Elements()
		}
	case "inIpRange":
		if !call.IsMemberFunction() && attribute(args[0], bound) == "request.ip" {
			if s, ok := stringLiteral(args[1]); ok {
				if p, err := netip.ParsePrefix(s); err == nil && nonPublic(p) {
					w.error(args[1], "E702", fmt.Sprintf("inIpRange(request.ip, %q) never matches: %s is a private, loopback or link-local range, and Scaleway sees only the public address a request comes from", s, s),
						"give the public range your requests leave from (your NAT gateway or egress addresses)")
				}
			}
		}
		return
	}
	for _, v := range values {
		s, ok := stringLiteral(v)
		if !ok {
			continue
		}
		switch attr {
		case "request.ip":
			if a, err := netip.ParseAddr(s); err == nil && nonPublic(netip.PrefixFrom(a, a.BitLen())) {
				w.error(v, "E702", fmt.Sprintf("request.ip is compared with %s, a private, loopback or link-local address: Scaleway sees only the public address a request comes from, so this never matches", s),
					"compare with the public address your requests leave from (your NAT gateway or egress address)")
			} else if p, err := netip.ParsePrefix(s); err == nil {
				if nonPublic(p) {
					w.error(v, "E702", fmt.Sprintf("request.ip is compared with %s, a private, loopback or link-local range: Scaleway sees only the public address a request comes from, so this never matches", s),
						"give the public range your requests leave from (your NAT gateway or egress addresses)")
				} else {
					// A warning: CEL's == and in compare strings, but Scaleway's evaluation of
					// them is not documented beyond that.
					w.diag(w.where(v), "E706", SeverityWarning, fmt.Sprintf("request.ip is compared with the range %s as a string: an address never equals a range", s),
						rangeAdvice(p))
				}
			}
		case "resource.name":
			if resourceIDRE.MatchString(s) {
				w.error(v, "E703", fmt.Sprintf("resource.name is compared with %q, which is an ID: resource.name holds the resource's name, so this never matches", s),
					"write resource.id instead (an ID also stays the same when the resource is renamed)")
			}
		}
	}
}

func stringLiteral(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().Value().(string)
	return s, ok
}

// resourceIDRE is a Scaleway resource ID, bare or behind its locality (fr-par-1/UUID).
var resourceIDRE = regexp.MustCompile(`^(?:[a-z]{2}-[a-z]{3}(?:-[0-9])?/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// nonPublicRanges are the addresses a request to Scaleway's API never comes from: private
// (RFC 1918, RFC 4193), loopback, link-local, shared (CGNAT, RFC 6598) and "this network".
var nonPublicRanges = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8",
		"fc00::/7", "fe80::/10", "::1/128", "::/128"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// nonPublic reports whether every address of p is one the API never sees.
func nonPublic(p netip.Prefix) bool {
	p = p.Masked()
	addr := p.Addr().Unmap()
	bits := p.Bits()
	if p.Addr().Is4In6() {
		bits -= 96
	}
	for _, r := range nonPublicRanges {
		if r.Addr().BitLen() == addr.BitLen() && bits >= r.Bits() && r.Contains(addr) {
			return true
		}
	}
	return false
}

func allAttributes() []string {
	var out []string
	for obj, fields := range attributes {
		for _, f := range fields {
			out = append(out, obj+"."+f)
		}
	}
	slices.Sort(out)
	return out
}

func knownAttributes() string { return strings.Join(allAttributes(), ", ") }

// runeOffset converts CEL's location (line from 1, column from 0, in code points) to an offset
// in code points from the start of s.
func runeOffset(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		off += utf8.RuneCountInString(s[:i+1])
		s = s[i+1:]
	}
	return off + max(col, 0)
}

// scalarPositions maps each code point of a scalar's value to where it stands in the file. The
// value and the source differ by quoting, escapes, folded line breaks and block indentation;
// walking both and matching equal characters, skipping what only the source has, lands on the
// right column for the characters a diagnostic points at (names and literals).
func scalarPositions(f *file, n *yaml.Node) func(off int) model.Pos {
	start := model.Pos{File: f.name, Line: n.Line, Col: n.Column}
	lines := strings.SplitAfter(string(f.data), "\n")
	if n.Line < 1 || n.Line > len(lines) {
		return func(int) model.Pos { return start }
	}
	// The source from the scalar's start to the end of the file, as code points with positions.
	type at struct {
		r    rune
		line int
		col  int
	}
	var src []at
	for li := n.Line - 1; li < len(lines); li++ {
		col := 1
		for _, r := range lines[li] {
			if li > n.Line-1 || col >= n.Column {
				src = append(src, at{r, li + 1, col})
			}
			col++
		}
	}
	j := 0
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		for j < len(src) && src[j].line == n.Line { // the | or > header line
			j++
		}
	case n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		j++
	}
	value := []rune(n.Value)
	pos := make([]model.Pos, len(value)+1)
	last := start
	for i := 0; i < len(value); {
		if j >= len(src) {
			pos[i] = last
			i++
			continue
		}
		cur := model.Pos{File: f.name, Line: src[j].line, Col: src[j].col}
		v, s := value[i], src[j].r
		switch {
		case v == s:
			pos[i], last = cur, cur
			i++
			j++
		case v == ' ' || v == '\n' || v == '\t':
			pos[i] = cur // a folded line break, or an escape the source spells out
			i++
		case s == ' ' || s == '\t' || s == '\n' || s == '\r' || s == '\\' || s == '\'' || s == '"':
			j++
		default:
			pos[i], last = cur, cur
			i++
			j++
		}
	}
	end := last // just past the value, where "unexpected end of input" points
	if len(value) > 0 {
		end.Col++
	}
	pos[len(value)] = end
	return func(off int) model.Pos {
		if off < 0 || off >= len(pos) {
			return last
		}
		return pos[off]
	}
}
