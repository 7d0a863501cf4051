package apply

import (
	"context"

	"github.com/iamsync/iamsync/secrets"
)

// Secrets stores other than the secrets file (Secret Manager, issue 13). The pending-keys
// journal's recovery (recover.go) tells a dead run's key whose secret was stored from one whose
// secret was lost by looking in the secrets file; a key stored elsewhere is not there, so
// Run marks it in the journal (MarkStored, fsynced) right after the store took it. A kill
// between the two costs the key (deleted by the next run and made again), never a key left
// without its secret.

// markingStore marks every entry stored by inner in the journal.
type markingStore struct {
	inner   SecretStore
	journal *secrets.Journal
}

func (s markingStore) PutAll(entries map[string]secrets.Credentials) error {
	if err := s.inner.PutAll(entries); err != nil {
		return err
	}
	for _, c := range entries {
		id := c.AccessKey
		if c.TokenID != "" {
			id = c.TokenID
		}
		if id == "" {
			continue // a member's login: nothing for the recovery to judge
		}
		if err := s.journal.MarkStored(id); err != nil {
			return err
		}
	}
	return nil
}

func (s markingStore) Forget(name, accessKey string) error {
	if f, ok := s.inner.(forgetter); ok {
		return f.Forget(name, accessKey)
	}
	return nil
}

func (s markingStore) Close() error { return flush(s.inner) }

func (s markingStore) Concurrent() bool { return concurrent(s.inner) }

// concurrent reports whether store may be written from several goroutines at once
// (secrets.Appender and live.SecretManager lock for themselves); a plain secrets.File may not.
func concurrent(store SecretStore) bool {
	c, ok := store.(interface{ Concurrent() bool })
	return ok && c.Concurrent()
}

// putSecret stores one key's credentials, serialised unless the store is safe for concurrent
// use (a store that calls an API should not make every key wait for the others').
func (r *runner) putSecret(name string, c secrets.Credentials) error {
	entries := map[string]secrets.Credentials{name: c}
	if concurrent(r.opts.Secrets) {
		return r.opts.Secrets.PutAll(entries)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opts.Secrets.PutAll(entries)
}

// OpenSecrets makes the store of a run from the organization it works on (see
// RunOptions.OpenSecrets).
type OpenSecrets func(ctx context.Context, t Target) (SecretStore, error)
