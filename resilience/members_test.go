package resilience

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/secrets"
)

// TestConcurrentMemberPasswords (issue 16): two applies of one stack at once, on two machines
// with their own secrets files, both create the same 50 members with generated passwords.
// Every member's password must be stored by exactly one run, that password must be the one
// the member has, and each run's report must say which members it created and which another
// apply did.
func TestConcurrentMemberPasswords(t *testing.T) {
	t.Parallel()
	rounds := 3
	if *long {
		rounds = 10
	}
	for i := 1; i <= rounds; i++ {
		t.Run(fmt.Sprint("round=", i), func(t *testing.T) {
			concurrentMembers(t, int64(900+i), emulator.Faults{Latency: 25 * time.Millisecond})
		})
	}
}

const raceMembers = 50

func memberEmail(i int) string { return fmt.Sprintf("member-%02d@example.com", i) }

func concurrentMembers(t *testing.T, seed int64, faults emulator.Faults) {
	o := newOrg(t, seed)
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nstack: %s\nusers:\n", stack)
	for i := 0; i < raceMembers; i++ {
		fmt.Fprintf(&b, "  - email: %s\n    secret: M%02d\n", memberEmail(i), i)
	}
	if err := os.MkdirAll(filepath.Join(o.dir, "manifests"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dir, "manifests", "iam.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(o.dir, "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(o.dir, secretsFile), filepath.Join(other, secretsFile)}
	o.otherSecrets = files[1:]
	o.emu.SetFaults(faults)
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = o.run("apply", "--auto-approve", "--secrets-file", files[i], "manifests")
		}()
	}
	wg.Wait()
	o.emu.SetFaults(emulator.Faults{})

	ids := map[string]string{}
	for _, f := range o.read().Users {
		ids[f.Email] = f.ID
	}
	created := regexp.MustCompile(`(?m)^\+\s+user/(\S+): created \((\S+)\)(.*)$`)
	stored, reported := 0, 0
	for i := 0; i < raceMembers; i++ {
		email := memberEmail(i)
		id := ids[email]
		if id == "" {
			t.Fatalf("member %s does not exist after both applies:\n%s\n%s", email, res[0], res[1])
		}
		name := fmt.Sprintf("M%02d", i)
		holders := 0
		for r, file := range files {
			c, ok := storedLogin(t, file, name)
			line := findLine(created, res[r].stderr, email)
			claims := strings.Contains(line, "credentials in")
			if ok {
				holders++
				if c.Email != email {
					t.Errorf("%s: entry %s holds %q", file, name, c.Email)
				}
				if !o.emu.HasPassword(id, c.Password.Reveal()) {
					t.Errorf("run %d stored a password for %s that is not the member's\n%s", r+1, email, res[r])
				}
			}
			if claims != ok {
				t.Errorf("run %d: the report says %q but its secrets file %s an entry for %s", r+1, line, map[bool]string{true: "has", false: "has no"}[ok], email)
			}
			planned := strings.Contains(res[r].stdout, "+ user/"+email+" ")
			if line == "" && planned {
				t.Errorf("run %d planned %s but does not report it:\n%s", r+1, email, res[r])
			} else if line != "" && !claims && !strings.Contains(line, "another apply") {
				t.Errorf("run %d reports %s as created without its credentials and without saying why: %q", r+1, email, line)
			}
			if claims {
				reported++
			}
		}
		if holders != 1 {
			t.Errorf("%s: %d runs stored its password, want exactly 1", email, holders)
		}
		stored += holders
	}
	for r := range res {
		if res[r].code != 0 {
			t.Errorf("run %d: exit %d\n%s", r+1, res[r].code, res[r])
		}
	}
	t.Logf("%d members: %d passwords stored, %d reported as stored; runs stored %d and %d", raceMembers, stored, reported,
		strings.Count(res[0].stderr, "credentials in"), strings.Count(res[1].stderr, "credentials in"))
	if conv, r := o.converged(); !conv {
		t.Fatalf("not converged after the race:\n%s", r)
	}
}

// storedLogin reads the member login entry name from the secrets file at path.
func storedLogin(t *testing.T, path, name string) (secrets.Credentials, bool) {
	t.Helper()
	c, ok, err := secrets.Open(path).Get(name)
	if err != nil {
		t.Fatalf("the secrets file %s cannot be read: %v", path, err)
	}
	return c, ok && c.Password.Reveal() != ""
}

// findLine returns the report line of re whose first group is key.
func findLine(re *regexp.Regexp, text, key string) string {
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		if m[1] == key {
			return m[0]
		}
	}
	return ""
}
