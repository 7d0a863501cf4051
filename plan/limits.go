package plan

import (
	"fmt"
	"time"

	"github.com/iamsync/iamsync/model"
)

// The organization's limits, checked on the plan rather than discovered halfway through an
// apply: the quotas (how many of each kind may exist) and the security settings' longest
// API-key lifetime.

// QuotaExceeded is a quota the plan would go over: a plan with any is refused (exit 3), since
// apply would stop on the API's quotas_exceeded error with part of the plan done.
type QuotaExceeded struct {
	Kind  model.Kind `json:"kind"`
	Quota string     `json:"quota"`
	Limit uint64     `json:"limit"`
	// Current is what the organization holds now; Peak the most the plan makes it hold at once
	// (creations and replacements run before deletions, so deletions do not make room).
	Current int `json:"current"`
	Peak    int `json:"peak"`
}

func (q QuotaExceeded) String() string {
	return fmt.Sprintf("the organization may hold %d %ss (quota %s) and holds %d: this plan would reach %d", q.Limit, q.Kind, q.Quota, q.Current, q.Peak)
}

// checkQuotas records the quotas the plan would exceed.
func (df *differ) checkQuotas() {
	added := map[model.Kind]int{}
	for _, a := range df.plan.Actions {
		if a.Op == Create || a.Op == Replace {
			added[a.Key.Kind]++
		}
	}
	for _, k := range model.Kinds {
		q, ok := df.l.Quotas[k]
		if !ok || added[k] == 0 {
			continue
		}
		if peak := q.Current + added[k]; uint64(peak) > q.Limit {
			df.plan.OverQuota = append(df.plan.OverQuota, QuotaExceeded{Kind: k, Quota: q.Name, Limit: q.Limit, Current: q.Current, Peak: peak})
		}
	}
}

// checkKeyLifetimes refuses the API keys this plan creates that the organization's security
// settings would refuse: living longer than max_api_key_expiration_duration, or never expiring
// while it is set. The settings the plan applies count (they run first), else the live ones.
// Keys that exist are left alone by the API (emulator doc.go, security settings) and here.
func (df *differ) checkKeyLifetimes(errs *errList) {
	var max time.Duration
	if s := df.l.SecuritySettings; s != nil && s.MaxAPIKeyExpiration != nil {
		max = *s.MaxAPIKeyExpiration
	}
	source := "the organization's security settings"
	if s := df.d.SecuritySettings; s != nil && s.MaxAPIKeyExpiration != nil {
		max, source = *s.MaxAPIKeyExpiration, "security_settings"
	}
	if max <= 0 {
		return
	}
	for _, a := range df.plan.Actions {
		k, ok := a.Resource.(*model.APIKey)
		if !ok || (a.Op != Create && a.Op != Replace) {
			continue
		}
		limit := durationString(max)
		switch {
		case k.ExpiresAt == nil && k.ExpiresIn == 0:
			errs.add(k.Pos, k.Key(), "the key never expires, but %s require an expiry within %s (max_api_key_expiration_duration): give it expires_in: %s or less", source, limit, limit)
		case k.ExpiresIn > max:
			errs.add(k.Pos, k.Key(), "expires_in %s is longer than the %s %s allow (max_api_key_expiration_duration): shorten it", durationString(k.ExpiresIn), limit, source)
		case k.ExpiresAt != nil && !df.opts.Now.IsZero() && k.ExpiresAt.Sub(df.opts.Now) > max:
			errs.add(k.Pos, k.Key(), "expires_at %s is further away than the %s %s allow (max_api_key_expiration_duration): bring it closer, or use expires_in", expiryString(k), limit, source)
		}
	}
}
