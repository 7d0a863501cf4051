//go:build unix

package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// A FIFO among the manifests must not freeze the shell's <Tab>: --stack completion scans the
// files' stack lines.
func TestStackCompletionSkipsFIFOs(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("version: 1\nstack: platform\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "b.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan []string, 1)
	go func() { done <- manifestStacks(Env{Dir: dir}) }()
	select {
	case got := <-done:
		if !slices.Equal(got, []string{"platform"}) {
			t.Errorf("stacks = %v, want [platform]", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stack completion blocked on a FIFO")
	}
}
