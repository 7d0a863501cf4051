package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/iamsync/iamsync/model"
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

// actionJSON is Action's wire form: Action's own fields (actionFields has no methods, so this
// does not recurse), then the resource as a plain object, decoded by kind.
type actionFields Action

type actionJSON struct {
	actionFields
	Resource json.RawMessage `json:"resource,omitempty"`
}

// MarshalJSON writes a with its resource under "resource".
func (a Action) MarshalJSON() ([]byte, error) {
	w := actionJSON{actionFields: actionFields(a)}
	if a.Resource != nil {
		b, err := json.Marshal(a.Resource)
		if err != nil {
			return nil, err
		}
		w.Resource = b
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads an action written by MarshalJSON, strictly: unknown fields are refused
// here too, since a plan only half understood must not be applied.
func (a *Action) UnmarshalJSON(b []byte) error {
	var w actionJSON
	if err := strictDecode(b, &w); err != nil {
		return err
	}
	*a = Action(w.actionFields)
	if len(w.Resource) == 0 || string(w.Resource) == "null" {
		return nil
	}
	r, err := model.NewResource(w.Key.Kind)
	if err != nil {
		return err
	}
	if err := strictDecode(w.Resource, r); err != nil {
		return fmt.Errorf("resource: %w", err)
	}
	a.Resource = r
	return nil
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// check verifies the invariants Diff guarantees, so that apply can rely on them.
func (a Action) check() error {
	switch {
	case a.Op == 0:
		return errors.New("no op")
	case a.Op == Delete && a.Resource != nil:
		return errors.New("a delete carries no resource")
	case a.Op != Delete && a.Resource == nil:
		return fmt.Errorf("a %s carries the resource", a.Op)
	case a.Resource != nil && a.Resource.Key() != a.Key:
		return fmt.Errorf("the resource is %s, not %s", a.Resource.Key(), a.Key)
	case a.Op != Create && a.ID == "":
		return fmt.Errorf("a %s needs the live ID", a.Op)
	}
	return nil
}
