package audit

import (
	"context"
	"errors"
	"fmt"
	"github.com/iamsync/iamsync/escape"
	"time"

	"github.com/iamsync/iamsync/model"
)

// Drift attribution. A drift finding says what differs; the IAM logs say who did it. For each
// drift finding on a live resource, Run reads the log entries about that resource (through
// Reader.ReadLogs: one ListLogs filtered by the resource, read-only like the rest) and records
// the newest as the finding's Attribution: the bearer of the key that made the last write (an
// application or a user, named from the organization), the action and the time. Since an apply
// undoes drift, the last write on a drifted resource is the change made behind iamsync's back
// (or, for a resource no longer declared, the apply that made it). A finding on a resource that
// is not live (IAM002) has no ID to look up. When the key may not read the logs, or reading
// fails, the findings not yet attributed stay so and the report says why, once: an audit never
// fails for want of attribution.

// LogEntry is one IAM log entry about a resource, as far as attribution needs it.
type LogEntry struct {
	ID        string
	At        time.Time
	Action    string // created, updated, deleted
	BearerID  string // the application or user whose key made the request
	IP        string
	UserAgent string
}

// ErrLogsDenied is what a Reader's ReadLogs wraps when the key may not read the IAM logs.
var ErrLogsDenied = errors.New("the API key may not read the IAM logs")

// Attribution is who last changed a drifted resource, and when.
type Attribution struct {
	By        Bearer    `json:"by"`
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	LogID     string    `json:"log_id"`
	IP        string    `json:"ip,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
}

// Bearer is the holder of the API key a change was made with.
type Bearer struct {
	// Kind is application or user; absent when the organization has no such bearer now.
	Kind model.PrincipalKind `json:"kind,omitempty"`
	ID   string              `json:"id"`
	// Name is the application's name or the user's email.
	Name string `json:"name,omitempty"`
}

func (b Bearer) String() string {
	if b.Kind == "" {
		return "bearer " + b.ID + " (not in the organization)"
	}
	return fmt.Sprintf("%s %s (%s)", b.Kind, escape.Quote(b.Name), b.ID)
}

// String says who did what when: "updated by application ops (ID) at TIME".
func (a Attribution) String() string {
	return fmt.Sprintf("%s by %s at %s", a.Action, a.By, a.At.UTC().Format(time.RFC3339))
}

// maxAttributed bounds the log reads of one audit: beyond it, a note counts the rest.
const maxAttributed = 50

// attribute fills the drift findings' Attribution from the logs r reads.
func attribute(ctx context.Context, r Reader, rep *Report, live *model.Org) {
	bearers := map[string]Bearer{}
	for _, a := range live.Applications {
		bearers[a.ID] = Bearer{Kind: model.PrincipalApplication, ID: a.ID, Name: a.Name}
	}
	for _, u := range live.Users {
		bearers[u.ID] = Bearer{Kind: model.PrincipalUser, ID: u.ID, Name: u.Email}
	}
	looked, left := 0, 0
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Category() != Drift || f.ID == "" {
			continue
		}
		if looked == maxAttributed {
			left++
			continue
		}
		looked++
		logs, err := r.ReadLogs(ctx, f.Key.Kind, f.ID)
		if err != nil {
			// Attributions already made stay: each is a fact the logs gave.
			what := "drift is not attributed"
			if looked > 1 {
				what = "the remaining drift findings are not attributed"
			}
			if errors.Is(err, ErrLogsDenied) {
				rep.AttributionNote = what + ": the API key may not read the IAM logs; give it IAMReadOnly to see who made each change"
			} else {
				rep.AttributionNote = fmt.Sprintf("%s: reading the IAM logs failed (%v); run audit again to see who made each change", what, err)
			}
			return
		}
		if len(logs) == 0 {
			continue
		}
		l := logs[0]
		by, ok := bearers[l.BearerID]
		if !ok {
			by = Bearer{ID: l.BearerID}
		}
		f.Attribution = &Attribution{By: by, At: l.At.UTC(), Action: l.Action, LogID: l.ID, IP: l.IP, UserAgent: l.UserAgent}
	}
	if left > 0 {
		rep.AttributionNote = fmt.Sprintf("the first %d drift findings are attributed, %d more are not: resolve the drift, then run audit again", maxAttributed, left)
	}
}
