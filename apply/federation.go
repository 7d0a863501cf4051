package apply

import (
	"context"
	"fmt"
	"sync"

	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

// Handlers of the identity federation: SAML, SCIM and its tokens, login methods.

func createSAML(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	id, err := r.w.EnableSAML(ctx)
	if err != nil {
		return "", "", err
	}
	r.ids.set(a.Key, id)
	return id, "", r.writeSAML(ctx, id, a.Resource.(*model.SAML), true, true)
}

func updateSAML(r *runner, ctx context.Context, a plan.Action) error {
	return r.writeSAML(ctx, a.ID, a.Resource.(*model.SAML),
		a.Changed(plan.FieldEntityID) || a.Changed(plan.FieldSSOURL), a.Changed(plan.FieldCertificates))
}

// writeSAML sets what changed: the entity ID and URL in one call, then the certificates (new
// ones added before old ones are removed, live.SetSAMLCertificates).
func (r *runner) writeSAML(ctx context.Context, id string, s *model.SAML, fields, certs bool) error {
	if fields && (s.EntityID != "" || s.SSOURL != "") {
		if err := r.w.UpdateSAML(ctx, id, s.EntityID, s.SSOURL); err != nil {
			return err
		}
	}
	if !certs {
		return nil
	}
	pems := make([]string, len(s.Certificates))
	for i, c := range s.Certificates {
		pems[i] = c.PEM
	}
	return r.w.SetSAMLCertificates(ctx, id, pems)
}

func createSCIM(r *runner, ctx context.Context, _ plan.Action) (string, string, error) {
	id, err := r.w.EnableSCIM(ctx)
	return id, "", err
}

func updateLoginMethods(r *runner, ctx context.Context, a plan.Action) error {
	return r.w.UpdateLoginMethods(ctx, a.Resource.(*model.LoginMethods))
}

// scimTokens are the SCIM tokens a run made. Their creations are serialised: a token has no
// name to find it by, so after a create whose answer was lost, the tokens neither read for the
// plan nor made by this run are the lost one, which only holds while no other creation is in
// flight.
type scimTokens struct {
	mu   sync.Mutex
	made map[string]bool
}

func createSCIMToken(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	return r.createSCIMToken(ctx, a)
}

// replaceSCIMToken rotates a token: the new one is created and its bearer stored, and only
// then is the old one deleted (the plan has made room for both, plan/federation.go).
func replaceSCIMToken(r *runner, ctx context.Context, a plan.Action) (string, string, error) {
	id, name, err := r.createSCIMToken(ctx, a)
	if err != nil {
		return id, name, err
	}
	if err := r.w.DeleteSCIMToken(ctx, a.ID); err != nil {
		return id, name, fmt.Errorf("new SCIM token %s is stored in secret %s, but deleting the old token %s failed: %w", id, name, a.ID, err)
	}
	return id, name, nil
}

// createSCIMToken creates a token and stores its bearer before returning, as createKey does for
// API keys: a token whose bearer is not stored must not survive.
func (r *runner) createSCIMToken(ctx context.Context, a plan.Action) (string, string, error) {
	t := a.Resource.(*model.SCIMToken)
	name := model.SCIMTokenSecretName(t)
	scimID, err := r.ids.id(model.Key{Kind: model.KindSCIM, Name: model.FederationName})
	if err != nil {
		return "", name, err
	}
	r.tokens.mu.Lock()
	defer r.tokens.mu.Unlock()
	var id string
	var bearer secrets.Value
	for attempt := 0; ; attempt++ {
		id, _, bearer, err = r.w.CreateSCIMToken(ctx, scimID)
		if err == nil {
			break
		}
		if !r.opts.IsAmbiguous(err) {
			return "", name, err
		}
		// The token may exist, its bearer lost with the answer: delete the tokens nobody knows,
		// then create again (or give up with nothing left behind).
		if cerr := r.dropUnknownTokens(ctx, scimID); cerr != nil {
			return "", name, fmt.Errorf("%w; %v", err, cerr)
		}
		if attempt >= 2 {
			return "", name, err
		}
	}
	if r.tokens.made == nil {
		r.tokens.made = map[string]bool{}
	}
	r.tokens.made[id] = true
	werr := r.putSecret(name, secrets.Credentials{TokenID: id, BearerToken: bearer})
	if werr == nil {
		return id, name, nil
	}
	if derr := r.w.DeleteSCIMToken(ctx, id); derr != nil {
		r.mu.Lock()
		r.res.Orphans = append(r.res.Orphans, id)
		r.mu.Unlock()
		return "", name, fmt.Errorf("%w (%v); the new SCIM token %s could not be deleted either (%v): delete it with 'scw iam scim-token delete %s'", ErrSecretWrite, werr, id, derr, id)
	}
	return "", name, fmt.Errorf("%w (%v); the new SCIM token %s was deleted again, so no token exists without its bearer stored", ErrSecretWrite, werr, id)
}

// dropUnknownTokens deletes the tokens of scimID that were neither read for the plan nor made
// by this run (r.tokens.mu held).
func (r *runner) dropUnknownTokens(ctx context.Context, scimID string) error {
	known := map[string]bool{}
	if r.opts.Live != nil {
		for _, t := range r.opts.Live.SCIMTokens {
			known[t.ID] = true
		}
	}
	found, err := r.w.Find(ctx, model.KindSCIMToken, "", scimID)
	if err != nil {
		return fmt.Errorf("looking for a half-created SCIM token failed (%v): run iamsync again to clean it up", err)
	}
	for _, f := range found {
		if known[f.ID] || r.tokens.made[f.ID] {
			continue
		}
		if err := r.w.DeleteSCIMToken(ctx, f.ID); err != nil {
			return fmt.Errorf("SCIM token %s was created but its bearer was lost, and deleting it failed (%v): delete it by hand", f.ID, err)
		}
	}
	return nil
}
