package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestJournalKeepsConcurrentIntents(t *testing.T) {
	j := JournalFor(filepath.Join(t.TempDir(), "s.env"))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.Add(Intent{ApplicationID: "app", Description: "d", At: time.Now()}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := j.Read()
	if err != nil || len(got) != 20 {
		t.Fatalf("read %d intents (%v), want 20", len(got), err)
	}
	if st, err := os.Stat(j.Path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode: %v %v", st, err)
	}
	if err := j.Clear(); err != nil {
		t.Fatal(err)
	}
	if got, err := j.Read(); err != nil || len(got) != 0 {
		t.Fatalf("after Clear: %v %v", got, err)
	}
	if err := j.Clear(); err != nil {
		t.Fatalf("second Clear: %v", err)
	}
}

func TestAccessKeysAndStaleTemps(t *testing.T) {
	for _, ext := range []string{".env", ".json", ".yaml"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "iamsync.secrets"+ext)
			stale := filepath.Join(dir, ".iamsync.secrets"+ext+".tmp-123")
			if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
				t.Fatal(err)
			}
			f := Open(path)
			if err := f.PutAll(map[string]Credentials{"A": {AccessKey: "AK1", SecretKey: New("s1")}, "B": {AccessKey: "AK2", SecretKey: New("s2")}}); err != nil {
				t.Fatal(err)
			}
			got, err := f.AccessKeys()
			if err != nil || len(got) != 2 || got["AK1"] != "A" || got["AK2"] != "B" {
				t.Fatalf("AccessKeys = %v, %v", got, err)
			}
			if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a killed writer's temp file survived the next write: %v", err)
			}
		})
	}
}

func TestLockExcludesASecondHolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.env")
	stale := filepath.Join(dir, ".s.env.tmp-42")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a killed writer's temp file survived taking the lock: %v", err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock: %v, want ErrLocked", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after Unlock: %v", err)
	}
	l2.Unlock()
}
