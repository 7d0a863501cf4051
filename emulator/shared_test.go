package emulator

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iamsync/iamsync/internal/skipnote"
)

// Some tests read material that is not in the repository: the recorded real API traffic in
// shared/scaleway-api/recordings, kept beside the checkout in the project's workplace. A user's
// fresh clone has none of it, so those tests skip there and say what they skipped and how to
// get it; CI (.ci/run) sets requireSharedEnv=1, which turns the skip into a failure, so the
// conformance check can never be lost silently where the material should be.

// requireSharedEnv names the variable that makes missing shared material a failure.
const requireSharedEnv = "IAMSYNC_REQUIRE_SHARED"

// sharedRecordings is the path, relative to a directory above the package, of the recordings.
var sharedRecordings = filepath.Join("shared", "scaleway-api", "recordings")

// findShared walks up from dir to the first directory holding rel, and returns rel's path there.
func findShared(dir, rel string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, rel)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// missingShared is the one line printed when rel is not found above dir, and the test skips.
func missingShared(dir, rel string) string {
	return fmt.Sprintf("%s not found in any directory above %s: the conformance test (recorded real API traffic) "+
		"is SKIPPED; get the project's shared material and place it beside the checkout (../shared), "+
		"or set %s=1 to fail instead of skipping", filepath.ToSlash(rel), dir, requireSharedEnv)
}

// requiredShared is the failure when rel is not found above dir under requireSharedEnv=1.
func requiredShared(dir, rel string) string {
	return fmt.Sprintf("%s=1, and %s is not in any directory above %s: place the project's shared material "+
		"beside the checkout (../shared); the conformance test (recorded real API traffic) cannot run without it",
		requireSharedEnv, filepath.ToSlash(rel), dir)
}

var announceOnce sync.Once

// announceMissingShared prints missingShared once per test binary (TestMain), on w and on the
// terminal (skipnote: 'go test ./...' hides a passing package's output).
func announceMissingShared(w io.Writer) {
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	if _, ok := findShared(dir, sharedRecordings); !ok && os.Getenv(requireSharedEnv) != "1" {
		announceOnce.Do(func() {
			fmt.Fprintln(w, "iamsync tests: "+missingShared(dir, sharedRecordings))
			skipnote.Tell(missingShared(dir, sharedRecordings))
		})
	}
}

// sharedDir returns the path of rel above the package directory; when it is missing the test
// skips, or fails under requireSharedEnv=1.
func sharedDir(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := findShared(dir, rel)
	if ok {
		return p
	}
	if os.Getenv(requireSharedEnv) == "1" {
		t.Fatal(requiredShared(dir, rel))
	}
	t.Skip(missingShared(dir, rel))
	return ""
}

// The conformance test run where no shared material exists: it skips, saying so, and it
// fails when the material is required.
func TestConformanceWithoutSharedMaterial(t *testing.T) {
	if os.Getenv("IAMSYNC_TEST_CHILD") != "" {
		t.Skip("in the child")
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     []string
	}{
		{"", false, []string{"--- SKIP: TestConformance", "shared/scaleway-api/recordings not found", "is SKIPPED", requireSharedEnv + "=1"}},
		{"1", true, []string{"--- FAIL: TestConformance", requireSharedEnv + "=1, and shared/scaleway-api/recordings is not in any directory above"}},
	} {
		t.Run("require="+tc.require, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run", "^TestConformance$", "-test.v")
			cmd.Dir = t.TempDir()
			if p, ok := findShared(cmd.Dir, sharedRecordings); ok {
				t.Fatalf("the temporary directory has shared material above it (%s): set TMPDIR outside the workplace", p)
			}
			cmd.Env = append(os.Environ(), requireSharedEnv+"="+tc.require, "IAMSYNC_TEST_CHILD=1")
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Errorf("child failed=%v (%v), want %v:\n%s", failed, err, tc.wantFail, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("child output lacks %q:\n%s", w, out)
				}
			}
			if tc.wantFail && strings.Contains(string(out), "SKIPPED") {
				t.Errorf("a failure that says SKIPPED:\n%s", out)
			}
			if n := strings.Count(string(out), "iamsync tests: "); n != map[bool]int{false: 1, true: 0}[tc.wantFail] {
				t.Errorf("the TestMain line appears %d times:\n%s", n, out)
			}
		})
	}
}
