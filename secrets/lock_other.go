//go:build !unix

package secrets

import "os"

// Without flock the lock file only exists; concurrent applies are not serialised.
func flock(*os.File) error   { return nil }
func funlock(*os.File) error { return nil }
