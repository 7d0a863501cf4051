//go:build unix

package secrets

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bait is what an attacker's file holds before iamsync runs: it must hold exactly that after.
const bait = "attacker-readable file\n"

// within runs f and fails the test if it has not returned after d: a regression that blocks on
// a FIFO must fail the suite, not hang it.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
	}
}

// wantRefusal checks that err is iamsync's refusal of path, saying what was found and what to do.
func wantRefusal(t *testing.T, err error, path, found string) {
	t.Helper()
	var ref *UnsafeFileError
	if !errors.As(err, &ref) {
		t.Fatalf("err = %v, want a refusal of %s", err, path)
	}
	if ref.Path != path || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), found) {
		t.Errorf("refusal %q does not name %s and %q", err, path, found)
	}
	if ref.Replace {
		if !strings.Contains(ref.Hint(), "--secrets-file") {
			t.Errorf("hint %q does not say to change --secrets-file", ref.Hint())
		}
	} else if !strings.Contains(ref.Hint(), "remove it if you did not create it") {
		t.Errorf("hint %q does not say what to do", ref.Hint())
	}
}

// plantLink makes link a symlink to a new file holding bait, elsewhere, and returns the file.
func plantLink(t *testing.T, link string) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "loot")
	if err := os.WriteFile(target, []byte(bait), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return target
}

// untouched checks that link is still a symlink to target and target still holds bait, byte
// for byte.
func untouched(t *testing.T, link, target string) {
	t.Helper()
	if got, err := os.Readlink(link); err != nil || got != target {
		t.Errorf("the link %s now points at %q (%v), want %s", link, got, err, target)
	}
	data, err := os.ReadFile(target)
	if err != nil || string(data) != bait {
		t.Errorf("the link's target was changed: %q, %v", data, err)
	}
}

// Each way iamsync reaches a file beside the secrets file, with that file a planted symlink.
func TestPlantedSymlinksBesideTheSecretsFileAreRefused(t *testing.T) {
	ops := []struct {
		name   string
		suffix string
		// prepare runs before the link is planted (a run already under way); op runs after.
		prepare func(path string) any
		op      func(path string, state any) error
	}{
		{"lock", ".lock", nil, func(path string, _ any) error {
			l, err := TryLock(path)
			l.Unlock()
			return err
		}},
		{"pending read", ".pending", nil, func(path string, _ any) error {
			_, err := JournalFor(path).Read()
			return err
		}},
		{"pending append", ".pending", nil, func(path string, _ any) error {
			return JournalFor(path).Add(Intent{ApplicationID: "app", Description: "d", At: time.Now()})
		}},
		{"secrets journal read", ".journal", nil, func(path string, _ any) error {
			_, _, err := Open(path).Get("K0")
			return err
		}},
		{"secrets journal fold", ".journal", nil, func(path string, _ any) error {
			return Open(path).Fold()
		}},
		{"secrets journal first write", ".journal", nil, func(path string, _ any) error {
			return Open(path).Appender().PutAll(map[string]Credentials{"K0": creds(0)})
		}},
		{"secrets journal append", ".journal",
			func(path string) any {
				a := Open(path).Appender()
				if err := a.PutAll(map[string]Credentials{"K0": creds(0)}); err != nil {
					panic(err)
				}
				return a
			},
			func(path string, a any) error {
				return a.(*Appender).PutAll(map[string]Credentials{"K1": creds(1)})
			}},
		{"check", ".pending", nil, func(path string, _ any) error { return Check(path) }},
		{"check lock", ".lock", nil, func(path string, _ any) error { return Check(path) }},
		{"check journal", ".journal", nil, func(path string, _ any) error { return Check(path) }},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.env")
			var state any
			if tt.prepare != nil {
				state = tt.prepare(path)
			}
			link := path + tt.suffix
			target := plantLink(t, link)
			var err error
			within(t, 10*time.Second, func() { err = tt.op(path, state) })
			wantRefusal(t, err, link, "a symlink to "+target)
			untouched(t, link, target)
			if strings.Contains(err.Error(), canary) {
				t.Error("the refusal quotes a secret")
			}
		})
	}
}

// A dangling link must not be followed by O_CREATE either: the file it names is not created.
func TestDanglingSymlinkIsNotCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	target := filepath.Join(t.TempDir(), "would-be-created")
	if err := os.Symlink(target, path+".pending"); err != nil {
		t.Fatal(err)
	}
	err := JournalFor(path).Add(Intent{ApplicationID: "app", Description: "d", At: time.Now()})
	wantRefusal(t, err, path+".pending", "a symlink to "+target)
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dangling link's target was created: %v", err)
	}
}

// A planted FIFO neither blocks apply nor is opened for long: every path returns a refusal.
func TestPlantedFIFOIsRefusedPromptly(t *testing.T) {
	for _, suffix := range []string{".lock", ".pending", ".journal"} {
		t.Run(suffix, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.env")
			if err := syscall.Mkfifo(path+suffix, 0o600); err != nil {
				t.Fatal(err)
			}
			ops := map[string]func() error{
				"check": func() error { return Check(path) },
				"lock":  func() error { l, err := TryLock(path); l.Unlock(); return err },
				"read pending": func() error {
					_, err := JournalFor(path).Read()
					return err
				},
				"append pending": func() error {
					return JournalFor(path).Add(Intent{ApplicationID: "a", Description: "d", At: time.Now()})
				},
				"read secrets": func() error { _, _, err := Open(path).Get("K"); return err },
			}
			// The operations that use the FIFO's name must refuse it; the others do not touch it.
			refuses := map[string][]string{".lock": {"check", "lock"}, ".pending": {"check", "read pending", "append pending"}, ".journal": {"check", "read secrets"}}[suffix]
			for name, op := range ops {
				var err error
				within(t, 10*time.Second, func() { err = op() })
				if slices.Contains(refuses, name) {
					wantRefusal(t, err, path+suffix, "a FIFO (named pipe)")
				} else if err != nil {
					t.Errorf("%s: %v, with a FIFO at %s it does not use", name, err, path+suffix)
				}
			}
		})
	}
}

// A regular file planted by another user is refused and left as it was. Making a file another
// user's takes root; TestForeignOwnerIsDescribed covers the rule without it.
func TestPlantedForeignFileIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another uid needs root; TestForeignOwnerIsDescribed checks the rule itself")
	}
	for _, suffix := range []string{".lock", ".pending", ".journal"} {
		t.Run(suffix, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.env")
			planted := path + suffix
			if err := os.WriteFile(planted, []byte(bait), 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(planted, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			wantRefusal(t, Check(path), planted, "owned by uid 65534")
			var err error
			switch suffix {
			case ".lock":
				var l *Lock
				l, err = TryLock(path)
				l.Unlock()
			case ".pending":
				err = JournalFor(path).Add(Intent{ApplicationID: "a", Description: "d", At: time.Now()})
			case ".journal":
				a := Open(path).Appender()
				err = a.PutAll(map[string]Credentials{"K0": creds(0)})
			}
			wantRefusal(t, err, planted, "owned by uid 65534")
			if data, _ := os.ReadFile(planted); string(data) != bait {
				t.Errorf("the planted file was changed: %q", data)
			}
		})
	}
}

// fakeInfo is a FileInfo with the Stat_t a file of another user would have.
type fakeInfo struct {
	fs.FileInfo
	st *syscall.Stat_t
}

func (f fakeInfo) Sys() any { return f.st }

func TestForeignOwnerIsDescribed(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.env.pending")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if found, _ := problem(p, fi, false); found != "" {
		t.Fatalf("the user's own file is refused: %s", found)
	}
	st := *fi.Sys().(*syscall.Stat_t)
	st.Uid = uint32(os.Geteuid() + 1)
	if found, _ := problem(p, fakeInfo{fi, &st}, false); !strings.Contains(found, "owned by uid ") {
		t.Errorf("another user's file: found %q", found)
	}
	st = *fi.Sys().(*syscall.Stat_t)
	st.Nlink = 2
	if found, _ := problem(p, fakeInfo{fi, &st}, false); !strings.Contains(found, "2 hard links") {
		t.Errorf("a hard-linked file: found %q", found)
	}
}

// A hard link planted beside the secrets file would make appended secrets readable under a name
// the attacker chose.
func TestHardLinkedJournalIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	a := Open(path).Appender()
	if err := a.PutAll(map[string]Credentials{"K0": creds(0)}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(filepath.Dir(path), "elsewhere")
	if err := os.WriteFile(other, []byte(bait), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(other, JournalPath(path)); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, a.PutAll(map[string]Credentials{"K1": creds(1)}), JournalPath(path), "2 hard links")
	if data, _ := os.ReadFile(other); string(data) != bait {
		t.Errorf("the hard link's other name was written: %q", data)
	}
}

// A symlinked secrets file is refused, not replaced by a regular file; the link and its target
// stay as they were.
func TestSymlinkedSecretsFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	target := plantLink(t, path)
	ops := map[string]func() error{
		"check":    func() error { return Check(path) },
		"put":      func() error { return Open(path).Put("K0", creds(0)) },
		"appender": func() error { return Open(path).Appender().PutAll(map[string]Credentials{"K0": creds(0)}) },
		"read":     func() error { _, err := Open(path).AccessKeys(); return err },
	}
	for name, op := range ops {
		err := op()
		wantRefusal(t, err, path, "a symlink to "+target)
		if ref := (*UnsafeFileError)(nil); errors.As(err, &ref) && !strings.Contains(ref.Hint(), target) {
			t.Errorf("%s: hint %q does not name the target", name, ref.Hint())
		}
		untouched(t, path, target)
	}
}

// A secrets file that is a FIFO is refused promptly (reading it would block); a directory is
// left to the first write, which fails safely (TestWriteIntoMissingDirectoryFails' kin).
func TestSpecialSecretsFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func() error{
		"check": func() error { return Check(path) },
		"put":   func() error { return Open(path).Put("K0", creds(0)) },
	} {
		var err error
		within(t, 10*time.Second, func() { err = op() })
		if err == nil {
			t.Fatalf("%s: a FIFO secrets file was accepted", name)
		}
		wantRefusal(t, err, path, "a FIFO (named pipe), not a regular file")
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", fi, err)
	}
	dir := filepath.Join(t.TempDir(), "s.env")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir); err != nil {
		t.Errorf("Check(directory) = %v; the first write reports it", err)
	}
	if err := Open(dir).Put("K0", creds(0)); err == nil {
		t.Error("writing a directory as the secrets file succeeded")
	}
}

// iamsync's own files, as a run leaves them (a journal after a kill, the lock file), pass.
func TestOwnFilesPassCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	a := Open(path).Appender()
	for i := range 3 {
		if err := a.PutAll(map[string]Credentials{"K" + string(rune('0'+i)): creds(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := JournalFor(path).Add(Intent{ApplicationID: "a", Description: "d", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".lock", path + ".pending", JournalPath(path)} {
		if _, err := os.Lstat(p); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if err := Check(path); err != nil {
		t.Fatalf("Check refuses iamsync's own files: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDirWarning(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want string // "" for no warning
	}{
		{0o700, ""},
		{0o775, ""},
		{0o777, "any of them can replace or remove the secrets file"},
		{0o777 | fs.ModeSticky, "sticky"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if err := os.Chmod(dir, tt.mode); err != nil {
			t.Fatal(err)
		}
		got := DirWarning(filepath.Join(dir, "s.env"))
		if tt.want == "" {
			if got != "" {
				t.Errorf("mode %v: unexpected warning %q", tt.mode, got)
			}
			continue
		}
		if !strings.Contains(got, tt.want) || !strings.Contains(got, dir) || !strings.Contains(got, "move the secrets file") {
			t.Errorf("mode %v: warning %q, want one naming %s, %q and what to do", tt.mode, got, dir, tt.want)
		}
	}
}
