package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	"github.com/scaleway/scaleway-sdk-go/scw"
	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/emulator"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
)

// connFlags are the flags of every command that talks to the API.
type connFlags struct {
	profile     string // scw config profile (else SCW_PROFILE, else the active one)
	local       bool   // run against the in-process emulator
	localState  string // the emulator's state file with --local
	parallelism int    // concurrent API calls
	rateLimit   float64
}

func (c *connFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.profile, "profile", "", "scw config profile to use (default: SCW_PROFILE or the active profile)")
	fs.BoolVar(&c.local, "local", false, "use the built-in emulator instead of Scaleway (state in --local-state)")
	fs.StringVar(&c.localState, "local-state", filepath.Join(".iamsync", "local.json"), "state file of the built-in emulator with --local")
	fs.IntVar(&c.parallelism, "parallelism", 8, "maximum concurrent API calls")
	fs.Float64Var(&c.rateLimit, "rate-limit", 0, "maximum API requests per second (default 100); the client slows down by itself on the API's 429s")
}

func (c *connFlags) check() error {
	if c.parallelism < 1 || c.parallelism > 64 {
		return fmt.Errorf("--parallelism must be between 1 and 64, not %d", c.parallelism)
	}
	if c.local && c.profile != "" {
		return errors.New("--local and --profile cannot be used together: --local never talks to Scaleway")
	}
	return nil
}

// conn is an open connection: the client, and the emulator behind it with --local.
type conn struct {
	client *live.Client
	emu    *emulator.Server
}

func (c *conn) Close() error {
	if c.emu != nil {
		return c.emu.Close()
	}
	return nil
}

// localUsers and localProjects populate a new --local organization so that the examples run
// as they are: users are invited and projects created outside iamsync, never by it. With the
// default project, that is six projects; 'iamsync emulator --projects --users' can seed the same.
var (
	localUsers    = []string{"alice@example.com", "bob@example.com", "carol@example.com"}
	localProjects = []string{"production", "staging", "backups", "data-warehouse", "platform"}
)

// connect builds the API client, starting the local emulator first with --local. orgID, when
// set, is the organization a new local emulator takes (the manifests' organization_id).
func connect(env Env, f connFlags, orgID string) (*conn, error) {
	cfg := live.Config{
		Profile:     f.profile,
		Parallelism: f.parallelism,
		Retry:       live.RetryPolicy{RatePerSec: f.rateLimit},
		UserAgent:   "iamsync/" + currentVersion().Version,
	}
	c := &conn{}
	if f.local {
		path := resolvePath(env, f.localState)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create the local emulator's directory: %w", err)
		}
		emu, err := emulator.Start(emulator.Options{StatePath: path, Users: localUsers, OrganizationID: orgID})
		if err != nil {
			return nil, fmt.Errorf("start the local emulator: %w", err)
		}
		if emu.Fresh() {
			if err := seedProjects(emu, localProjects); err != nil {
				emu.Close()
				return nil, fmt.Errorf("seed the local emulator: %w", err)
			}
		}
		creds := emu.Owner()
		url := emu.URL()
		cfg.Explicit = &scw.Profile{APIURL: &url, AccessKey: &creds.AccessKey, SecretKey: &creds.SecretKey,
			DefaultOrganizationID: &creds.OrganizationID, DefaultProjectID: &creds.ProjectID}
		c.emu = emu
	}
	client, err := live.New(cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.client = client
	return c, nil
}

// seedProjects creates projects named names in the emulator's organization, through its API
// as any client would (the emulator listens already).
func seedProjects(emu *emulator.Server, names []string) error {
	o := emu.Owner()
	client, err := scw.NewClient(scw.WithAPIURL(emu.URL()), scw.WithAuth(o.AccessKey, o.SecretKey), scw.WithDefaultOrganizationID(o.OrganizationID))
	if err != nil {
		return err
	}
	api := account.NewProjectAPI(client)
	for _, name := range names {
		if _, err := api.CreateProject(&account.ProjectAPICreateProjectRequest{Name: name, OrganizationID: o.OrganizationID}); err != nil {
			return err
		}
	}
	return nil
}

// connectError gives a connection failure its next step.
func connectError(err error) error {
	if errors.Is(err, live.ErrNoCredentials) {
		return withHint(err, "set SCW_ACCESS_KEY, SCW_SECRET_KEY and SCW_DEFAULT_ORGANIZATION_ID, use --profile, or try everything locally with --local (no Scaleway account needed)")
	}
	return err
}

// hintedError is an error with the user's next step.
type hintedError struct {
	err  error
	hint string
}

func (h *hintedError) Error() string { return h.err.Error() }
func (h *hintedError) Unwrap() error { return h.err }
func (h *hintedError) Hint() string  { return h.hint }

func withHint(err error, hint string) error { return &hintedError{err, hint} }

// fail reports err, and its hint when it has one, and returns the exit code: ExitRefused for a
// guard's refusal, ExitError for anything else.
func fail(env Env, err error) int {
	if err.Error() != "" {
		errorf(env, "%v", err)
	}
	var h interface{ Hint() string }
	if errors.As(err, &h) && h.Hint() != "" {
		hintf(env, "%s", h.Hint())
	}
	if r, ok := apply.IsRefusal(err); ok {
		if r.Hint != "" {
			hintf(env, "%s", r.Hint)
		}
		return ExitRefused
	}
	return ExitError
}

// resolvePath makes p relative to env.Dir.
func resolvePath(env Env, p string) string {
	if filepath.IsAbs(p) || env.Dir == "" {
		return p
	}
	return filepath.Join(env.Dir, p)
}

// readLive reads what a plan for desired needs: every list, the rules of the policies the
// diff may compare (model.Dependencies: the same ones the saved-plan fingerprint covers), and
// those of the policies attached to the groups it may change, for the access review; through
// the rule cache when there is one.
func readLive(ctx context.Context, client *live.Client, desired *model.Org, cache *live.RuleCache) (*model.Org, error) {
	deps := model.DependenciesOf(desired)
	return client.Read(ctx, live.ReadOptions{RulesFor: deps.WantsRules, RulesForGroup: deps.WantsGroupRules, RuleCache: cache})
}
