package emulator

// Persistence: a snapshot plus a journal of the writes made since.
//
// Options.StatePath holds a snapshot of the whole state; StatePath+".journal" holds, one line
// each, every write request answered with success since that snapshot. A write is appended
// under the state lock (so the journal's order is the execution order) and fsynced before its
// answer leaves; concurrent writers share an fsync (group commit). Per write that is one
// append and one fsync whatever the state's size, where re-encoding the whole state made an
// apply of N resources cost O(N²).
//
// The journal records requests, not their effects: replaying one through its handler with
// its recorded clock, caller key, address and user agent rebuilds exactly what it did
// (IDs derive from the seed and a counter, not from chance), and every handler was written to
// change nothing when it fails. Each line carries the answer's status and a hash of its
// body, so a replay that comes out differently (a journal written by another emulator
// version) stops the load with an error instead of silently giving another state.
//
// Crash safety: each line is "CRC32 JSON\n". At load, the lines after the snapshot's
// journal_seq are replayed in order; the first line that is incomplete or fails its CRC
// ends the journal. Only writes not yet acknowledged can be there (acknowledged ones were
// fsynced, and everything before them too), so a torn tail loses nothing that was promised.
// The snapshot is written at Close, at start-up after a replay, by the test helpers, and
// whenever the journal outgrows the snapshot (so the journal stays small and the amortized
// cost per write stays constant): temp file, fsync, rename, directory fsync, and only then
// is the journal truncated. A crash between the two leaves lines the snapshot already holds;
// their sequence numbers say so and they are skipped.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// minCheckpointBytes is the journal size under which no checkpoint is taken for size alone.
const minCheckpointBytes = 8 << 20

// journalEntry is one acknowledged write.
type journalEntry struct {
	Seq       uint64    `json:"seq"`
	Now       time.Time `json:"now"`
	Method    string    `json:"method"`
	URL       string    `json:"url"` // path and raw query
	AccessKey string    `json:"access_key"`
	RemoteIP  string    `json:"remote_ip"`
	UserAgent string    `json:"user_agent,omitempty"`
	Body      []byte    `json:"body,omitempty"`
	Status    int       `json:"status"`
	Answer    string    `json:"answer"` // hash of the answer's body
}

// journal is the open journal file and its commit bookkeeping.
type journal struct {
	path string
	f    *os.File
	// size is the file's length; appended is the last sequence number written to it. Both
	// change under Server.mu; appended is read without it by sync.
	size     int64
	appended atomic.Uint64
	// syncMu serializes fsyncs; synced is the last sequence number known durable.
	syncMu sync.Mutex
	synced uint64
	// snapshotSize is the length of the last snapshot; a checkpoint is taken once the
	// journal is longer than it and than minSize (minCheckpointBytes; tests lower it).
	snapshotSize, minSize int64
}

func journalPath(statePath string) string { return statePath + ".journal" }

func answerHash(status int, out any) (string, error) {
	var body []byte
	if out != nil && status != http.StatusNoContent {
		b, err := json.Marshal(out)
		if err != nil {
			return "", err
		}
		body = b
	}
	sum := sha256.Sum256(append([]byte(strconv.Itoa(status)+" "), body...))
	return hex.EncodeToString(sum[:12]), nil
}

func encodeEntry(e *journalEntry) ([]byte, error) {
	payload, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	line := make([]byte, 0, len(payload)+10)
	line = fmt.Appendf(line, "%08x ", crc32.ChecksumIEEE(payload))
	line = append(line, payload...)
	return append(line, '\n'), nil
}

// readJournal returns the intact entries of the journal at path, in order, and the byte
// length they take; it stops at the first torn or corrupt line (see the package note).
func readJournal(path string) ([]journalEntry, int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read state journal: %w", err)
	}
	var out []journalEntry
	var good int64
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		line, err := r.ReadBytes('\n')
		if err != nil { // io.EOF: a last line without its newline is torn
			break
		}
		crcHex, payload, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte(" "))
		if !ok || len(crcHex) != 8 {
			break
		}
		crc, err := strconv.ParseUint(string(crcHex), 16, 32)
		if err != nil || uint32(crc) != crc32.ChecksumIEEE(payload) {
			break
		}
		var e journalEntry
		if err := json.Unmarshal(payload, &e); err != nil {
			break
		}
		out = append(out, e)
		good += int64(len(line))
	}
	return out, good, nil
}

// openJournal opens (creating it, 0600) the journal for appends.
func openJournal(path string) (*journal, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open state journal: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file's name must be durable too before the first acknowledged write.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open state journal: %w", err)
	}
	return &journal{path: path, f: f, size: st.Size(), minSize: minCheckpointBytes}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	return nil
}

// appendLocked writes e (numbered next) to the journal; the caller holds s.mu for writing.
// It returns the entry's sequence number, to wait on with syncTo.
func (s *Server) appendLocked(e *journalEntry) (uint64, error) {
	j := s.journal
	e.Seq = j.appended.Load() + 1
	line, err := encodeEntry(e)
	if err != nil {
		return 0, fmt.Errorf("encode journal entry: %w", err)
	}
	if _, err := j.f.Write(line); err != nil {
		return 0, fmt.Errorf("append to state journal: %w", err)
	}
	j.size += int64(len(line))
	j.appended.Store(e.Seq)
	if j.size > max(j.minSize, j.snapshotSize) {
		if err := s.checkpointLocked(); err != nil {
			return 0, err
		}
	}
	return e.Seq, nil
}

// syncTo returns once entry seq is durable, fsyncing the journal unless a concurrent call
// already covered it.
func (s *Server) syncTo(seq uint64) error {
	j := s.journal
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= seq {
		return nil
	}
	upTo := j.appended.Load() // every entry up to here is in the file before the fsync
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync state journal: %w", err)
	}
	j.synced = upTo
	return nil
}

// checkpointLocked writes the snapshot and empties the journal; the caller holds s.mu for
// writing. Without a state file it does nothing.
func (s *Server) checkpointLocked() error {
	if s.opts.StatePath == "" {
		return nil
	}
	j := s.journal
	if j == nil {
		return errors.New("the emulator is closed: its state file is no longer written")
	}
	s.st.JournalSeq = j.appended.Load()
	data, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := saveState(s.opts.StatePath, data); err != nil {
		return err
	}
	j.snapshotSize = int64(len(data))
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("truncate state journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync state journal: %w", err)
	}
	j.size = 0
	j.synced = s.st.JournalSeq
	return nil
}

// persistLocked makes the state durable now (seeding, test helpers, Close): a checkpoint.
func (s *Server) persistLocked() error { return s.checkpointLocked() }

// replay runs the journal's entries the snapshot does not hold yet.
func (s *Server) replay(entries []journalEntry) error {
	s.replaying = true
	defer func() { s.replaying = false }()
	next := s.st.JournalSeq + 1
	for i := range entries {
		e := &entries[i]
		if e.Seq < next {
			continue // already in the snapshot: a crash came between its write and the truncation
		}
		if e.Seq != next {
			return fmt.Errorf("state journal %s jumps from entry %d to %d; it does not belong to %s: move it aside to start from the snapshot",
				s.journal.path, next-1, e.Seq, s.opts.StatePath)
		}
		if err := s.replayOne(e); err != nil {
			return fmt.Errorf("replaying entry %d of %s (%s %s): %w; the journal was probably written by another emulator version: "+
				"move it aside to start from the snapshot %s (the writes it holds are then lost)", e.Seq, s.journal.path, e.Method, e.URL, err, s.opts.StatePath)
		}
		s.journal.appended.Store(e.Seq)
		next++
	}
	return nil
}

func (s *Server) replayOne(e *journalEntry) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the handler panicked: %v", v)
		}
	}()
	r, err := http.NewRequest(e.Method, e.URL, bytes.NewReader(e.Body))
	if err != nil {
		return err
	}
	r.RemoteAddr = net.JoinHostPort(e.RemoteIP, "0")
	if e.UserAgent != "" {
		r.Header.Set("User-Agent", e.UserAgent)
	}
	rd, ids, _ := match(e.Method, r.URL.Path)
	if rd == nil {
		return errors.New("no such route")
	}
	key := s.st.APIKeys[e.AccessKey]
	if key == nil {
		return fmt.Errorf("the caller's key %s does not exist", e.AccessKey)
	}
	c := s.newCall(r, ids, e.Body, e.Now)
	c.bearer = s.bearerFor(key)
	status, out, apiErr := s.dispatch(rd, c, true)
	if apiErr != nil {
		return fmt.Errorf("it failed with %d where it had answered %d", apiErr.status, e.Status)
	}
	h, err := answerHash(status, out)
	if err != nil {
		return err
	}
	if status != e.Status || h != e.Answer {
		return fmt.Errorf("its answer differs from the recorded one (status %d, recorded %d)", status, e.Status)
	}
	return nil
}

// loadPersisted reads the snapshot and its journal, replays the journal and folds it into a
// new snapshot. It returns false when there is no snapshot yet.
func (s *Server) loadPersisted() (bool, error) {
	st, err := loadState(s.opts.StatePath)
	if err != nil {
		return false, err
	}
	jpath := journalPath(s.opts.StatePath)
	entries, good, err := readJournal(jpath)
	if err != nil {
		return false, err
	}
	if st == nil {
		if len(entries) > 0 {
			return false, fmt.Errorf("state journal %s exists without its snapshot %s: move the journal aside to start a new organization", jpath, s.opts.StatePath)
		}
		return false, nil
	}
	s.st = st
	s.reindexKeys()
	j, err := openJournal(jpath)
	if err != nil {
		return false, err
	}
	s.journal = j
	if j.size != good {
		// Drop the torn tail now, so that new lines never follow garbage.
		if err := j.f.Truncate(good); err != nil {
			return false, fmt.Errorf("truncate the torn end of %s: %w", jpath, err)
		}
		j.size = good
	}
	j.appended.Store(st.JournalSeq)
	if err := s.replay(entries); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return true, s.checkpointLocked()
}

// closeJournal checkpoints and closes the journal file.
func (s *Server) closeJournal() error {
	if s.journal == nil {
		return nil
	}
	err := s.checkpointLocked()
	if e := s.journal.f.Close(); e != nil && err == nil && !errors.Is(e, os.ErrClosed) {
		err = e
	}
	return err
}
