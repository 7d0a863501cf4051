package live

import (
	"context"
	"testing"

	"github.com/scaleway/scaleway-sdk-go/scw"

	"github.com/iamsync/iamsync/emulator"
)

// A read of an organization against the emulator's server-side limit of 100 requests/s
// (Options.RateLimit): the client finds the limit and stays near it, with few 429s. Counted,
// not timed: the 429s the emulator sent, the calls it served, and the client's adaptive rate.
func TestAdaptiveRateUnderTheServersLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cap     float64 // the client's --rate-limit
		headers bool    // the emulator sends Retry-After and X-RateLimit-*
		max429  float64 // at most this share of the calls served
	}{
		{"default limit", 0, false, 0.05},
		{"cap above the server's", 300, false, 0.15},
		{"headers tell the limit", 1000, true, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, err := emulator.Start(emulator.Options{RateLimit: 100, RateLimitHeaders: tc.headers})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emu.Close() })
			if err := emu.SeedBulk(emulator.BulkSpec{Applications: 100, Policies: 280, RulesPerPolicy: 1, Stack: "s"}); err != nil {
				t.Fatal(err)
			}
			c := emu.Owner()
			url := emu.URL()
			cl, err := New(Config{Explicit: &scw.Profile{APIURL: &url, AccessKey: &c.AccessKey, SecretKey: &c.SecretKey,
				DefaultOrganizationID: &c.OrganizationID}, Retry: RetryPolicy{RatePerSec: tc.cap, MaxAttempts: 20}})
			if err != nil {
				t.Fatal(err)
			}
			emu.ResetCounts()
			if _, err := cl.Read(context.Background(), ReadOptions{}); err != nil {
				t.Fatal(err)
			}
			n := emu.Counts()
			st := cl.Stats()
			t.Logf("%s: %d calls served, %d refused with 429 (client saw %d); rate now %.0f/s, lowest %.0f/s",
				tc.name, n.Reads, n.RateLimited, st.RateLimited, st.Rate, st.LowestRate)
			if float64(n.RateLimited) > tc.max429*float64(n.Reads) {
				t.Errorf("%d 429s for %d calls: more than %.0f%%", n.RateLimited, n.Reads, 100*tc.max429)
			}
			if int64(n.RateLimited) != st.RateLimited {
				t.Errorf("the client counted %d 429s, the emulator sent %d", st.RateLimited, n.RateLimited)
			}
			// Near the server's limit, not far below it (a client that halved its rate on
			// every 429 would end far lower), and never above a second's worth of it for long.
			if st.Rate < 80 || st.Rate > 130 {
				t.Errorf("rate at the end %.1f/s, want near the server's 100/s", st.Rate)
			}
			if st.LowestRate < 50 {
				t.Errorf("lowest rate %.1f/s: the client backed off far below the server's limit", st.LowestRate)
			}
		})
	}
}
