// Package skipnote tells the person running the tests what a test skipped, on their terminal:
// 'go test ./...' shows a passing package's output only with -v, and a fresh clone's user who
// runs the README's test command must still learn what did not run and how to make it run.
package skipnote

import (
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
)

// Tell writes "iamsync tests: " and line to the terminal the tests were started from: nowhere
// without one (CI, where the skip shows in the test's own output or fails under its
// requirement) or under -v (the test's output shows it already). Call it from a test or from
// TestMain.
func Tell(line string) { fmt.Fprintln(terminal(), "iamsync tests: "+line) }

func terminal() io.Writer {
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Verbose() {
		return io.Discard
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return io.Discard
	}
	return tty
}
