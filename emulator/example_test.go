package emulator_test

import (
	"fmt"

	"github.com/iamsync/iamsync/emulator"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// A test starts an emulator, points the SDK at it, and checks the calls it made.
func ExampleStart() {
	srv, err := emulator.Start(emulator.Options{Seed: 1})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	owner := srv.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(srv.URL()), scw.WithAuth(owner.AccessKey, owner.SecretKey),
		scw.WithDefaultOrganizationID(owner.OrganizationID))
	if err != nil {
		panic(err)
	}
	api := iam.NewAPI(client)
	app, err := api.CreateApplication(&iam.CreateApplicationRequest{Name: "ci-deployer"})
	if err != nil {
		panic(err)
	}
	fmt.Println(app.Name, app.NbAPIKeys)
	c := srv.Counts()
	fmt.Println(c.Writes, c.ByRoute["POST /iam/v1alpha1/applications"].Writes)
	// Output:
	// ci-deployer 0
	// 1 1
}
