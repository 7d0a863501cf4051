//go:build !unix && !windows

package secrets

import (
	"fmt"
	"os"
	"runtime"
)

// No advisory lock here: rather than promise one apply at a time and not keep it, apply
// refuses to run.
func flock(f *os.File) error {
	return fmt.Errorf("lock %s: file locking is not supported on %s, so iamsync cannot guarantee one apply at a time", f.Name(), runtime.GOOS)
}

func funlock(*os.File) error { return nil }
