package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// Intent is one key creation about to happen.
type Intent struct {
	ApplicationID string    `json:"application_id"`
	Description   string    `json:"description"`
	Exclude       []string  `json:"exclude,omitempty"` // access keys of matching keys that existed before
	At            time.Time `json:"at"`
	// KeepOld is the run's grace period for a key its new one replaces (--keep-old): a dead
	// run's half-done replacement is finished the way it would have been.
	KeepOld time.Duration `json:"keep_old,omitempty"`
}

// Journal is the file of pending key creations beside a secrets file (PATH.pending). Its
// methods are safe for concurrent use (apply creates keys in parallel); processes sharing it
// are serialised by Lock.
type Journal struct {
	Path string
	mu   sync.Mutex
}

// JournalFor returns the journal of the secrets file at path.
func JournalFor(path string) *Journal { return &Journal{Path: path + ".pending"} }

// Read returns the pending intents (none when there is no journal).
func (j *Journal) Read() ([]Intent, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.read()
}

func (j *Journal) read() ([]Intent, error) {
	data, err := os.ReadFile(j.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the pending-keys journal: %w", err)
	}
	var out []Intent
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("the pending-keys journal %s is not valid JSON (%v): move it away after checking its keys by hand", j.Path, err)
	}
	return out, nil
}

// Add appends an intent, durably, before the creation it announces.
func (j *Journal) Add(in Intent) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	cur, err := j.read()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(append(cur, in), "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(j.Path, append(data, '\n'), 0o600)
}

// Clear removes the journal: every creation it announced has been settled.
func (j *Journal) Clear() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := os.Remove(j.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the pending-keys journal: %w", err)
	}
	return nil
}

// AccessKeys returns the access key of every entry of the file, mapped to the entry's name.
func (f *File) AccessKeys() (map[string]string, error) {
	doc, err := f.read()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if doc.flat != nil {
		for k, v := range doc.flat {
			if name, ok := cutSuffix(k, "_ACCESS_KEY"); ok && v != "" {
				out[v] = name
			}
		}
		return out, nil
	}
	for name, e := range doc.entries {
		if ak := e["access_key"]; ak != "" {
			out[ak] = name
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
