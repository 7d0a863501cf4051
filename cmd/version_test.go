package cmd

import (
	"bytes"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildVersion(t *testing.T) {
	sdk := &debug.Module{Path: sdkModule, Version: "v1.39.0"}
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  versionInfo
	}{
		{"release build: ldflags win", "v1.2.3", "feedface", "2026-05-06T07:08:09Z",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs, Deps: []*debug.Module{sdk}},
			versionInfo{Version: "v1.2.3", Commit: "feedface", Date: "2026-05-06T07:08:09Z", Modified: true, SDK: "v1.39.0"}},
		{"go build in a checkout", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-0123abcd+dirty"}, Settings: vcs, Deps: []*debug.Module{sdk}},
			versionInfo{Version: "v0.0.0-20260102030405-0123abcd+dirty", Commit: "0123abcd", Date: "2026-01-02T03:04:05Z", Modified: true, SDK: "v1.39.0"}},
		{"go install module@version", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Deps: []*debug.Module{sdk}},
			versionInfo{Version: "v1.4.0", SDK: "v1.39.0"}},
		{"replaced SDK", "dev", "", "",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: []*debug.Module{{Path: sdkModule, Version: "v1.39.0", Replace: &debug.Module{Path: "../sdk", Version: ""}}}},
			versionInfo{Version: "dev", SDK: "v1.39.0 (replaced by ../sdk)"}},
		{"no build info", "dev", "", "", nil, versionInfo{Version: "dev"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildVersion(tc.version, tc.commit, tc.date, tc.bi)
			got.Go, got.Platform = "", ""
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(versionInfo{})); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionReport(t *testing.T) {
	var b bytes.Buffer
	versionInfo{Version: "v1.2.3", Commit: "0123abcd", Modified: true, Go: "go1.26.8", Platform: "linux/arm64", SDK: "v1.39.0"}.write(&b)
	want := "iamsync v1.2.3\n  commit:          0123abcd (modified)\n  built:           unknown\n  go:              go1.26.8 linux/arm64\n  scaleway-sdk-go: v1.39.0\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
