package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Lock serialises the applies that share a secrets file: it holds an exclusive advisory lock
// (flock) on PATH.lock, which the kernel drops when the process dies, so a killed apply never
// leaves a stale lock behind. It only protects runs on one machine (or one shared file
// system); RELIABILITY.md explains why that is where the lock lives.
type Lock struct{ f *os.File }

// ErrLocked is returned by TryLock when another process holds the lock.
var ErrLocked = errors.New("another iamsync apply holds the lock")

// TryLock takes the lock of the secrets file at path without waiting.
func TryLock(path string) (*Lock, error) {
	f, err := openPrivate(path+".lock", os.O_RDWR|os.O_CREATE, false)
	var refused *UnsafeFileError
	if errors.As(err, &refused) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open the lock file: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, err
	}
	// With the lock held no writer of this file is in flight: temp files of the secrets file
	// or its journal are a killed writer's (they may hold secrets), even if this run writes
	// nothing.
	for _, pattern := range []string{"." + filepath.Base(path) + ".tmp-*", "." + filepath.Base(path) + ".pending.tmp-*"} {
		stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), pattern))
		for _, p := range stale {
			_ = os.Remove(p)
		}
	}
	return &Lock{f: f}, nil
}

// WaitLock takes the lock, polling until ctx is done; waiting is called once if it must wait.
func WaitLock(ctx context.Context, path string, waiting func()) (*Lock, error) {
	told := false
	for {
		l, err := TryLock(path)
		if !errors.Is(err, ErrLocked) {
			return l, err
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the lock %s.lock: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Unlock releases the lock (the lock file stays; it holds nothing).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := funlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
