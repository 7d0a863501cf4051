package cmd_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
)

// emuIdentityCmd plays the identity provider and the members' logins for scripts (emu OP ...):
//
//	emu scim                          enable SCIM in the organization (what the provider needs)
//	emu provision EMAIL               the provider creates a member
//	emu deprovision EMAIL             the provider deletes a member
//	emu idpmembers GROUP [EMAIL...]   the provider sets a group's members
//	emu session EMAIL [N]             the member logs in to the console N times (default 1)
//	emu sessions EMAIL N              the member has exactly N open console sessions
//	emu lastlogin EMAIL DAYS|never    the member last logged in DAYS days ago, or never
func emuIdentityCmd(ts *testscript.TestScript, emu *emulator.Server, api *iam.API, org string, args []string) error {
	switch args[0] {
	case "scim":
		_, err := api.EnableOrganizationScim(&iam.EnableOrganizationScimRequest{OrganizationID: org})
		return err
	case "provision":
		_, err := emu.ProvisionUser(args[1])
		return err
	case "deprovision":
		return emu.DeprovisionUser(findID(ts, api, org, "user", args[1]))
	case "idpmembers":
		var ids []string
		for _, email := range args[2:] {
			ids = append(ids, findID(ts, api, org, "user", email))
		}
		return emu.SetProvisionedGroupMembers(findID(ts, api, org, "group", args[1]), ids)
	case "session":
		n := 1
		if len(args) > 2 {
			var err error
			n, err = strconv.Atoi(args[2])
			ts.Check(err)
		}
		id := findID(ts, api, org, "user", args[1])
		for range n {
			if _, err := emu.AddSession(id); err != nil {
				return err
			}
		}
		return nil
	case "sessions":
		if len(args) != 3 {
			ts.Fatalf("usage: emu sessions EMAIL N")
		}
		id := findID(ts, api, org, "user", args[1])
		open := false
		r, err := api.ListJWTs(&iam.ListJWTsRequest{AudienceID: id, Expired: &open}, scw.WithAllPages())
		if err != nil {
			return err
		}
		if want, _ := strconv.Atoi(args[2]); len(r.Jwts) != want {
			return fmt.Errorf("%s has %d open console sessions, want %d", args[1], len(r.Jwts), want)
		}
		return nil
	case "lastlogin":
		id := findID(ts, api, org, "user", args[1])
		if strings.EqualFold(args[2], "never") {
			return emu.SetLastLogin(id, nil)
		}
		days, err := strconv.Atoi(args[2])
		ts.Check(err)
		at := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
		return emu.SetLastLogin(id, &at)
	}
	ts.Fatalf("emu: unknown op %q", args[0])
	return nil
}
