package audit

import (
	"fmt"
	"strings"

	"github.com/iamsync/iamsync/model"
)

// auditKind is what audit knows of one kind: the one table a new kind is added to in this
// package. Drift (IAM001–IAM004) covers every kind through plan.Diff, and silences every kind
// through model.Org.Resources; what is per kind is below. A test holds every model.Kind in it.
type auditKind struct {
	// rules are the rules that read the organization's values of the kind: when the
	// credentials could not read it, they cannot run on the organization, and the report
	// says so rather than find nothing (NotRead).
	rules []string
	// unmanaged lists the kind's live resources that no stack owns among the unmanaged ones.
	// Not members (people are invited by hand: most organizations' members would all be
	// listed), SSH keys (kept as they were before they were a kind; a candidate to add), nor
	// the security settings (one per organization, nobody's).
	unmanaged bool
}

var auditKinds = map[model.Kind]auditKind{
	model.KindSecuritySettings: {rules: []string{"IAM404"}},
	// Projects: drift only (every plan reads them, so they are never unread). Not listed as
	// unmanaged: most organizations make their projects by hand, and would see them all.
	model.KindProject:      {},
	model.KindApplication:  {rules: []string{"IAM101", "IAM301"}, unmanaged: true},
	model.KindUser:         {rules: []string{"IAM401", "IAM402", "IAM405"}},
	model.KindGroup:        {rules: []string{"IAM302"}, unmanaged: true},
	model.KindSSHKey:       {rules: []string{"IAM403"}},
	model.KindAPIKey:       {rules: []string{"IAM201", "IAM202", "IAM203", "IAM301"}, unmanaged: true},
	model.KindPolicy:       {rules: []string{"IAM101", "IAM102", "IAM103", "IAM104", "IAM105", "IAM301"}, unmanaged: true},
	model.KindSAML:         {rules: []string{"IAM501", "IAM503"}},
	model.KindSCIM:         {},
	model.KindSCIMToken:    {rules: []string{"IAM502"}},
	model.KindLoginMethods: {rules: []string{"IAM503"}},
}

// NotRead is a kind the credentials could not read, and what the audit therefore did not check.
type NotRead struct {
	Kind model.Kind `json:"kind"`
	// Reason says why, naming the missing right.
	Reason string `json:"reason"`
	// Rules could not run on the organization's values of the kind; nor could drift on it.
	Rules []string `json:"rules"`
}

func (n NotRead) String() string {
	return fmt.Sprintf("%s not read: %s; not checked on the organization: %s and drift of %s",
		n.Kind.Plural(), n.Reason, strings.Join(n.Rules, ", "), n.Kind.Plural())
}

// notRead lists live's unread kinds, in model.Kinds order.
func notRead(live *model.Org) []NotRead {
	var out []NotRead
	for _, k := range model.Kinds {
		if why, ok := live.Unread[k]; ok {
			out = append(out, NotRead{Kind: k, Reason: why, Rules: append([]string{}, auditKinds[k].rules...)})
		}
	}
	return out
}

// withoutUnread is desired without the kinds live could not read: drift on them cannot be
// told, and plan.Diff refuses to compare them.
func withoutUnread(desired, live *model.Org) *model.Org {
	if len(live.Unread) == 0 {
		return desired
	}
	c := *desired
	for k := range live.Unread {
		c.Drop(k)
	}
	return &c
}
