package emulator

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkPersistedWrite measures one acknowledged write (an application create, durable
// before its answer) against organizations of growing size. The journal makes its cost flat
// in the size of the state; a whole-state snapshot per write grew linearly with it.
//
//	go test ./emulator -run '^$' -bench PersistedWrite -benchtime 300x
func BenchmarkPersistedWrite(b *testing.B) {
	for _, n := range []int{0, 1000, 4000, 16000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			s, err := New(Options{Seed: 95, StatePath: filepath.Join(b.TempDir(), "state.json")})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			// n objects: a quarter applications, each with two keys, a quarter policies.
			if err := s.SeedBulk(BulkSpec{Applications: n / 4, KeysPerApplication: 2, Policies: n / 4, RulesPerPolicy: 2}); err != nil {
				b.Fatal(err)
			}
			tok, org := s.Owner().SecretKey, s.OrganizationID()
			h := s.Handler()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("POST", "/iam/v1alpha1/applications", strings.NewReader(fmt.Sprintf(`{"name":"bench-%d","organization_id":"%s"}`, i, org)))
				req.Header.Set("X-Auth-Token", tok)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("create: %d %s", rec.Code, rec.Body.String())
				}
			}
			b.StopTimer() // Close's checkpoint is not a write
		})
	}
}
