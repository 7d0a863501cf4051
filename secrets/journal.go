package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A key's secret exists only in the API's answer to its creation. If the process dies between
// that answer and the secrets-file write (SIGKILL, OOM, a runner pulled away), the key lives
// on with a secret nobody has. The journal is how the next run finds such a key without a state
// file: before every key creation, an Intent naming the key's application and description
// (iamsync's ownership marker makes it unique to one declared key) is written next to the
// secrets file, and the run removes the journal when it ends. A journal found at start-up
// therefore lists the creations of a run that never finished: any live key matching one of its
// intents whose access key is not in the secrets file had its secret lost, and is deleted so
// the plan creates it again. Keys that existed before the intent (Exclude) are never touched.
// The journal holds no secret.
//
// SCIM tokens have the same hazard (their bearer is answered once) and no name or description
// to find them by: their intent names the SCIM configuration (SCIMID) and the tokens that
// existed before (Exclude); a live token of that configuration that is neither excluded nor in
// the secrets file is the dead run's, and is deleted so the plan creates it again.

// Intent is one key creation about to happen.
type Intent struct {
	ApplicationID string `json:"application_id"`
	// SCIMID, set instead of ApplicationID, makes this a SCIM token's creation (Description is
	// then "SCIM token": the token has none to match).
	SCIMID      string    `json:"scim_id,omitempty"`
	Description string    `json:"description"`
	Exclude     []string  `json:"exclude,omitempty"` // access keys (token IDs) of matching keys (tokens) that existed before
	At          time.Time `json:"at"`
	// KeepOld is the run's grace period for a key its new one replaces (--keep-old): a dead
	// run's half-done replacement is finished the way it would have been.
	KeepOld time.Duration `json:"keep_old,omitempty"`
	// StoredAccessKey, alone, marks a key (or a SCIM token's ID) whose secret reached a store
	// other than the secrets file (MarkStored): the file cannot tell the next run that it was
	// stored.
	StoredAccessKey string `json:"stored_access_key,omitempty"`
}

// Journal is the file of pending key creations beside a secrets file (PATH.pending). Its
// methods are safe for concurrent use (apply creates keys in parallel); processes sharing it
// are serialised by Lock.
type Journal struct {
	Path string
	mu   sync.Mutex
	f    *os.File // open for appending after the first Add
}

// JournalFor returns the journal of the secrets file at path.
func JournalFor(path string) *Journal { return &Journal{Path: path + ".pending"} }

// Read returns the pending intents (none when there is no journal).
func (j *Journal) Read() ([]Intent, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	all, err := j.read()
	var out []Intent
	for _, in := range all {
		if in.StoredAccessKey == "" {
			out = append(out, in)
		}
	}
	return out, err
}

// Stored returns the access keys marked stored (MarkStored).
func (j *Journal) Stored() (map[string]bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	all, err := j.read()
	out := map[string]bool{}
	for _, in := range all {
		if in.StoredAccessKey != "" {
			out[in.StoredAccessKey] = true
		}
	}
	return out, err
}

// MarkStored records, durably, that accessKey's secret (or a SCIM token's bearer, by the
// token's ID) is in the store.
func (j *Journal) MarkStored(accessKey string) error {
	return j.Add(Intent{StoredAccessKey: accessKey, At: time.Now().UTC()})
}

func (j *Journal) read() ([]Intent, error) {
	data, err := readPrivate(j.Path, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var refused *UnsafeFileError
	if errors.As(err, &refused) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read the pending-keys journal: %w", err)
	}
	invalid := func(err error) error {
		return fmt.Errorf("the pending-keys journal %s is not valid JSON (%v): move it away after checking its keys by hand", j.Path, err)
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		// The format before issue 11: one JSON array, rewritten whole per intent.
		var out []Intent
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, invalid(err)
		}
		return out, nil
	}
	var out []Intent
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var in Intent
		if err := json.Unmarshal(line, &in); err != nil {
			if !complete {
				// Torn by a kill mid-append: that creation never started (Add had not returned).
				break
			}
			return nil, invalid(err)
		}
		out = append(out, in)
	}
	return out, nil
}

// Add appends an intent, durably, before the creation it announces: one line, fsynced (O(1)
// per key; the whole file was rewritten per key before issue 11).
func (j *Journal) Add(in Intent) error { return j.AddAll([]Intent{in}) }

// AddAll appends several intents with one fsync: apply announces a phase's key creations
// together before starting any of them, so that a key costs one sync (its secret's), not two.
func (j *Journal) AddAll(ins []Intent) error {
	if len(ins) == 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var lines []byte
	for _, in := range ins {
		line, err := json.Marshal(in)
		if err != nil {
			return err
		}
		lines = append(append(lines, line...), '\n')
	}
	if j.f == nil {
		_, statErr := os.Lstat(j.Path)
		f, err := openPrivate(j.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, false)
		var refused *UnsafeFileError
		if errors.As(err, &refused) {
			return err
		}
		if err != nil {
			return fmt.Errorf("write the pending-keys journal: %w", err)
		}
		if errors.Is(statErr, fs.ErrNotExist) {
			syncDir(filepath.Dir(j.Path))
		}
		j.f = f
	}
	st, err := j.f.Stat()
	if err == nil {
		if _, err = j.f.Write(lines); err != nil {
			_ = j.f.Truncate(st.Size()) // no partial line before the next one
		}
	}
	if err == nil {
		err = j.f.Sync()
	}
	if err != nil {
		j.closeLocked()
		return fmt.Errorf("write the pending-keys journal: %w", err)
	}
	return nil
}

// Close releases the journal's file (it stays on disk).
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.closeLocked()
}

func (j *Journal) closeLocked() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Clear removes the journal: every creation it announced has been settled.
func (j *Journal) Clear() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.closeLocked()
	if err := os.Remove(j.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the pending-keys journal: %w", err)
	}
	return nil
}

// AccessKeys returns the access key of every entry of the file, mapped to the entry's name.
func (f *File) AccessKeys() (map[string]string, error) { return f.idsOf("_ACCESS_KEY", "access_key") }

// TokenIDs returns the SCIM token ID of every entry of the file, mapped to the entry's name.
func (f *File) TokenIDs() (map[string]string, error) { return f.idsOf("_TOKEN_ID", "token_id") }

// idsOf maps the value of every entry's field (NAME+suffix in dotenv) to the entry's name.
func (f *File) idsOf(suffix, field string) (map[string]string, error) {
	doc, err := f.read()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if doc.flat != nil {
		for k, v := range doc.flat {
			if name, ok := cutSuffix(k, suffix); ok && v != "" {
				out[v] = name
			}
		}
		return out, nil
	}
	for name, e := range doc.entries {
		if id := e[field]; id != "" {
			out[id] = name
		}
	}
	return out, nil
}

func cutSuffix(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)], true
	}
	return "", false
}
