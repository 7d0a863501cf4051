// Package filetype names a file's type the way a user would, for the errors of the packages
// that refuse anything but a regular file (manifests, secrets files and what sits beside them).
package filetype

import "io/fs"

// Of names the type of a file that is not a regular file: "a directory", "a FIFO (named
// pipe)", "a socket", "a character device", "a block device", else "a special file".
func Of(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
