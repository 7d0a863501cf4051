// Package live reads an organization's IAM into a model.Org through the official Scaleway SDK,
// and carries out the writes apply asks for, with retries that never duplicate a resource.
package live

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"
)

// Config says how to reach the API. Credentials and endpoints come from the standard Scaleway
// sources through the SDK's own loader: the scw config file, the profile named by Profile or
// SCW_PROFILE, then the SCW_* environment variables, which win.
type Config struct {
	Profile string
	// Profile, when set, is used as is instead of loading one (tests, --local).
	Explicit *scw.Profile
	Retry    RetryPolicy
	// Parallelism bounds concurrent API calls (default 8).
	Parallelism int
	UserAgent   string
	// Transport under the retrying transport (tests inject faults here); nil = default.
	Transport http.RoundTripper
	// ResponseTimeout bounds the wait for a response's headers (default 60s).
	ResponseTimeout time.Duration
	// BodyTimeout bounds the arrival of a response's whole body once its headers came
	// (default 60s): an API that drips its answer fails the attempt instead of holding it.
	BodyTimeout time.Duration
	// MaxObjects is the most resources of one kind a list may hold (default 100,000): a
	// total_count above it is refused before any further page is asked for (pages.go).
	MaxObjects int
	// Notify, when set, is told of every long wait (a 429's Retry-After, a backoff after a
	// 5xx or a timeout), one line each, with the request's method and path and never a
	// credential. It may be called from several goroutines, never at once.
	Notify func(string)
}

// Client is a connection to one organization's IAM.
type Client struct {
	// AccessKey is the key the client authenticates with (plan protects it, see plan.Options.Self).
	AccessKey      string
	iam            *iam.API
	projects       *account.ProjectAPI
	OrganizationID string
	parallelism    int
	transport      *transport
	apiURL         string // keys the rule cache
	maxObjects     int
	sdk            *scw.Client
	seeds          ruleSeeds // rules of the policies this client created, for the rule cache
}

// ErrNoCredentials is returned when no access key, secret key or organization is configured.
var ErrNoCredentials = errors.New("no Scaleway credentials found")

// New builds a client from cfg.
func New(cfg Config) (*Client, error) {
	profile := cfg.Explicit
	if profile == nil {
		var err error
		if profile, err = loadProfile(cfg.Profile); err != nil {
			return nil, err
		}
	}
	var missing []string
	if profile.AccessKey == nil || *profile.AccessKey == "" {
		missing = append(missing, "SCW_ACCESS_KEY")
	}
	if profile.SecretKey == nil || *profile.SecretKey == "" {
		missing = append(missing, "SCW_SECRET_KEY")
	}
	if profile.DefaultOrganizationID == nil || *profile.DefaultOrganizationID == "" {
		missing = append(missing, "SCW_DEFAULT_ORGANIZATION_ID")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: set %s (or a profile in the scw config file)", ErrNoCredentials, strings.Join(missing, ", "))
	}
	apiURL := apiURLOf(profile)
	api, err := checkAPIURL(apiURL)
	if err != nil {
		return nil, err
	}
	next := cfg.Transport
	if next == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// An API that accepts the request and never answers must not hang a CI job: the
		// attempt fails, and the retry policy decides what follows.
		t.ResponseHeaderTimeout = cfg.ResponseTimeout
		if t.ResponseHeaderTimeout <= 0 {
			t.ResponseHeaderTimeout = 60 * time.Second
		}
		next = t
	}
	t := newTransport(next, cfg.Retry)
	t.api, t.apiURL, t.notify = api, string(api), cfg.Notify
	if cfg.BodyTimeout > 0 {
		t.bodyTimeout = cfg.BodyTimeout
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "iamsync"
	}
	hc := &http.Client{Transport: t, CheckRedirect: RefuseRedirect}
	client, err := scw.NewClient(
		scw.WithProfile(profile),
		scw.WithHTTPClient(hc),
		scw.WithUserAgent(ua),
	)
	if err != nil {
		return nil, fmt.Errorf("configure the Scaleway client: %w", err)
	}
	// With SCW_DEBUG set, NewClient wraps the transport in a logger that dumps every request
	// and answer to stderr, bodies included: an API key's creation answer holds its secret,
	// and so does a Secret Manager version's request. iamsync never prints a secret, so the
	// wrapper is taken off again (cmd/testdata/script/scwdebug.txtar).
	hc.Transport = t
	// The SDK caches GET /metadata in the client after the first IAM call, without a lock: the
	// first calls made concurrently (Read's lists, apply's writes) race on it (found by the
	// race detector in issue 7's suites). Fetching it once here, before any concurrency, makes
	// the cache read-only afterwards; it is the call the SDK would make anyway (BEHAVIOUR.md §1).
	_, _ = client.GetAPIMetadata()
	par := cfg.Parallelism
	if par <= 0 {
		par = 8
	}
	maxObjects := cfg.MaxObjects
	if maxObjects <= 0 {
		maxObjects = DefaultMaxObjects
	}
	return &Client{
		iam:            iam.NewAPI(client),
		projects:       account.NewProjectAPI(client),
		OrganizationID: *profile.DefaultOrganizationID,
		AccessKey:      *profile.AccessKey,
		parallelism:    par,
		transport:      t,
		apiURL:         apiURL,
		maxObjects:     maxObjects,
		sdk:            client,
	}, nil
}

// Stats reports the HTTP attempts made so far.
func (c *Client) Stats() Stats {
	st := Stats{
		Requests: c.transport.stats.requests.Load(),
		Retries:  c.transport.stats.retries.Load(),
		Writes:   c.transport.stats.writes.Load(),
	}
	st.RetryCauses = c.transport.retryCauses()
	if p := c.transport.pacer; p != nil {
		st.Rate, st.LowestRate, st.RateLimited = p.snapshot()
	}
	return st
}

func loadProfile(name string) (*scw.Profile, error) {
	cfg, err := scw.LoadConfig()
	var notFound *scw.ConfigFileNotFoundError
	switch {
	case errors.As(err, &notFound):
		if name != "" {
			return nil, fmt.Errorf("profile %q: %w", name, notFound)
		}
		cfg = &scw.Config{}
	case err != nil:
		return nil, fmt.Errorf("read the scw config file: %w", err)
	}
	var p *scw.Profile
	if name != "" {
		p, err = cfg.GetProfile(name)
	} else {
		p, err = cfg.GetActiveProfile()
	}
	if err != nil {
		return nil, fmt.Errorf("select the scw profile: %w", err)
	}
	return scw.MergeProfiles(p, withoutEmpty(scw.LoadEnvProfile())), nil
}

// withoutEmpty drops the variables that are set but empty (SCW_ACCESS_KEY= in a CI step): the
// SDK would let an empty value override the profile's.
func withoutEmpty(p *scw.Profile) *scw.Profile {
	for _, s := range []**string{&p.AccessKey, &p.SecretKey, &p.APIURL, &p.DefaultOrganizationID, &p.DefaultProjectID,
		&p.DefaultRegion, &p.DefaultZone, &p.S3Endpoint, &p.UserAgent} {
		if *s != nil && **s == "" {
			*s = nil
		}
	}
	return p
}

// apiURLOf is the API the profile points at (the SDK's default when unset).
func apiURLOf(p *scw.Profile) string {
	if p.APIURL != nil && *p.APIURL != "" {
		return strings.TrimRight(*p.APIURL, "/")
	}
	return "https://api.scaleway.com"
}
