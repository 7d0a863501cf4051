package audit

import (
	"fmt"
	"time"
)

// DefaultMaxInactive is --max-inactive's default.
const DefaultMaxInactive = 90 * 24 * time.Hour

// inactiveMembers: IAM405, on live members (last_login_at is a live fact). A member who never
// logged in is judged from when they joined: one invited yesterday is not inactive, one who
// joined longer ago than the maximum and never came is the most inactive of all. Locked
// members cannot log in (their lock is the offboarding), and the owner is nobody's to lock.
func (v *view) inactiveMembers() {
	if !v.live {
		return
	}
	for _, u := range v.o.Users {
		if u.Locked || u.Managed {
			continue
		}
		var msg string
		switch {
		case u.LastLoginAt != nil && v.opts.Now.Sub(*u.LastLoginAt) > v.opts.MaxInactive:
			msg = fmt.Sprintf("the member has not logged in for %s (last login %s), more than the maximum inactivity of %s",
				days(v.opts.Now.Sub(*u.LastLoginAt)), u.LastLoginAt.UTC().Format(time.DateOnly), days(v.opts.MaxInactive))
		case u.LastLoginAt == nil && !u.CreatedAt.IsZero() && v.opts.Now.Sub(u.CreatedAt) > v.opts.MaxInactive:
			msg = fmt.Sprintf("the member has never logged in, and joined %s ago (%s), more than the maximum inactivity of %s",
				days(v.opts.Now.Sub(u.CreatedAt)), u.CreatedAt.UTC().Format(time.DateOnly), days(v.opts.MaxInactive))
		default:
			continue
		}
		v.emit("IAM405", u.Key(), &u.Meta, u.Pos, msg, "")
	}
}
