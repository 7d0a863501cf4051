package cmd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/schema"
)

// Plan and apply check the manifests' permission sets against the organization's live
// catalogue (ListPermissionSets, issue 17), not only against the embedded copy of Scaleway's
// documented list that offline validate uses: the documented list has lagged behind the API.
// The catalogue is read once per run, alongside the organization (it adds the pages of one
// list to a plan, two today, and no wall time), and not at all when the manifests name no
// permission set.

// loadManifestsOnline is loadManifests for plan and apply: a permission set the embedded
// catalogue lacks is left for checkCatalog to judge.
func loadManifestsOnline(env Env, paths []string) (*model.Org, []string, *schema.Catalogued, bool) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	l := schema.Loader{Dir: env.Dir, Now: time.Now()}
	org, ds, cat := l.LoadOnline(paths)
	writeDiagnostics(env.Stderr, ds)
	if ds.HasErrors() {
		errorf(env, "%s", validateSummary(nil, nil, ds))
		hintf(env, "fix the manifests ('iamsync validate' checks them offline), then run again")
		return nil, nil, nil, false
	}
	return org, paths, cat, true
}

// catalogCheck is a session's check of its permission sets against the live catalogue.
type catalogCheck struct {
	sets   *schema.Catalogued // nil: nothing to check (a session made without it)
	stderr io.Writer          // where the diagnostics go
	done   bool               // checked: apply plans more than once, the catalogue is read once
	scopes map[string]string  // scope type by set name, from the live catalogue once read
	// always reads the catalogue even when the manifests name no set: audit and explain judge
	// every policy of the organization, whose sets the embedded copy may lack.
	always bool
}

// known reports whether the catalogue has set: the live one when it was read, else the
// embedded copy.
func (c *catalogCheck) known(set string) bool {
	if c.scopes != nil {
		_, ok := c.scopes[set]
		return ok
	}
	_, ok := schema.LookupPermissionSet(set)
	return ok
}

// startOnce is start for a reader whose consumers ask for scope types from several goroutines
// (audit's rules): scopeType waits for the catalogue the first time it is asked, and wait
// returns the check's error.
func (c *catalogCheck) startOnce(ctx context.Context, client *live.Client) (scopeType func(string) string, wait func() error) {
	started := c.start(ctx, client)
	var once sync.Once
	var err error
	wait = func() error {
		once.Do(func() { err = started() })
		return err
	}
	return func(set string) string {
		_ = wait()
		return c.scopeType(set)
	}, wait
}

// scopeType is the scope type of set: the live catalogue's when it was read (it knows the sets
// the embedded copy lacks), else the embedded catalogue's.
func (c *catalogCheck) scopeType(set string) string {
	if t, ok := c.scopes[set]; ok {
		return t
	}
	return scopeType(set)
}

// start reads the live catalogue concurrently with the organization; the returned function
// waits for it and reports the manifests' sets against it. Nothing is read when there is
// nothing to check, or when it was checked already.
func (c *catalogCheck) start(ctx context.Context, client *live.Client) (wait func() error) {
	if c.done || (c.sets.Empty() && !c.always) {
		return func() error { return nil }
	}
	var sets []live.PermissionSet
	var err error
	read := make(chan struct{})
	go func() {
		defer close(read)
		sets, err = client.ReadPermissionSets(ctx)
	}()
	return func() error {
		<-read
		return c.check(sets, err)
	}
}

func (c *catalogCheck) check(sets []live.PermissionSet, err error) error {
	catalog := schema.PermissionSets()
	switch {
	case live.IsPermissionDenied(err):
		// The list is public; a gateway that refuses it anyway leaves the embedded copy.
		fmt.Fprintf(c.stderr, "iamsync: warning: the organization's permission-set catalogue could not be read (%v): the manifests are checked against iamsync's embedded copy\n", err)
	case err != nil:
		return withHint(fmt.Errorf("read the permission-set catalogue: %w", err), "check the network and the credentials, then run again")
	default:
		catalog = make([]schema.PermissionSet, len(sets))
		c.scopes = make(map[string]string, len(sets))
		for i, s := range sets {
			catalog[i] = schema.PermissionSet{Name: s.Name, ScopeType: schema.ScopeType(s.ScopeType)}
			c.scopes[s.Name] = s.ScopeType
		}
	}
	ds := c.sets.CheckCatalog(catalog)
	c.done = true
	writeDiagnostics(c.stderr, ds)
	if ds.HasErrors() {
		n := 0
		for _, d := range ds {
			if d.Severity == schema.SeverityError {
				n++
			}
		}
		return withHint(fmt.Errorf("the manifests name %s that the organization's permission-set catalogue does not have", count(n, "permission set", "permission sets")),
			"use the names ListPermissionSets gives ('scw iam permission-set list'), then run again")
	}
	return nil
}
