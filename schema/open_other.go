//go:build !unix

package schema

import "os"

// openNonBlocking opens path for reading: FIFOs that block an open are a unix matter.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
