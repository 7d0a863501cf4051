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
)

// Writing the whole secrets file once per new key (read, merge, temp file, fsync, rename) costs
// O(n) per key and O(n²) per apply: 14.4 s of CPU for 2,000 keys (issue 11). An Appender keeps
// the promise that a key's secret is durable before the next action runs at O(1) per key:
//
//  1. its first write of a run is a whole, atomic rewrite of the file, as before, which proves
//     the file can be written and parsed before any secret depends on it (a secrets file that
//     cannot be written still gets the new key deleted, at once);
//  2. each later write appends one line per entry to the secrets journal beside the file
//     (SECRETS.journal, 0600) and fsyncs it before returning;
//  3. Close folds the journal into the file (one atomic rewrite) and removes it.
//
// Every reader of the file (File.Get, AccessKeys, the next PutAll) reads the journal too, so
// a run killed between 2 and 3 loses nothing: its secrets are in the journal, the next apply
// folds it before anything else (apply.Run), and until then every iamsync reader sees them. A
// line torn by the kill (no final newline) was never acknowledged and is ignored; a damaged
// line before the last is refused, naming the journal and the line. Folding is idempotent:
// applying the journal to a file that already holds it changes nothing, so a kill between the
// rewrite and the removal is harmless.

// JournalPath is the secrets journal of the secrets file at path.
func JournalPath(path string) string { return path + ".journal" }

// record is one journal line: an entry stored (an API key's pair, or a member's login), or
// (Forget) an entry removed if it still holds AccessKey (for a member's login: its email).
type record struct {
	Name      string `json:"name"`
	AccessKey string `json:"access_key,omitempty"`
	SecretKey string `json:"secret_key,omitempty"`
	Email     string `json:"email,omitempty"`
	Password  string `json:"password,omitempty"`
	// TokenID and BearerToken: a SCIM token.
	TokenID     string `json:"token_id,omitempty"`
	BearerToken string `json:"bearer_token,omitempty"`
	Forget      bool   `json:"forget,omitempty"`
}

func recordOf(name string, c Credentials) record {
	return record{Name: name, AccessKey: c.AccessKey, SecretKey: c.SecretKey.Reveal(), Email: c.Email, Password: c.Password.Reveal(),
		TokenID: c.TokenID, BearerToken: c.BearerToken.Reveal()}
}

// Appender writes a secrets file through its journal (see above). It is safe for concurrent
// use; processes sharing the file are serialised by Lock.
type Appender struct {
	f       *File
	mu      sync.Mutex
	checked bool     // the first, whole write of the run succeeded
	journal *os.File // open for appending once the first append happened
	broken  error    // a failed append that could not be undone: every later write fails
}

// Appender returns an Appender of the file.
func (f *File) Appender() *Appender { return &Appender{f: f} }

// Concurrent tells apply that PutAll may be called from several goroutines at once.
func (a *Appender) Concurrent() bool { return true }

// PutAll stores the entries durably: in the file for the run's first write, else in the
// journal.
func (a *Appender) PutAll(entries map[string]Credentials) error {
	recs := make([]record, 0, len(entries))
	for name, c := range entries {
		recs = append(recs, recordOf(name, c))
	}
	return a.write(recs)
}

// Forget removes the entry name if it still holds holds: the access key of a key this run
// stored and then deleted again, or the email of a member whose password this run stored but
// cannot vouch for.
func (a *Appender) Forget(name, holds string) error {
	return a.write([]record{{Name: name, AccessKey: holds, Forget: true}})
}

func (a *Appender) write(recs []record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.broken != nil {
		return a.broken
	}
	if !a.checked {
		if err := a.f.rewrite(recs); err != nil {
			return err
		}
		a.checked = true
		return nil
	}
	var buf bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return a.appendLocked(buf.Bytes())
}

func (a *Appender) appendLocked(data []byte) error {
	path := JournalPath(a.f.Path)
	if a.journal == nil {
		_, statErr := os.Lstat(path)
		j, err := openPrivate(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, false)
		var refused *UnsafeFileError
		if errors.As(err, &refused) {
			return err
		}
		if err != nil {
			return fmt.Errorf("write the secrets journal %s: %w", path, err)
		}
		if errors.Is(statErr, fs.ErrNotExist) {
			// A new file's name must survive a power loss too, not only its content.
			syncDir(filepath.Dir(path))
		}
		a.journal = j
	}
	st, err := a.journal.Stat()
	if err != nil {
		return fmt.Errorf("write the secrets journal %s: %w", path, err)
	}
	if _, err := a.journal.Write(data); err != nil {
		// Undo a partial line, which would otherwise sit before the next one as damage.
		if terr := a.journal.Truncate(st.Size()); terr != nil {
			a.broken = fmt.Errorf("the secrets journal %s could not be repaired after a failed write (%v): fix the disk, then run apply again (it folds the journal first)", path, terr)
		}
		return fmt.Errorf("write the secrets journal %s: %w", path, err)
	}
	if err := a.journal.Sync(); err != nil {
		a.broken = fmt.Errorf("the secrets journal %s could not be synced (%v): fix the disk, then run apply again (it folds the journal first)", path, err)
		return a.broken
	}
	return nil
}

// Close folds the journal into the file and removes it. After an error the secrets are still
// durable in the journal, and the next apply (or Fold) folds them.
func (a *Appender) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.journal == nil {
		return nil
	}
	err := a.journal.Close()
	a.journal = nil
	if ferr := a.f.Fold(); ferr != nil {
		return ferr
	}
	return err
}

// Fold merges a journal left beside the file (by a killed run, or a failed Close) into the
// file atomically and removes it; without a journal it does nothing.
func (f *File) Fold() error {
	if _, err := os.Lstat(JournalPath(f.Path)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := f.rewrite(nil); err != nil {
		return fmt.Errorf("fold the secrets journal %s into %s: %w", JournalPath(f.Path), f.Path, err)
	}
	return nil
}

// rewrite reads the file and its journal, applies recs, writes the file atomically and
// removes the journal (now held by the file).
func (f *File) rewrite(recs []record) error {
	doc, err := f.read()
	if err != nil {
		return err
	}
	for _, r := range recs {
		doc.apply(r)
	}
	data, err := doc.encode(f.Format)
	if err != nil {
		return fmt.Errorf("encode secrets file %s: %w", f.Path, err)
	}
	if err := WriteAtomic(f.Path, data, 0o600); err != nil {
		return err
	}
	if err := os.Remove(JournalPath(f.Path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the secrets journal (folded into %s): %w", f.Path, err)
	}
	f.removeStaleTemps()
	return nil
}

func (d *document) apply(r record) {
	if !r.Forget {
		d.set(r.Name, Credentials{AccessKey: r.AccessKey, SecretKey: New(r.SecretKey), Email: r.Email, Password: New(r.Password),
			TokenID: r.TokenID, BearerToken: New(r.BearerToken)})
		return
	}
	if c, ok := d.get(r.Name); !ok || c.holds() != r.AccessKey {
		return
	}
	if d.flat != nil {
		for _, suffix := range []string{"_ACCESS_KEY", "_SECRET_KEY", "_EMAIL", "_PASSWORD", "_TOKEN_ID", "_BEARER_TOKEN"} {
			delete(d.flat, r.Name+suffix)
		}
		return
	}
	delete(d.entries, r.Name)
}

// readJournal applies the journal beside the file to d, in order.
func (f *File) readJournal(d *document) error {
	path := JournalPath(f.Path)
	data, err := readPrivate(path, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var refused *UnsafeFileError
	if errors.As(err, &refused) {
		return err
	}
	if err != nil {
		return fmt.Errorf("read the secrets journal: %w", err)
	}
	for n := 1; len(data) > 0; n++ {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		data = rest
		var r record
		if err := json.Unmarshal(line, &r); err != nil || r.Name == "" || (r.AccessKey == "" && r.Email == "" && r.TokenID == "") {
			if !complete {
				break // torn by a kill mid-write: never acknowledged
			}
			// Never quote the line: it holds a secret.
			return fmt.Errorf("the secrets journal %s is damaged at line %d; move it away and check its entries by hand (it holds secrets), then run apply again", path, n)
		}
		d.apply(r)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
