package apply

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/secrets"
)

// Keys whose secret a killed run lost (see secrets/journal.go): every key creation is
// announced in the journal beside the secrets file first; a run that ends (even with errors
// or interrupted) settles every key it created and removes the journal. A journal found at the
// start of apply is the trace of a run that died: its keys not in the secrets file are deleted
// before planning, so the plan creates them again and their new secrets are stored.

// journalingWriter announces every key creation in the journal before making it: a phase's
// creations together (announce, one fsync for the phase), or, for a creation no announcement
// covered, on its own just before it.
type journalingWriter struct {
	Writer
	journal *secrets.Journal
	keepOld time.Duration
	// existing maps an application ID to the access keys it had when the organization was
	// read: they existed before this run and are never taken for a lost key.
	existing map[string][]string
	// existingTokens are the SCIM tokens read with the organization.
	existingTokens []string
	mu             *sync.Mutex
	// announced holds application ID + description of the creations already announced.
	announced map[string]bool
}

func newJournalingWriter(w Writer, journal *secrets.Journal, live *model.Org, keepOld time.Duration) journalingWriter {
	jw := journalingWriter{Writer: w, journal: journal, keepOld: keepOld, existing: map[string][]string{}, mu: &sync.Mutex{}, announced: map[string]bool{}}
	if live != nil {
		ids := map[string]string{}
		for _, a := range live.Applications {
			ids[a.Name] = a.ID
		}
		for _, k := range live.APIKeys {
			if id, ok := ids[k.Application]; ok {
				jw.existing[id] = append(jw.existing[id], k.ID)
			}
		}
		for _, t := range live.SCIMTokens {
			jw.existingTokens = append(jw.existingTokens, t.ID)
		}
	}
	return jw
}

func (w journalingWriter) intent(applicationID, description string) secrets.Intent {
	return secrets.Intent{ApplicationID: applicationID, Description: description, Exclude: w.existing[applicationID], At: time.Now().UTC(), KeepOld: w.keepOld}
}

// announce records, with one fsync, the key creations a phase is about to make.
func (w journalingWriter) announce(keys []plannedKey) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ins []secrets.Intent
	for _, k := range keys {
		if !w.announced[k.applicationID+"\x00"+k.description] {
			ins = append(ins, w.intent(k.applicationID, k.description))
		}
	}
	if err := w.journal.AddAll(ins); err != nil {
		return err
	}
	for _, k := range keys {
		w.announced[k.applicationID+"\x00"+k.description] = true
	}
	return nil
}

func (w journalingWriter) CreateAPIKey(ctx context.Context, applicationID, description, defaultProjectID string, expiresAt *time.Time) (string, secrets.Value, error) {
	w.mu.Lock()
	done := w.announced[applicationID+"\x00"+description]
	w.mu.Unlock()
	if !done {
		if err := w.journal.Add(w.intent(applicationID, description)); err != nil {
			// Without the announcement a crash could lose the secret unnoticed: do not create.
			return "", secrets.Value{}, fmt.Errorf("announce the key creation in %s: %w", w.journal.Path, err)
		}
	}
	return w.Writer.CreateAPIKey(ctx, applicationID, description, defaultProjectID, expiresAt)
}

// CreateSCIMToken announces the token's creation first, as CreateAPIKey does for a key. The
// runner serialises token creations, and a token made earlier in this run is stored (or deleted
// again) before the next is announced, so it need not be excluded: it is in the secrets file.
func (w journalingWriter) CreateSCIMToken(ctx context.Context, scimID string) (string, *time.Time, secrets.Value, error) {
	in := secrets.Intent{SCIMID: scimID, Description: "SCIM token", Exclude: w.existingTokens, At: time.Now().UTC()}
	if err := w.journal.Add(in); err != nil {
		return "", nil, secrets.Value{}, fmt.Errorf("announce the SCIM token's creation in %s: %w", w.journal.Path, err)
	}
	return w.Writer.CreateSCIMToken(ctx, scimID)
}

// plannedKey is a key creation a phase will make.
type plannedKey struct{ applicationID, description string }

// announcer is a Writer that journals key creations (journalingWriter).
type announcer interface {
	announce(keys []plannedKey) error
}

// recoverLostKeys deletes the keys a dead run created whose secret never reached the secrets
// file. It returns how many it deleted, and pending when a journal remains unchecked because
// the secrets file cannot be read (the run goes on: its own key creations will fail on the
// same file, and the journal stays for the next run). On an error nothing is planned.
//
// storeTokens are the SCIM token IDs the run's secrets store holds (PlanInputs.StoredTokens, read
// once by Run from the secrets file or Secret Manager): a bearer that reached Secret Manager
// before the kill could mark it is stored all the same.
func recoverLostKeys(ctx context.Context, warn func(string), w Writer, secretsPath string, live *model.Org, storeTokens map[string]string) (deleted int, pending bool, err error) {
	j := secrets.JournalFor(secretsPath)
	intents, err := j.Read()
	if err != nil || len(intents) == 0 {
		return 0, false, err
	}
	stored, err := secrets.Open(secretsPath).AccessKeys()
	if err != nil {
		warn(fmt.Sprintf("cannot check the keys a previous run may have left without their secret (%v); the next apply checks again", err))
		return 0, true, nil
	}
	// Keys whose secret went to another store (Secret Manager) are marked in the journal.
	marked, err := j.Stored()
	if err != nil {
		return 0, false, err
	}
	for name, id := range storeTokens {
		stored[id] = name
	}
	for ak := range marked {
		stored[ak] = "(marked stored in the journal)"
	}
	for _, in := range intents {
		if in.SCIMID != "" {
			if why := unreadSCIM(live); why != "" {
				// Checked by a later run with the rights; the journal stays until then.
				warn(fmt.Sprintf("cannot check the SCIM tokens a previous run may have left without their bearer (%s); the next apply checks again", why))
				pending = true
				continue
			}
			if live.SCIM == nil || live.SCIM.ID != in.SCIMID {
				continue // SCIM was turned off since: its tokens went with it
			}
			n, err := recoverLostTokens(ctx, warn, w, in, stored)
			deleted += n
			if err != nil {
				return deleted, false, err
			}
			continue
		}
		found, err := w.Find(ctx, model.KindAPIKey, "", in.ApplicationID)
		if err != nil {
			return deleted, false, fmt.Errorf("look for keys a previous run may have lost: %w", err)
		}
		// A key created after the intent and stored means the run died in a replacement
		// after storing the new key's secret and before deleting (or retiring) the old one.
		replaced := false
		for _, f := range found {
			_, ok := stored[f.ID]
			replaced = replaced || (f.Description == in.Description && ok && !slices.Contains(in.Exclude, f.ID))
		}
		for _, f := range found {
			if _, ok := stored[f.ID]; f.Description != in.Description || ok {
				continue
			}
			if !slices.Contains(in.Exclude, f.ID) {
				if err := w.DeleteAPIKey(ctx, f.ID); err != nil {
					return deleted, false, fmt.Errorf("API key %s was created by a run that died before storing its secret, and deleting it failed (%v): delete it with 'scw iam api-key delete %s'", f.ID, err, f.ID)
				}
				deleted++
				warn(fmt.Sprintf("deleted API key %s: a previous run created it but died before storing its secret; it is created again", f.ID))
				continue
			}
			if !replaced {
				continue
			}
			// The old key of the dead run's replacement: finish it as that run would have.
			if in.KeepOld > 0 {
				km, _ := model.ParseKeyMarker(in.Description)
				until := in.At.Add(in.KeepOld)
				if err := w.UpdateAPIKey(ctx, f.ID, model.RetiredKeyDescription(km.Desc, km.Stack, km.Name, until), ""); err != nil {
					return deleted, false, fmt.Errorf("API key %s was being replaced by a run that died, and marking it retired failed (%v): delete it with 'scw iam api-key delete %s' once nothing uses it", f.ID, err, f.ID)
				}
				warn(fmt.Sprintf("API key %s was being replaced by a run that died: marked retired until %s, as that run would have", f.ID, until.Format(time.RFC3339)))
			} else {
				if err := w.DeleteAPIKey(ctx, f.ID); err != nil {
					return deleted, false, fmt.Errorf("API key %s was being replaced by a run that died, and deleting it failed (%v): delete it with 'scw iam api-key delete %s'", f.ID, err, f.ID)
				}
				warn(fmt.Sprintf("deleted API key %s: a previous run replaced it (the new key's secret is stored) but died before deleting it", f.ID))
			}
			deleted++
		}
	}
	if pending {
		return deleted, true, nil
	}
	return deleted, false, j.Clear()
}

// unreadSCIM says why live does not tell the organization's SCIM tokens, or "".
func unreadSCIM(live *model.Org) string {
	if live == nil {
		return "the organization was not read"
	}
	for _, k := range []model.Kind{model.KindSCIM, model.KindSCIMToken} {
		if why := live.Unread[k]; why != "" {
			return why
		}
	}
	return ""
}

// tokenWindow bounds when a token a dead run made was created, around its intent's time: the
// API's clock may differ from this machine's, and a create may be tried three times with the
// transport's retries. A token created outside it is someone else's (a token has no marker to
// say whose it is), and is left to the plan, which shows what it does with it.
const tokenWindowBefore, tokenWindowAfter = 5 * time.Minute, 30 * time.Minute

// recoverLostTokens deletes the tokens of the SCIM configuration an intent names that the dead
// run made and whose bearer it never stored: neither there before (Exclude) nor in stored, and
// created around the intent's time.
func recoverLostTokens(ctx context.Context, warn func(string), w Writer, in secrets.Intent, stored map[string]string) (int, error) {
	found, err := w.Find(ctx, model.KindSCIMToken, "", in.SCIMID)
	if err != nil {
		return 0, fmt.Errorf("look for SCIM tokens a previous run may have lost: %w", err)
	}
	deleted := 0
	for _, f := range found {
		if _, ok := stored[f.ID]; ok || slices.Contains(in.Exclude, f.ID) {
			continue
		}
		if !f.CreatedAt.IsZero() && (f.CreatedAt.Before(in.At.Add(-tokenWindowBefore)) || f.CreatedAt.After(in.At.Add(tokenWindowAfter))) {
			continue
		}
		if err := w.DeleteSCIMToken(ctx, f.ID); err != nil {
			return deleted, fmt.Errorf("SCIM token %s was created by a run that died before storing its bearer, and deleting it failed (%v): delete it with 'scw iam scim-token delete %s'", f.ID, err, f.ID)
		}
		deleted++
		warn(fmt.Sprintf("deleted SCIM token %s: a previous run created it but died before storing its bearer; it is created again", f.ID))
	}
	return deleted, nil
}
