//go:build unix

package schema

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadWithin loads paths and fails the test if that takes more than 10 s: a regression that
// opens a FIFO blocks for ever, and must fail the suite rather than hang it.
func loadWithin(t *testing.T, l *Loader, paths []string) ([]string, Diagnostics, bool) {
	t.Helper()
	type result struct {
		files  []string
		ds     Diagnostics
		loaded bool
	}
	done := make(chan result, 1)
	go func() {
		files, _ := l.Files(paths)
		org, ds := l.Load(paths)
		done <- result{files, ds, org != nil}
	}()
	select {
	case r := <-done:
		return r.files, r.ds, r.loaded
	case <-time.After(10 * time.Second):
		t.Fatalf("loading %v is still blocked after 10 s", paths)
		return nil, nil, false
	}
}

// TestSpecialFiles: FIFOs and devices are never opened as manifests. In a directory they are
// skipped with a warning naming them; named on the command line they are an error. Symlinks
// to regular files are followed, symlinked directories are not descended.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	shared := t.TempDir()
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("version: 1\nstack: s\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "m/a.yaml"))
	write(filepath.Join(shared, "common.yaml"))
	write(filepath.Join(shared, "sub/deep.yaml"))
	for _, err := range []error{
		syscall.Mkfifo(filepath.Join(dir, "m/pipe.yaml"), 0o644),
		syscall.Mkfifo(filepath.Join(dir, "pipe-elsewhere"), 0o644),
		syscall.Mkfifo(filepath.Join(dir, "m/not-a-manifest"), 0o644), // never a candidate: no warning
		os.Symlink(filepath.Join(dir, "pipe-elsewhere"), filepath.Join(dir, "m/linked-pipe.yaml")),
		os.Symlink(filepath.Join(shared, "common.yaml"), filepath.Join(dir, "m/common.yaml")),
		os.Symlink(filepath.Join(shared, "sub"), filepath.Join(dir, "m/sub")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	l := &Loader{Dir: dir, Now: testNow}

	t.Run("directory", func(t *testing.T) {
		files, ds, loaded := loadWithin(t, l, []string{"m"})
		if diff := cmp.Diff([]string{"m/a.yaml", "m/common.yaml"}, files); diff != "" {
			t.Errorf("files mismatch (-want +got):\n%s", diff)
		}
		if !loaded {
			t.Errorf("the set did not load:\n%s", render(ds))
		}
		var warned []string
		for _, d := range ds {
			if d.Code == "E108" && d.Severity == SeverityWarning && strings.Contains(d.Msg, "a FIFO (named pipe)") {
				warned = append(warned, d.Pos.File)
			}
		}
		if diff := cmp.Diff([]string{"m/linked-pipe.yaml", "m/pipe.yaml"}, warned); diff != "" {
			t.Errorf("E108 warnings mismatch (-want +got):\n%s\nall:\n%s", diff, render(ds))
		}
		if len(ds) != 2 {
			t.Errorf("want only the two warnings:\n%s", render(ds))
		}
	})

	for _, p := range []string{"m/pipe.yaml", "m/linked-pipe.yaml", "/dev/null"} {
		t.Run("named "+p, func(t *testing.T) {
			_, ds, loaded := loadWithin(t, l, []string{p, "m/a.yaml"})
			if loaded {
				t.Fatalf("a set naming %s loaded", p)
			}
			i := slices.IndexFunc(ds, func(d Diagnostic) bool { return d.Code == "E108" })
			if i < 0 || ds[i].Severity != SeverityError || ds[i].Pos.File != p || !strings.Contains(ds[i].Msg, "not a regular file") {
				t.Fatalf("want an E108 error at %s:\n%s", p, render(ds))
			}
			if !strings.Contains(ds[i].Hint, "remove it if you did not put it there") {
				t.Errorf("hint %q", ds[i].Hint)
			}
		})
	}

	// Between Files' check and the read a FIFO may take a regular file's place: the read itself
	// must neither block nor read it.
	t.Run("swapped after listing", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			_, err := readLimited(filepath.Join(dir, "m/pipe.yaml"), 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "a FIFO (named pipe), not a regular file") {
				t.Errorf("readLimited(FIFO) = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("readLimited blocked on a FIFO")
		}
	})
}
