//go:build unix

package secrets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// openNoFollow opens path without following a final symlink, and without blocking on a FIFO
// (O_NONBLOCK has no effect on the regular files iamsync then uses).
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
}

// foreignOwner returns the owner of fi when it is not the effective user.
func foreignOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), int(st.Uid) != os.Geteuid()
}

// links is fi's number of hard links.
func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// DirWarning says why the directory of the secrets file at path is unsafe for secrets, or
// returns "" when it is not: a directory every user can write lets them replace or remove the
// secrets file (without the sticky bit), or plant files where iamsync's own go (with it; Check
// turns that into a refusal, so the risk left is an apply that will not run, and the names of
// the files being visible). Both deserve a warning: the fix, a private directory, is cheap.
// Group-writable directories are not flagged: a shared group is often deliberate.
func DirWarning(path string) string {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o002 == 0 {
		return ""
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		return fmt.Sprintf("the secrets file's directory %s is writable by every user (mode %#o, sticky, like /tmp): others cannot replace your files there, but can see their names and plant files under the names iamsync uses beside the secrets file, which stops apply; move the secrets file (--secrets-file) to a directory only you can write", dir, fi.Mode().Perm())
	}
	return fmt.Sprintf("the secrets file's directory %s is writable by every user (mode %#o): any of them can replace or remove the secrets file and the files beside it; move the secrets file (--secrets-file) to a directory only you can write", dir, fi.Mode().Perm())
}
