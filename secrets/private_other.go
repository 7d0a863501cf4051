//go:build !unix

package secrets

import (
	"fmt"
	"io/fs"
	"os"
)

// openNoFollow refuses a symlink found by Lstat, then opens: there is no O_NOFOLLOW here, so a
// link planted between the two is followed. Windows only lets administrators (or developer
// mode) create symlinks, which narrows who could.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("open %s: a symlink", path)
	}
	return os.OpenFile(path, flag, perm)
}

// foreignOwner: file ownership is not a uid here (Windows keeps owners in ACLs); only the
// file's type is checked.
func foreignOwner(fs.FileInfo) (int, bool) { return 0, false }

// links: the hard-link count is not in FileInfo here.
func links(fs.FileInfo) uint64 { return 1 }

// DirWarning: permission bits do not describe who may write a directory here (ACLs do).
func DirWarning(string) string { return "" }
