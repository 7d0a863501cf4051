package live

import (
	"context"
	"testing"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/model"
)

func emulatorAPI(t *testing.T, emu *emulator.Server, c emulator.Credentials) *iam.API {
	t.Helper()
	sdk, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(c.AccessKey, c.SecretKey), scw.WithDefaultOrganizationID(c.OrganizationID))
	if err != nil {
		t.Fatal(err)
	}
	return iam.NewAPI(sdk)
}

func emulatorClient(t *testing.T, emu *emulator.Server, c emulator.Credentials) *Client {
	return emulatorClientWith(t, emu, c, RetryPolicy{})
}

// emulatorClientWith is a client of emu with credentials c and retry policy p.
func emulatorClientWith(t *testing.T, emu *emulator.Server, c emulator.Credentials, p RetryPolicy) *Client {
	t.Helper()
	url := emu.URL()
	cl, err := New(Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &c.AccessKey, SecretKey: &c.SecretKey, DefaultOrganizationID: &c.OrganizationID},
		Retry: p})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestReadLogs: the entries about one resource, newest first, with who made them; the writes
// an application's own key made (which the API's search also matches) are not about it; and
// a key without the right to read logs is told apart.
func TestReadLogs(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	owner := emu.Owner()
	api := emulatorAPI(t, emu, owner)
	robotCreds, err := emu.NewCredentials("robot", "IAMManager")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := api.ListApplications(&iam.ListApplicationsRequest{OrganizationID: owner.OrganizationID}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, a := range apps.Applications {
		ids[a.Name] = a.ID
	}
	desc := "changed"
	if _, err := api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: ids["robot"], Description: &desc}); err != nil {
		t.Fatal(err)
	}
	if _, err := emulatorAPI(t, emu, robotCreds).CreateApplication(&iam.CreateApplicationRequest{OrganizationID: owner.OrganizationID, Name: "made-by-robot"}); err != nil {
		t.Fatal(err)
	}
	web, err := api.CreateApplication(&iam.CreateApplicationRequest{OrganizationID: owner.OrganizationID, Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.UpdateApplication(&iam.UpdateApplicationRequest{ApplicationID: web.ID, Description: &desc}); err != nil {
		t.Fatal(err)
	}

	c := emulatorClient(t, emu, owner)
	logs, err := c.ReadLogs(context.Background(), model.KindApplication, web.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 || logs[0].Action != "updated" || logs[1].Action != "created" {
		t.Fatalf("logs of web: %+v, want updated then created", logs)
	}
	owned := ids["iamsync-emulator-owner"]
	for _, l := range logs {
		if l.BearerID != owned || l.ResourceID != web.ID || l.CreatedAt.IsZero() {
			t.Errorf("log %+v: want the owner application %s as bearer, web as resource, and a time", l, owned)
		}
	}
	if got, err := c.ReadLogs(context.Background(), model.KindApplication, web.ID, 1); err != nil || len(got) != 1 || got[0].Action != "updated" {
		t.Errorf("with max 1: %+v, %v", got, err)
	}

	robot, err := c.ReadLogs(context.Background(), model.KindApplication, ids["robot"], 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(robot) != 1 || robot[0].BearerID != owned {
		t.Errorf("logs about robot: %+v, want only the owner's update (not robot's own writes)", robot)
	}

	ro, err := emu.NewCredentials("reader", "IAMApplicationReadOnly")
	if err != nil {
		t.Fatal(err)
	}
	_, err = emulatorClient(t, emu, ro).ReadLogs(context.Background(), model.KindApplication, web.ID, 5)
	if err == nil || !IsPermissionDenied(err) {
		t.Errorf("a per-resource read set reading logs: %v, want a permission denial", err)
	}
	if IsPermissionDenied(context.Canceled) {
		t.Error("IsPermissionDenied takes any error for a denial")
	}
}
