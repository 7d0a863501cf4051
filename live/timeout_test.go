package live

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scaleway/scaleway-sdk-go/scw"
)

// An API that never answers fails the read in bounded time instead of hanging.
func TestSilentAPIDoesNotHang(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	url, ak, sk, org := srv.URL, "SCWAAAAAAAAAAAAAAAAA", "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	c, err := New(Config{
		Explicit:        &scw.Profile{APIURL: &url, AccessKey: &ak, SecretKey: &sk, DefaultOrganizationID: &org},
		ResponseTimeout: 50 * time.Millisecond,
		Retry:           RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(context.Background(), ReadOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a silent API read succeeded")
		}
		if got := c.Stats().Requests; got < 2 {
			t.Errorf("%d attempts, want the GET retried", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read hung on an API that never answers")
	}
}
