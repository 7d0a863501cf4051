//go:build unix

package schema

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading without waiting for a FIFO's writer (O_NONBLOCK does
// nothing to the regular files that are then read).
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
