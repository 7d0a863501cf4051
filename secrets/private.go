package secrets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iamsync/iamsync/filetype"
)

// The files beside the secrets file are iamsync's own: PATH.lock (lock.go), PATH.pending
// (journal.go, key creations announced) and PATH.journal (appender.go, secrets not yet folded
// in). The secrets file often lives in a shared place (a CI workspace, /tmp), where another
// user can create those names before iamsync does. So iamsync never follows a link there, and
// uses such a file only if it is a regular file, owned by the running user, with one name:
//
//   - a planted symlink would have iamsync append pending-key intents, or secrets, to a file of
//     the attacker's choosing (readable by them), or block every apply with a file that does
//     not parse. Links are refused when opening (O_NOFOLLOW on unix; elsewhere an Lstat first),
//     so there is no window between a check and the open;
//   - a planted regular file owned by another user may be readable by them: whatever iamsync
//     appends would be too;
//   - a hard link (possible where fs.protected_hardlinks is off) makes a second name for a file
//     iamsync writes to, possibly one the attacker can read;
//   - a FIFO would block the open, or the read, forever. Every open is non-blocking and the
//     opened file's own Stat is checked before a byte is read or written.
//
// The secrets file itself is never written in place: WriteAtomic renames a new file over it.
// A symlink there would be replaced by a regular file (silently undoing what the user set up),
// so a symlinked secrets file is refused, naming its target; so is one that is not a regular
// file, or another user's (the new file, 0600 and owned by the running user, would lock its
// owner out). A directory there is left to fail the first write, which is safe (apply.go
// deletes the new key again) and already says what is wrong.
//
// Check runs all of these tests before an apply changes anything; the opens repeat them, so a
// file planted after Check is refused too.

// UnsafeFileError is a file beside the secrets file (or the secrets file itself) that iamsync
// refuses to use, and why.
type UnsafeFileError struct {
	Path  string
	Found string // what is there: "a symlink to /tmp/x", "owned by uid 65534", "a FIFO (named pipe)"
	// Replace is set for the secrets file itself, which iamsync would replace, not open.
	Replace bool
	// Target is a symlink's target, as stored in the link.
	Target string
}

func (e *UnsafeFileError) Error() string {
	if e.Replace {
		if e.Target != "" {
			return fmt.Sprintf("refusing to use the secrets file %s: it is %s, and iamsync writes the file by renaming a new one over it, which would replace the link with a regular file", e.Path, e.Found)
		}
		return fmt.Sprintf("refusing to use the secrets file %s: it is %s", e.Path, e.Found)
	}
	return fmt.Sprintf("refusing to use %s, which iamsync keeps beside the secrets file: it is %s", e.Path, e.Found)
}

// Hint is the user's next step.
func (e *UnsafeFileError) Hint() string {
	switch {
	case e.Replace && e.Target != "":
		return fmt.Sprintf("point --secrets-file at the link's target itself (%s)", e.resolvedTarget())
	case e.Replace:
		return "point --secrets-file at a regular file of yours, or at a path that does not exist yet"
	}
	return "remove it if you did not create it; another user may be trying to read your secrets. Keep the secrets file in a directory only you can write"
}

// resolvedTarget is the link's target as a path usable from the working directory.
func (e *UnsafeFileError) resolvedTarget() string {
	if filepath.IsAbs(e.Target) {
		return e.Target
	}
	return filepath.Join(filepath.Dir(e.Path), e.Target)
}

// problem describes what makes fi unfit for a file iamsync writes secrets to (or beside), or
// returns "" when it is fit. secretsFile relaxes the rules the atomic rewrite makes moot.
func problem(path string, fi fs.FileInfo, secretsFile bool) (found, target string) {
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(path)
		if err != nil {
			return "a symlink", ""
		}
		return "a symlink to " + target, target
	case m.IsDir() && secretsFile:
		return "", ""
	case !m.IsRegular():
		return filetype.Of(m) + ", not a regular file", ""
	}
	if owner, ok := foreignOwner(fi); ok {
		return fmt.Sprintf("owned by uid %d, not by the user running iamsync (uid %d)", owner, os.Geteuid()), ""
	}
	if n := links(fi); n > 1 && !secretsFile {
		return fmt.Sprintf("a file with %d hard links (names), not 1", n), ""
	}
	return "", ""
}

// refusal returns the refusal for path, or nil when fi is fit.
func refusal(path string, fi fs.FileInfo, secretsFile bool) error {
	found, target := problem(path, fi, secretsFile)
	if found == "" {
		return nil
	}
	return &UnsafeFileError{Path: path, Found: found, Replace: secretsFile, Target: target}
}

// openPrivate opens a file of iamsync's beside the secrets file (or, with secretsFile, the
// secrets file for reading) under the rules above. A missing file's error wraps
// fs.ErrNotExist, as os.OpenFile's does.
func openPrivate(path string, flag int, secretsFile bool) (*os.File, error) {
	f, err := openNoFollow(path, flag, 0o600)
	if err != nil {
		// O_NOFOLLOW fails with ELOOP (EMLINK on FreeBSD) on a link, a FIFO's non-blocking
		// write-only open with ENXIO: say what is there rather than quote the errno.
		if fi, lerr := os.Lstat(path); lerr == nil {
			if uerr := refusal(path, fi, secretsFile); uerr != nil {
				return nil, uerr
			}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = refusal(path, fi, secretsFile)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// readPrivate reads a file under the rules above.
func readPrivate(path string, secretsFile bool) ([]byte, error) {
	f, err := openPrivate(path, os.O_RDONLY, secretsFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Check tests the secrets file at path and every file iamsync keeps beside it against the rules
// above, without opening any; a missing file is fine (iamsync creates it). Call it once the
// lock is held, before anything depends on those files: apply refuses to start rather than
// fail half-way.
func Check(path string) error {
	for _, p := range []string{path, path + ".lock", JournalFor(path).Path, JournalPath(path)} {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if err := refusal(p, fi, p == path); err != nil {
			return err
		}
	}
	return nil
}
