package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed iamsync.schema.json
var schemaJSON []byte

// schemaURL is the schema's $id; the compiler reports keyword locations under it.
const schemaURL = "https://github.com/iamsync/iamsync/schema/iamsync.schema.json"

// JSON returns the manifests' JSON Schema (draft 2020-12), as printed by 'iamsync schema'.
func JSON() []byte { return slices.Clone(schemaJSON) }

// compiled is the schema, compiled once. The embedded file is tested, so failing here is a
// build defect, reported rather than panicking.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(schemaURL, bytes.NewReader(schemaJSON)); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	return s, nil
})

// raw is the schema as plain JSON, read to explain errors: property names for "did you mean",
// required fields, and the errorMessage texts (a keyword editors such as yaml-language-server show
// too, so the editor and 'iamsync validate' say the same thing).
var raw = sync.OnceValue(func() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(schemaJSON, &m) // the compile above and the tests prove it parses
	return m
})

// rawAt returns the schema object at a JSON pointer fragment such as /$defs/rule/allOf/0.
func rawAt(frag string) map[string]any {
	var cur any = raw()
	if frag != "" {
		for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
			switch c := cur.(type) {
			case map[string]any:
				cur = c[seg]
			case []any:
				i := 0
				if _, err := fmt.Sscan(seg, &i); err != nil || i < 0 || i >= len(c) {
					return nil
				}
				cur = c[i]
			default:
				return nil
			}
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// propertyNames lists the properties a schema object allows, sorted.
func propertyNames(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// description is the first description along s's $ref chain: a property may describe itself
// or inherit the description of the schema it refers to.
func description(s map[string]any) string {
	for range 10 {
		if d, ok := s["description"].(string); ok {
			return d
		}
		ref, ok := s["$ref"].(string)
		if !ok {
			return ""
		}
		if s = rawAt(strings.TrimPrefix(ref, "#")); s == nil {
			return ""
		}
	}
	return ""
}
