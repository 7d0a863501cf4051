package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WriteJSON writes p as indented JSON (FORMAT.md), the form saved by plan --out and read back
// by Read.
func (p *Plan) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("encode plan: %w", err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// Read decodes a plan written by WriteJSON. It refuses another format version, and unknown
// fields, rather than apply a plan it only half understands.
func Read(r io.Reader) (*Plan, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var probe struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("read plan: not a JSON plan: %w", err)
	}
	switch {
	case probe.FormatVersion == nil:
		return nil, errors.New("read plan: no format_version: not a plan written by iamsync")
	case *probe.FormatVersion != FormatVersion:
		return nil, fmt.Errorf("read plan: format version %d is not supported (this iamsync reads version %d): run plan again with this version", *probe.FormatVersion, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	for i, a := range p.Actions {
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("read plan: action %d (%s): %w", i+1, a.Key, err)
		}
	}
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	if p.Conflicts == nil {
		p.Conflicts = []Conflict{}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	return &p, nil
}

// check verifies the invariants Diff guarantees, so that apply can rely on them.
func (a Action) check() error {
	n := 0
	for _, set := range []bool{a.Application != nil, a.Group != nil, a.Policy != nil, a.APIKey != nil} {
		if set {
			n++
		}
	}
	switch {
	case a.Op == 0:
		return errors.New("no op")
	case a.Op == Delete && n != 0:
		return errors.New("a delete carries no resource")
	case a.Op != Delete && n != 1:
		return fmt.Errorf("a %s carries exactly one resource, not %d", a.Op, n)
	case a.Op != Create && a.ID == "":
		return fmt.Errorf("a %s needs the live ID", a.Op)
	}
	return nil
}
