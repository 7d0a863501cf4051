package cmd

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// The standalone emulator prints exports an SDK client works with, persists what it was told
// when stopped, and prints the owner secret only for a new state.
func TestEmulatorCommand(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	start := func() (map[string]string, context.CancelFunc, chan int) {
		ctx, cancel := context.WithCancel(context.Background())
		r, w := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- runEmulator(ctx, Env{Stdout: w, Stderr: io.Discard, Getenv: func(string) string { return "" }}, []string{"--state", state})
			w.Close()
		}()
		vars := readExports(r)
		return vars, cancel, done
	}
	vars, cancel, done := start()
	for _, k := range []string{"SCW_API_URL", "SCW_ACCESS_KEY", "SCW_SECRET_KEY", "SCW_DEFAULT_ORGANIZATION_ID"} {
		if vars[k] == "" {
			t.Fatalf("no %s in the exports: %v", k, vars)
		}
	}
	client, err := scw.NewClient(scw.WithAPIURL(vars["SCW_API_URL"]), scw.WithAuth(vars["SCW_ACCESS_KEY"], vars["SCW_SECRET_KEY"]),
		scw.WithDefaultOrganizationID(vars["SCW_DEFAULT_ORGANIZATION_ID"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewAPI(client).CreateApplication(&iam.CreateApplicationRequest{Name: "kept", OrganizationID: vars["SCW_DEFAULT_ORGANIZATION_ID"]}); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("emulator exited %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not stop")
	}

	// Restarted on the same state: same organization, the application is still there, and
	// the secret is not printed again.
	vars2, cancel2, done2 := start()
	defer func() { cancel2(); <-done2 }()
	if vars2["SCW_SECRET_KEY"] != "" {
		t.Error("the owner secret was printed again for an existing state")
	}
	if vars2["SCW_DEFAULT_ORGANIZATION_ID"] != vars["SCW_DEFAULT_ORGANIZATION_ID"] {
		t.Errorf("organization changed across a restart")
	}
	client2, err := scw.NewClient(scw.WithAPIURL(vars2["SCW_API_URL"]), scw.WithAuth(vars["SCW_ACCESS_KEY"], vars["SCW_SECRET_KEY"]),
		scw.WithDefaultOrganizationID(vars["SCW_DEFAULT_ORGANIZATION_ID"]))
	if err != nil {
		t.Fatal(err)
	}
	name := "kept"
	apps, err := iam.NewAPI(client2).ListApplications(&iam.ListApplicationsRequest{OrganizationID: vars["SCW_DEFAULT_ORGANIZATION_ID"], Name: &name})
	if err != nil || apps.TotalCount != 1 {
		t.Fatalf("after a restart: %v apps, err %v", apps, err)
	}
}

func TestEmulatorQuotaFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    map[string]int64
		wantErr string
	}{
		{nil, nil, ""},
		{[]string{"groups=5"}, map[string]int64{"groups": 5}, ""},
		{[]string{"default", "groups=5"}, map[string]int64{"api_keys": 100, "applications": 100, "groups": 5, "policies": 50, "ssh_keys": 50, "users": 50}, ""},
		{[]string{"grops=2"}, nil, `did you mean "groups"`},
		{[]string{"rockets=2"}, nil, "known: api_keys"},
		{[]string{"groups=-1"}, nil, "whole number"},
		{[]string{"groups"}, nil, "NAME=N"},
	}
	for _, tc := range tests {
		f := emulatorFlags{quotas: tc.args}
		got, err := f.quotaLimits()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("--quota %v: error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("--quota %v: %v %v, want %v", tc.args, got, err, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("--quota %v: %s = %d, want %d", tc.args, k, got[k], v)
			}
		}
	}
}

func TestEmulatorRefusesANegativeRateLimit(t *testing.T) {
	var stderr strings.Builder
	code := runEmulator(context.Background(), Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}, []string{"--rate-limit", "-1"})
	if code != ExitError || !strings.Contains(stderr.String(), "--rate-limit") {
		t.Fatalf("exit %d, stderr %q; want %d naming --rate-limit", code, stderr.String(), ExitError)
	}
}

// readExports reads the standalone emulator's `export NAME=VALUE` lines up to the last, then
// drains the rest of its output in the background.
func readExports(r io.Reader) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		vars[k] = v
		if k == "SCW_DEFAULT_PROJECT_ID" {
			break
		}
	}
	go io.Copy(io.Discard, r)
	return vars
}
