package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/iamsync/iamsync/model"
)

// ownerCodes gives a specific code to errors of a schema object whose meaning is more precise than
// its keyword's (an enum failure on a permission set is an unknown permission set).
var ownerCodes = map[string]string{
	"/$defs/permissionSet":                   "E501",
	"/$defs/auditRule":                       "E208",
	"/$defs/rule/allOf/0":                    "E504",
	"/$defs/rule/properties/permission_sets": "E505",
	"/$defs/principal/then":                  "E507",
	"/$defs/principal/else":                  "E507",
	"/$defs/tag/allOf/0":                     "E207",
	"/$defs/tags/allOf/0":                    "E209",
	"/$defs/expiry":                          "E206",
	"/$defs/policy/properties/rules":         "E505",
	"/$defs/rule/properties/projects":        "E204",
	"/$defs/rule/properties/organization":    "E204",
	"/properties/version":                    "E204",
}

// schemaDiagnostics validates f against the embedded schema and turns each failure into a
// diagnostic at the YAML node it concerns.
func schemaDiagnostics(f *file) []Diagnostic {
	s, err := compiled()
	if err != nil {
		return []Diagnostic{{Pos: f.pos(""), Code: "E100", Severity: SeverityError, Msg: err.Error(), Hint: "this is a bug in iamsync; please report it"}}
	}
	err = s.Validate(f.doc)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return []Diagnostic{{Pos: f.pos(""), Code: "E204", Severity: SeverityError, Msg: err.Error()}}
	}
	var ds []Diagnostic
	walkSchemaError(f, ve, &ds)
	return ds
}

// walkSchemaError descends to the failures that explain themselves. It stops at oneOf, anyOf and
// not, whose branch failures would only confuse ("missing organization", "missing projects"): the
// schema object holding them carries an errorMessage that says what to do instead.
func walkSchemaError(f *file, e *jsonschema.ValidationError, ds *[]Diagnostic) {
	_, frag, _ := strings.Cut(e.AbsoluteKeywordLocation, "#")
	kw := frag[strings.LastIndexByte(frag, '/')+1:]
	if len(e.Causes) > 0 && kw != "oneOf" && kw != "anyOf" && kw != "not" {
		for _, c := range e.Causes {
			walkSchemaError(f, c, ds)
		}
		return
	}
	owner := parentPtr(frag)
	if f.deferCatalog && kw == "enum" && owner == "/$defs/permissionSet" {
		return // CheckCatalog judges it against the live catalogue
	}
	if kw != "additionalProperties" && kw != "required" {
		f.markBad(e.InstanceLocation)
	}
	*ds = append(*ds, translate(f, e, kw, owner)...)
}

func translate(f *file, e *jsonschema.ValidationError, kw, owner string) []Diagnostic {
	ptr := e.InstanceLocation
	ent := f.at(ptr)
	sch := rawAt(owner)
	custom, _ := sch["errorMessage"].(string)
	code := ownerCodes[owner]
	d := Diagnostic{Pos: f.pos(ptr), Path: f.path(ptr), Key: f.keyFor(ptr), Code: code, Severity: SeverityError}
	field := fieldName(ptr)
	switch kw {
	case "additionalProperties":
		allowed := propertyNames(sch)
		props, _ := sch["properties"].(map[string]any)
		var out []Diagnostic
		if ent.val == nil || ent.val.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(ent.val.Content); i += 2 {
			k := ent.val.Content[i].Value
			if _, ok := props[k]; ok {
				continue
			}
			kp := ptr + "/" + escapePtr(k)
			hint := didYouMean(k, allowed)
			if hint == "" {
				hint = "allowed here: " + strings.Join(allowed, ", ")
			}
			out = append(out, Diagnostic{Pos: f.keyPos(kp), Path: f.path(kp), Key: d.Key, Code: "E201", Severity: SeverityError,
				Msg: fmt.Sprintf("unknown field %q", k), Hint: hint})
		}
		return out
	case "required":
		req, _ := sch["required"].([]any)
		var out []Diagnostic
		for _, r := range req {
			name, _ := r.(string)
			if ent.val != nil && hasKey(ent.val, name) {
				continue
			}
			what := "the manifest"
			if ptr != "" {
				what = d.Path
			}
			out = append(out, Diagnostic{Pos: d.Pos, Path: d.Path, Key: d.Key, Code: "E202", Severity: SeverityError,
				Msg: fmt.Sprintf("%s has no %s", what, name), Hint: requiredHint(sch, name)})
		}
		return out
	case "type":
		d.Code = "E203"
		d.Msg, d.Hint = typeMessage(field, e.Message, ent.val)
		// Quoting only helps when the quoted text is valid: "90" is still not a duration.
		if pat, ok := sch["pattern"].(string); ok && ent.val != nil && strings.HasPrefix(d.Hint, "quote") {
			if re, err := regexp.Compile(pat); err == nil && !re.MatchString(ent.val.Value) {
				d.Hint = ""
			}
		}
		if d.Hint == "" {
			d.Hint = custom
		}
		return []Diagnostic{d}
	case "uniqueItems":
		// The validator stops at the first repeat; report each one.
		if ent.val != nil && ent.val.Kind == yaml.SequenceNode {
			var out []Diagnostic
			first := map[string]*yaml.Node{}
			for j, item := range ent.val.Content {
				if item.Kind != yaml.ScalarNode {
					continue
				}
				k := item.Tag + "\x00" + item.Value
				if f0, ok := first[k]; ok {
					ip := fmt.Sprintf("%s/%d", ptr, j)
					out = append(out, Diagnostic{Pos: f.pos(ip), Path: f.path(ip), Key: d.Key, Code: "E205", Severity: SeverityError,
						Msg: fmt.Sprintf("%s lists %q twice (first at line %d, column %d)", field, item.Value, f0.Line, f0.Column), Hint: "remove one of them"})
					continue
				}
				first[k] = item
			}
			if len(out) > 0 {
				return out
			}
		}
		d.Code, d.Msg = "E205", field+" lists the same item twice"
		return []Diagnostic{d}
	case "enum":
		v := ""
		if ent.val != nil {
			v = ent.val.Value
		}
		if owner == "/$defs/permissionSet" {
			d.Msg = fmt.Sprintf("unknown permission set %q", v)
			d.Hint = didYouMean(v, permissionSetNames())
			if d.Hint == "" {
				d.Hint = "'iamsync schema --permission-sets' lists the permission sets"
			}
			return []Diagnostic{d}
		}
		if owner == "/$defs/auditRule" {
			d.Msg = fmt.Sprintf("unknown audit rule %q", v)
			d.Hint = didYouMean(v, AuditRuleIDs())
			if d.Hint == "" {
				d.Hint = "audit rule IDs are listed in audit/README.md: " + strings.Join(AuditRuleIDs(), ", ")
			}
			return []Diagnostic{d}
		}
		d.Msg = fmt.Sprintf("%q is not allowed here", v)
	case "maxItems":
		if owner == "/$defs/tags/allOf/0" && ent.val != nil {
			// At the tags: key, where a block list would otherwise be reported at its first item.
			d.Pos = f.keyPos(ptr)
			d.Code, d.Msg = "E209", fmt.Sprintf("%d tags, more than the 9 a manifest may give", len(ent.val.Content))
			d.Hint = "Scaleway allows 10 tags per resource and iamsync adds its ownership tag (iamsync-stack=STACK): keep 9 at most"
			return []Diagnostic{d}
		}
	case "maxLength":
		if custom != "" && ent.val != nil {
			custom = fmt.Sprintf("%s (this one has %d)", custom, utf8.RuneCountInString(ent.val.Value))
		}
	}
	if d.Code == "" {
		switch kw {
		case "oneOf", "anyOf", "not", "minProperties", "maxProperties":
			d.Code = "E206"
		default:
			d.Code = "E204"
		}
	}
	if d.Msg == "" {
		d.Msg = custom
	}
	if d.Msg == "" {
		d.Msg = field + ": " + e.Message
	}
	return []Diagnostic{d}
}

func hasKey(m *yaml.Node, k string) bool {
	if m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == k {
			return true
		}
	}
	return false
}

// requiredHint explains a missing field from the schema's own description of it.
func requiredHint(sch map[string]any, name string) string {
	props, _ := sch["properties"].(map[string]any)
	p, _ := props[name].(map[string]any)
	if c, ok := p["const"]; ok {
		return fmt.Sprintf("add %s: %v", name, c)
	}
	desc := description(p)
	if i := strings.Index(desc, ". "); i >= 0 {
		desc = desc[:i+1]
	}
	desc = strings.TrimSuffix(desc, ".")
	if desc == "" {
		return "add " + name + ":"
	}
	return fmt.Sprintf("add %s: (%s%s)", name, strings.ToLower(desc[:1]), desc[1:])
}

// fieldName is the last field name of a JSON pointer: the name a user wrote, even for a list item.
func fieldName(ptr string) string {
	segs := strings.Split(ptr, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if s == "" {
			continue
		}
		if s[0] >= '0' && s[0] <= '9' {
			continue
		}
		return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return "the manifest"
}

// typeMessage turns "expected string, but got number" into what to write instead.
func typeMessage(field, msg string, n *yaml.Node) (string, string) {
	want, got, _ := strings.Cut(strings.TrimPrefix(msg, "expected "), ", but got ")
	nice := func(t string) string {
		switch t {
		case "object":
			return "a mapping"
		case "array":
			return "a list"
		case "string":
			return "a string"
		case "number", "integer":
			return "a number"
		case "boolean":
			return "true or false"
		case "null":
			return "empty"
		}
		return t
	}
	var wants []string
	for _, w := range strings.Split(want, " or ") {
		wants = append(wants, nice(w))
	}
	m := fmt.Sprintf("%s must be %s, not %s", field, strings.Join(wants, " or "), nice(got))
	switch {
	case got == "null":
		return fmt.Sprintf("%s is empty", field), "give it a value or remove the line"
	case want == "string" && n != nil && n.Kind == yaml.ScalarNode:
		return m, fmt.Sprintf("quote the value: %s: %q", field, n.Value)
	case want == "array" && n != nil && n.Kind == yaml.ScalarNode:
		return m, fmt.Sprintf("write a list: %s: [%s]", field, n.Value)
	}
	return m, ""
}

// keyFor names the resource a JSON pointer falls in, when its name can be read, so that schema
// errors carry a Key like the set-level checks do.
func (f *file) keyFor(ptr string) model.Key {
	segs := strings.Split(ptr, "/")
	if len(segs) < 3 {
		return model.Key{}
	}
	name := func(p string) string { return str(field(f.at(p).val, "name")) }
	base := "/" + segs[1] + "/" + segs[2]
	switch segs[1] {
	case "applications":
		if len(segs) >= 5 && segs[3] == "api_keys" {
			return model.Key{Kind: model.KindAPIKey, Parent: name(base), Name: name(base + "/api_keys/" + segs[4])}
		}
		return model.Key{Kind: model.KindApplication, Name: name(base)}
	case "groups":
		return model.Key{Kind: model.KindGroup, Name: name(base)}
	case "policies":
		return model.Key{Kind: model.KindPolicy, Name: name(base)}
	case "api_keys":
		return model.Key{Kind: model.KindAPIKey, Parent: str(field(f.at(base).val, "application")), Name: name(base)}
	}
	return model.Key{}
}
