package secrets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func creds(i int) Credentials {
	return Credentials{AccessKey: fmt.Sprintf("SCW%017d", i), SecretKey: New(fmt.Sprintf("%s-%d", canary, i))}
}

func mustGet(t *testing.T, path, name string) Credentials {
	t.Helper()
	c, ok, err := Open(path).Get(name)
	if err != nil || !ok {
		t.Fatalf("entry %s of %s: ok=%v err=%v", name, path, ok, err)
	}
	return c
}

func TestAppenderJournalsThenFolds(t *testing.T) {
	for _, ext := range []string{".env", ".json", ".yaml"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "iamsync.secrets"+ext)
			a := Open(path).Appender()
			if err := a.PutAll(map[string]Credentials{"K0": creds(0)}); err != nil {
				t.Fatal(err)
			}
			// The first write of a run is a whole rewrite: no journal yet.
			if _, err := os.Stat(JournalPath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("journal after the first write: %v", err)
			}
			for i := 1; i < 5; i++ {
				if err := a.PutAll(map[string]Credentials{fmt.Sprint("K", i): creds(i)}); err != nil {
					t.Fatal(err)
				}
			}
			st, err := os.Stat(JournalPath(path))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("journal: %v, %v; want a 0600 file", st, err)
			}
			// Before the fold every reader sees every entry already.
			for i := 0; i < 5; i++ {
				if c := mustGet(t, path, fmt.Sprint("K", i)); c.SecretKey.Reveal() != creds(i).SecretKey.Reveal() {
					t.Fatalf("K%d before the fold: wrong secret", i)
				}
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(JournalPath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("journal after Close: %v", err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				if !strings.Contains(string(data), creds(i).SecretKey.Reveal()) {
					t.Fatalf("the file after the fold lacks K%d", i)
				}
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
				t.Fatalf("file mode %#o after the fold", st.Mode().Perm())
			}
		})
	}
}

// A run killed before Close leaves its secrets in the journal: readers see them, Fold puts
// them in the file, and folding again (a kill between the rewrite and the removal) changes
// nothing.
func TestFoldAfterAKillIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	a := Open(path).Appender()
	for i := 0; i < 3; i++ {
		if err := a.PutAll(map[string]Credentials{fmt.Sprint("K", i): creds(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// (no Close: the process died)
	journal, err := os.ReadFile(JournalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := Open(path).Fold(); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if err := os.WriteFile(JournalPath(path), journal, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Open(path).Fold(); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Fatalf("a second fold of the same journal changed the file:\n%s\n---\n%s", first, second)
	}
	for i := 0; i < 3; i++ {
		mustGet(t, path, fmt.Sprint("K", i))
	}
	if err := Open(path).Fold(); err != nil {
		t.Fatalf("Fold without a journal: %v", err)
	}
}

func TestJournalTornAndDamagedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	a := Open(path).Appender()
	for i := 0; i < 3; i++ {
		if err := a.PutAll(map[string]Credentials{fmt.Sprint("K", i): creds(i)}); err != nil {
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(JournalPath(path))
	if err != nil {
		t.Fatal(err)
	}
	// Torn: half a record after the last full one, as a kill mid-write leaves it.
	torn := append(append([]byte{}, good...), []byte(`{"name":"K9","access_key":"SCW9","secret_key":"`+canary)...)
	if err := os.WriteFile(JournalPath(path), torn, 0o600); err != nil {
		t.Fatal(err)
	}
	mustGet(t, path, "K2")
	if _, ok, err := Open(path).Get("K9"); ok || err != nil {
		t.Fatalf("torn record: ok=%v err=%v, want it ignored", ok, err)
	}
	// Damaged: a full line that does not parse, before others.
	damaged := append([]byte("{not json "+canary+"}\n"), good...)
	if err := os.WriteFile(JournalPath(path), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = Open(path).Get("K1")
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), JournalPath(path)) {
		t.Fatalf("damaged journal: %v, want an error naming the journal and line 1", err)
	}
	if strings.Contains(err.Error(), canary) {
		t.Fatalf("the error quotes the journal's content: %v", err)
	}
	if err := Open(path).Fold(); err == nil {
		t.Fatal("Fold of a damaged journal succeeded")
	}
}

func TestAppenderForget(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	a := Open(path).Appender()
	if err := a.PutAll(map[string]Credentials{"A": creds(1), "B": creds(2)}); err != nil {
		t.Fatal(err)
	}
	// Forget with another access key keeps the entry; with its own it removes it.
	if err := a.Forget("A", creds(9).AccessKey); err != nil {
		t.Fatal(err)
	}
	mustGet(t, path, "A")
	if err := a.Forget("A", creds(1).AccessKey); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := Open(path).Get("A"); ok {
		t.Fatal("A still there after Forget")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := Open(path).Get("A"); ok {
		t.Fatal("A back after the fold")
	}
	mustGet(t, path, "B")
}

// The first write proves the file writable: when it is not, nothing is created beside it.
func TestAppenderUnwritableFileFailsFirst(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "broken.env")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	a := Open(path).Appender()
	for i := 0; i < 2; i++ {
		if err := a.PutAll(map[string]Credentials{"A": creds(1)}); err == nil {
			t.Fatalf("write %d into a directory succeeded", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("files beside the secrets file after failed writes: %v", entries)
	}
}

func TestAppenderConcurrentPuts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.env")
	a := Open(path).Appender()
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.PutAll(map[string]Credentials{fmt.Sprint("K", i): creds(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < 40; i++ {
		mustGet(t, path, fmt.Sprint("K", i))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	keys, err := Open(path).AccessKeys()
	if err != nil || len(keys) != 40 {
		t.Fatalf("after the fold: %d entries (%v), want 40", len(keys), err)
	}
}

func TestPendingJournalReadsTheOldFormat(t *testing.T) {
	j := JournalFor(filepath.Join(t.TempDir(), "s.env"))
	old := `[{"application_id":"a1","description":"d1","at":"2026-01-02T03:04:05Z"},{"application_id":"a2","description":"d2","at":"2026-01-02T03:04:05Z"}]`
	if err := os.WriteFile(j.Path, []byte(old+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := j.Read()
	if err != nil || len(got) != 2 || got[1].ApplicationID != "a2" {
		t.Fatalf("old-format journal: %+v, %v", got, err)
	}
	// A torn last line (a kill mid-append) is dropped; a damaged earlier one is an error.
	if err := os.WriteFile(j.Path, []byte(`{"application_id":"a1","description":"d1","at":"2026-01-02T03:04:05Z"}`+"\n"+`{"applic`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := j.Read(); err != nil || len(got) != 1 {
		t.Fatalf("torn journal: %+v, %v", got, err)
	}
	if err := os.WriteFile(j.Path, []byte("{oops}\n"+`{"application_id":"a1","description":"d1","at":"2026-01-02T03:04:05Z"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Read(); err == nil {
		t.Fatal("damaged journal read without an error")
	}
}

// BenchmarkSecretWrite is the cost of storing one more key's secret in a file that already
// holds n entries: File.PutAll rewrites the whole file (O(n)), Appender.PutAll appends one
// fsynced line (O(1)). Compare ns/op and B/op across n in one run.
func BenchmarkSecretWrite(b *testing.B) {
	for _, n := range []int{100, 1000, 4000} {
		for _, way := range []string{"rewrite", "append"} {
			b.Run(fmt.Sprintf("%s/entries=%d", way, n), func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "s.env")
				seed := map[string]Credentials{}
				for i := 0; i < n; i++ {
					seed[fmt.Sprint("SEED", i)] = creds(i)
				}
				f := Open(path)
				if err := f.PutAll(seed); err != nil {
					b.Fatal(err)
				}
				put := f.PutAll
				if way == "append" {
					a := f.Appender()
					put = a.PutAll
					if err := put(map[string]Credentials{"FIRST": creds(0)}); err != nil { // the run's one rewrite
						b.Fatal(err)
					}
					defer a.Close()
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := put(map[string]Credentials{fmt.Sprint("K", i): creds(i)}); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// A member's initial login (main's users) goes through the journal like a key's pair.
func TestAppenderKeepsMemberLogins(t *testing.T) {
	for _, ext := range []string{".env", ".json"} {
		path := filepath.Join(t.TempDir(), "s"+ext)
		a := Open(path).Appender()
		if err := a.PutAll(map[string]Credentials{"FIRST": creds(1)}); err != nil {
			t.Fatal(err)
		}
		login := Credentials{Email: "alice@example.com", Password: New(canary)}
		if err := a.PutAll(map[string]Credentials{"ALICE": login}); err != nil {
			t.Fatal(err)
		}
		for _, when := range []string{"before the fold", "after the fold"} {
			c := mustGet(t, path, "ALICE")
			if c.Email != login.Email || c.Password.Reveal() != canary || c.AccessKey != "" {
				t.Fatalf("%s %s: %+v", ext, when, c)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A member's login is taken back by its email (issue 16: a password this run cannot vouch for),
// in every format, and only when the entry still holds that email.
func TestAppenderForgetsMemberLogins(t *testing.T) {
	for _, ext := range []string{".env", ".json", ".yaml"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s"+ext)
			a := Open(path).Appender()
			login := Credentials{Email: "alice@example.com", Password: New("login-" + canary)}
			if err := a.PutAll(map[string]Credentials{"ALICE": login, "K": creds(1)}); err != nil {
				t.Fatal(err)
			}
			if err := a.Forget("ALICE", "bob@example.com"); err != nil {
				t.Fatal(err)
			}
			mustGet(t, path, "ALICE")
			if err := a.Forget("ALICE", "alice@example.com"); err != nil {
				t.Fatal(err)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := Open(path).Get("ALICE"); ok {
				t.Fatal("ALICE still there after Forget and the fold")
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), "login-"+canary) || strings.Contains(string(data), "alice@example.com") {
				t.Fatalf("the forgotten login is still in the file:\n%s", data)
			}
			mustGet(t, path, "K")
		})
	}
}
