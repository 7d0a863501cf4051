package cmd

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsync/iamsync/audit"
)

// TestParseBlame reads git blame --line-porcelain as git 2.39 writes it: a committed line with
// its author and author date, and a line changed in the working tree (all-zero SHA).
func TestParseBlame(t *testing.T) {
	out := "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e 1 1 1\n" +
		"author Alice Martin\nauthor-mail <alice@example.com>\nauthor-time 1764579164\nauthor-tz +0100\n" +
		"committer Bob\ncommitter-mail <bob@example.com>\ncommitter-time 1764600000\ncommitter-tz +0000\n" +
		"summary recertify ci-deployer\nfilename iam.yaml\n\tversion: 1\n" +
		"0000000000000000000000000000000000000000 2 2 1\n" +
		"author Not Committed Yet\nauthor-mail <not.committed.yet>\nauthor-time 1764600100\nauthor-tz +0000\n" +
		"summary Version of iam.yaml from iam.yaml\nfilename iam.yaml\n\t    reviewed_until: 2027-06-01\n"
	got := parseBlame([]byte(out))
	want := map[int]*audit.Recertification{
		1: {Commit: "3f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e", Author: "Alice Martin", Email: "alice@example.com", Date: time.Unix(1764579164, 0).UTC()},
		2: {Author: "Not Committed Yet", Email: "not.committed.yet", Date: time.Unix(1764600100, 0).UTC(), Uncommitted: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
