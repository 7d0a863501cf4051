package cmd

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/emulator"
)

type emulatorFlags struct {
	listen           string        // address to serve on; port 0 picks a free one
	state            string        // state file ("" = in memory)
	seed             int64         // IDs, keys and faults derive from it
	faultRate        float64       // probability of a fault per request
	faultKinds       string        // comma-separated emulator.FaultKind values
	faultRoutes      string        // comma-separated route selectors ("" = all)
	latency          time.Duration // added delay (every request unless --fault-kinds is set)
	users            string        // comma-separated member emails to seed
	projects         string        // comma-separated project names to seed besides "default"
	managedObjects   bool          // seed a provider-managed VPN application and policy
	printCredentials bool          // print the owner secret again for an existing state
	quotas           []string      // NAME=N limits to enforce, or "default" for the documented ones
	rateLimit        float64       // requests per second above which the answer is 429 (0 = none)
}

var faultKinds = []string{"429", "500", "503", "409", "drop", "lost-response", "latency"}

func (f *emulatorFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:0", "address to serve on (port 0 = any free port; the actual address is printed)")
	fs.StringVar(&f.state, "state", "", "persist the organization in `FILE` (created on first start; 0600, holds secret keys)")
	fs.Int64Var(&f.seed, "seed", 0, "seed of IDs, keys and fault draws (same seed, same requests: same answers)")
	fs.Float64Var(&f.faultRate, "fault-rate", 0, "probability (0..1) that a request gets a fault from --fault-kinds")
	fs.StringVar(&f.faultKinds, "fault-kinds", "", "comma-separated faults: "+strings.Join(faultKinds, ", ")+" (default 503)")
	fs.StringVar(&f.faultRoutes, "fault-routes", "", "comma-separated routes faults apply to, e.g. 'POST /iam/v1alpha1/api-keys' (default all)")
	fs.DurationVar(&f.latency, "latency", 0, "added latency: on every request, or only for the 'latency' fault kind when --fault-kinds is set")
	fs.StringVar(&f.users, "users", "", "comma-separated emails of member users to seed (new state only)")
	fs.StringVar(&f.projects, "projects", "", "comma-separated names of projects to create besides 'default' (new state only)")
	fs.BoolVar(&f.managedObjects, "managed-objects", false, "seed a provider-managed VPN Gateway application and policy (new state only)")
	fs.BoolVar(&f.printCredentials, "print-credentials", false, "print the owner secret key even when the state already existed")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0, "answer 429 above `N` requests per second, as the API gateway does (0 = no limit; the API's documented limit is 100)")
	fs.StringArrayVar(&f.quotas, "quota", nil, "enforce a quota, `NAME=N` ("+strings.Join(emulator.QuotaNames(), ", ")+"), or 'default' for the documented limits; repeatable (default: all unlimited)")
}

// quotaLimits turns the --quota values into emulator limits.
func (f *emulatorFlags) quotaLimits() (map[string]int64, error) {
	if len(f.quotas) == 0 {
		return nil, nil
	}
	out := map[string]int64{}
	for _, q := range f.quotas {
		if q == "default" {
			for name, n := range emulator.DefaultQuotas() {
				out[name] = n
			}
			continue
		}
		name, val, ok := strings.Cut(q, "=")
		n, err := strconv.ParseInt(val, 10, 64)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--quota %q: want NAME=N with N a whole number ≥ 0, or 'default'", q)
		}
		if !slices.Contains(emulator.QuotaNames(), name) {
			if s := suggest(name, emulator.QuotaNames()); s != "" {
				return nil, fmt.Errorf("unknown quota %q in --quota (did you mean %q?)", name, s)
			}
			return nil, fmt.Errorf("unknown quota %q in --quota; known: %s", name, strings.Join(emulator.QuotaNames(), ", "))
		}
		out[name] = n
	}
	return out, nil
}

func (f *emulatorFlags) check() error {
	if f.faultRate < 0 || f.faultRate > 1 {
		return fmt.Errorf("--fault-rate must be between 0 and 1, not %v", f.faultRate)
	}
	if f.latency < 0 {
		return fmt.Errorf("--latency must not be negative")
	}
	if f.rateLimit < 0 {
		return fmt.Errorf("--rate-limit must not be negative, not %v (0 turns it off)", f.rateLimit)
	}
	for _, k := range splitList(f.faultKinds) {
		ok := false
		for _, known := range faultKinds {
			ok = ok || k == known
		}
		if !ok {
			if s := suggest(k, faultKinds); s != "" {
				return fmt.Errorf("unknown fault kind %q in --fault-kinds (did you mean %q?)", k, s)
			}
			return fmt.Errorf("unknown fault kind %q in --fault-kinds; known: %s", k, strings.Join(faultKinds, ", "))
		}
	}
	if f.faultRate > 0 && f.faultKinds == "" && f.latency > 0 {
		return fmt.Errorf("--fault-rate with --latency needs --fault-kinds (latency alone delays every request)")
	}
	_, err := f.quotaLimits()
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const emulatorUsage = `Usage: iamsync emulator [flags]

Runs the local Scaleway IAM API emulator (IAM v1alpha1, Account v3 projects, Secret Manager)
until interrupted, then saves its state (--state FILE, with its journal FILE.journal). It prints the environment for any Scaleway SDK or CLI:
  export SCW_API_URL=… SCW_ACCESS_KEY=… SCW_SECRET_KEY=… SCW_DEFAULT_ORGANIZATION_ID=… SCW_DEFAULT_PROJECT_ID=…
The owner secret key is printed when the organization is created; restarting on an existing
--state prints everything but the secret, unless --print-credentials is given.
Request counts are served at GET /_emulator/stats (DELETE resets them).

A new organization has one project, "default", and the owner; --projects and --users add
more. The organization --local starts with, on which every example under examples/ plans, is:
  iamsync emulator --projects production,staging,backups,data-warehouse,platform \
    --users alice@example.com,bob@example.com,carol@example.com

Example:
  iamsync emulator --state org.json --users alice@example.com > emulator.env &
  sleep 1; . ./emulator.env; scw iam application list
  iamsync emulator --listen 127.0.0.1:8080 --fault-rate 0.1 --fault-kinds 429,503,lost-response
  iamsync emulator --quota default --quota groups=5 --rate-limit 100

Flags:
`

func runEmulator(ctx context.Context, env Env, args []string) int {
	var f emulatorFlags
	fs := newFlagSet(env, "emulator", emulatorUsage, f.register)
	rest, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	if len(rest) > 0 {
		errorf(env, "emulator takes no arguments, got %q", rest[0])
		return ExitError
	}
	state := f.state
	if state != "" && env.Dir != "" && !filepath.IsAbs(state) {
		state = filepath.Join(env.Dir, state)
	}
	quotas, _ := f.quotaLimits() // checked by f.check
	srv, err := emulator.New(emulator.Options{
		Seed: f.seed, StatePath: state, ManagedObjects: f.managedObjects, Users: splitList(f.users), Quotas: quotas,
		RateLimit: f.rateLimit,
	})
	if err != nil {
		errorf(env, "%v", err)
		if state != "" {
			hintf(env, "move %s aside to start a new organization", state)
		}
		return ExitError
	}
	if !srv.Fresh() && (f.users != "" || f.projects != "" || f.managedObjects) {
		warnf(env, "--users, --projects and --managed-objects only apply to a new state; %s already exists", state)
	}
	var kinds []emulator.FaultKind
	for _, k := range splitList(f.faultKinds) {
		kinds = append(kinds, emulator.FaultKind(k))
	}
	srv.SetFaults(emulator.Faults{Seed: f.seed, Rate: f.faultRate, Kinds: kinds, Latency: f.latency, Routes: splitList(f.faultRoutes)})
	if err := srv.Listen(f.listen); err != nil {
		errorf(env, "%v", err)
		hintf(env, "pick another address with --listen, or port 0 for any free port")
		srv.Close()
		return ExitError
	}
	if srv.Fresh() {
		if err := seedProjects(srv, splitList(f.projects)); err != nil {
			errorf(env, "create the projects of --projects: %v", err)
			srv.Close()
			return ExitError
		}
	}
	if host, _, err := net.SplitHostPort(f.listen); err == nil {
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			warnf(env, "listening on %s: the emulator's keys derive from --seed and are predictable; keep it on loopback", f.listen)
		}
	}
	owner := srv.Owner()
	fmt.Fprintf(env.Stdout, "export SCW_API_URL=%s\n", srv.URL())
	fmt.Fprintf(env.Stdout, "export SCW_ACCESS_KEY=%s\n", owner.AccessKey)
	if srv.Fresh() || f.printCredentials {
		fmt.Fprintf(env.Stdout, "export SCW_SECRET_KEY=%s\n", owner.SecretKey)
	}
	fmt.Fprintf(env.Stdout, "export SCW_DEFAULT_ORGANIZATION_ID=%s\n", owner.OrganizationID)
	fmt.Fprintf(env.Stdout, "export SCW_DEFAULT_PROJECT_ID=%s\n", owner.ProjectID)
	if !srv.Fresh() && !f.printCredentials {
		hintf(env, "the owner secret key was printed when %s was created; add --print-credentials to print it again", state)
	}
	where := "in memory only"
	if state != "" {
		where = "state in " + state
	}
	fmt.Fprintf(env.Stderr, "iamsync: emulator serving on %s (%s); stop with Ctrl-C or SIGTERM\n", srv.URL(), where)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		errorf(env, "stopping the emulator: %v", err)
		return ExitError
	}
	if state != "" {
		fmt.Fprintf(env.Stderr, "iamsync: emulator stopped; state saved to %s\n", state)
	}
	return ExitOK
}
