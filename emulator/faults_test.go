package emulator

import (
	"errors"
	"net/http"
	"testing"
	"time"

	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

func TestFaultKinds(t *testing.T) {
	s := startServer(t, Options{Seed: 6})
	api := iam.NewAPI(sdkClient(t, s, s.Owner()))
	route := "POST /iam/v1alpha1/groups"

	t.Run("429", func(t *testing.T) {
		s.SetFaults(Faults{RetryAfter: 1500 * time.Millisecond})
		s.FailNext(route, Fault429, 1)
		req, _ := http.NewRequest("POST", s.URL()+"/iam/v1alpha1/groups", nil)
		req.Header.Set("X-Auth-Token", s.Owner().SecretKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("status %d Retry-After %q, want 429 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		s.SetFaults(Faults{})
	})

	for _, tc := range []struct {
		kind FaultKind
		code int
	}{{Fault429, 429}, {Fault500, 500}, {Fault503, 503}} {
		t.Run(string(tc.kind)+" via SDK", func(t *testing.T) {
			before := len(listGroups_(t, api))
			s.FailNext(route, tc.kind, 1)
			_, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "g"})
			var re *scw.ResponseError
			if !errors.As(err, &re) || re.StatusCode != tc.code || re.Message == "" {
				t.Fatalf("err = %v, want a ResponseError %d with a message", err, tc.code)
			}
			if after := len(listGroups_(t, api)); after != before {
				t.Fatalf("a %s fault executed the write", tc.kind)
			}
		})
	}

	t.Run("409 transient_state", func(t *testing.T) {
		g, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		s.FailNext("/iam/v1alpha1/groups/{id}/add-member", Fault409, 1)
		_, err = api.AddGroupMember(&iam.AddGroupMemberRequest{GroupID: g.ID, UserID: scw.StringPtr(ownerUser(t, s))})
		var ts *scw.TransientStateError
		if !errors.As(err, &ts) || ts.Resource != "group" || ts.ResourceID != g.ID || ts.CurrentState != "updating" {
			t.Fatalf("err = %v (%T), want TransientStateError on the group", err, err)
		}
	})

	t.Run("drop", func(t *testing.T) {
		before := len(listGroups_(t, api))
		s.FailNext(route, FaultDrop, 1)
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "d"}); err == nil {
			t.Fatal("dropped connection gave no error")
		}
		if after := len(listGroups_(t, api)); after != before {
			t.Fatal("a dropped request executed the write")
		}
	})

	t.Run("lost-response", func(t *testing.T) {
		before := len(listGroups_(t, api))
		s.FailNext(route, FaultLostResponse, 1)
		if _, err := api.CreateGroup(&iam.CreateGroupRequest{Name: "lost"}); err == nil {
			t.Fatal("lost response gave no error")
		}
		if after := len(listGroups_(t, api)); after != before+1 {
			t.Fatalf("groups %d → %d: the write was not committed", before, after)
		}
	})

	t.Run("latency", func(t *testing.T) {
		s.SetFaults(Faults{Latency: 30 * time.Millisecond, Routes: []string{"GET /iam/v1alpha1/groups"}})
		defer s.SetFaults(Faults{})
		start := time.Now()
		listGroups_(t, api)
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Fatalf("request took %v, want ≥ 30ms", d)
		}
		start = time.Now()
		if _, err := api.ListPolicies(&iam.ListPoliciesRequest{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d >= 30*time.Millisecond {
			t.Fatalf("unselected route delayed by %v", d)
		}
	})
}

func listGroups_(t *testing.T, api *iam.API) []*iam.Group {
	t.Helper()
	r, err := api.ListGroups(&iam.ListGroupsRequest{}, scw.WithAllPages())
	if err != nil {
		t.Fatal(err)
	}
	return r.Groups
}

func ownerUser(t *testing.T, s *Server) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.OwnerUserID
}

// TestFaultRateIsDeterministic: the same seed and the same requests give the same faults,
// and the rate is roughly honoured.
func TestFaultRateIsDeterministic(t *testing.T) {
	run := func(seed int64) []int {
		s := startServer(t, Options{Seed: 7})
		s.SetFaults(Faults{Seed: seed, Rate: 0.3, Kinds: []FaultKind{Fault429, Fault503}})
		var codes []int
		for i := 0; i < 60; i++ {
			code, _ := do(t, s, "GET", "/iam/v1alpha1/applications", s.Owner().SecretKey, "")
			codes = append(codes, code)
		}
		return codes
	}
	a, b, c := run(1), run(1), run(2)
	faulted := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %d then %d with the same seed", i, a[i], b[i])
		}
		if a[i] != 200 {
			faulted++
		}
	}
	if faulted < 8 || faulted > 30 {
		t.Errorf("%d of 60 requests faulted at rate 0.3", faulted)
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("another seed gave the same fault sequence")
	}
}
