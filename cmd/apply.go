package cmd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/escape"
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/model"
	"github.com/iamsync/iamsync/plan"
)

type applyFlags struct {
	plan        planFlags
	autoApprove bool   // apply without asking
	secretsFile string // where new keys' credentials go
	secrets     secretsFlags
}

func (f *applyFlags) register(fs *pflag.FlagSet) {
	f.plan.conn.registerWith(fs, applyTimeout)
	f.plan.registerDiff(fs)
	f.plan.format = "text"
	fs.BoolVar(&f.autoApprove, "auto-approve", false, "apply without asking for confirmation (required without a terminal)")
	fs.StringVar(&f.secretsFile, "secrets-file", "iamsync.secrets.env", "file new API keys' credentials are written to (.env, .json or .yaml)")
	f.secrets.register(fs)
}

func (f *applyFlags) check() error {
	if err := f.secrets.check(); err != nil {
		return err
	}
	return f.plan.check()
}

const applyUsage = `Usage: iamsync apply [flags] [PATH...]
       iamsync apply [flags] PLAN.json

Converges the organization to the manifests (files or directories; default: the current
directory), or executes a plan saved by 'iamsync plan --out', refusing it if the manifests or
the organization changed since. New API keys' credentials go to --secrets-file, never to the
terminal (or, with --secrets-to scaleway-secret-manager, to Secret Manager). On a terminal the
plan is shown and must be confirmed with 'yes'; elsewhere --auto-approve or a saved plan is
required. In CI (CI=true), where a runner's files vanish with the job, apply refuses to write
secrets to a file it was not given explicitly: use --secrets-to scaleway-secret-manager (which
needs ` + "SecretManagerSecretCreate, SecretManagerSecretWrite and SecretManagerSecretDelete" + ` on
the secrets' project), or --secrets-file on storage the runner keeps.

Example:
  iamsync apply --local examples/quickstart

Flags:
`

func runApply(ctx context.Context, env Env, args []string) int {
	var f applyFlags
	fs := newFlagSet(env, "apply", applyUsage, f.register)
	paths, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	// The deadline covers the whole command, a confirmation prompt included; once it passes,
	// apply starts no new action, as after an interrupt.
	ctx, cancel := f.plan.conn.deadline(ctx)
	defer cancel()
	if err := f.secrets.checkCI(env, fs.Changed("secrets-file"), f.plan.conn.local); err != nil {
		fail(env, err)
		return ExitRefused // a guard: secrets would be lost, not a mistake in the command
	}
	saved, err := readSavedPlan(env, paths)
	if err != nil {
		errorf(env, "%v", err)
		return ExitError
	}
	if saved != nil {
		paths = saved.Sources
	}
	s, ok := load(env, f.plan, paths)
	if !ok {
		return ExitError
	}
	defer s.close()
	// From here on, stderr goes through the progress report (progress.go).
	prog := newProgress(env, func() live.Stats { return s.conn.client.Stats() })
	env.Stderr = prog
	defer prog.end()
	secretsPath := resolvePath(env, f.secretsFile)
	var before live.Stats
	out, err := apply.Run(ctx, apply.RunOptions{
		SecretsPath: secretsPath,
		Open: func(context.Context) (apply.Target, error) {
			if err := s.connect(env); err != nil {
				return nil, err
			}
			return target{s.conn.client, s}, nil
		},
		OpenSecrets:     f.secrets.open(s.desired.Stack),
		Saved:           saved,
		MaxDeletes:      f.plan.maxDeletes,
		AllowMassDelete: f.plan.allowMassDelete,
		KeepOld:         f.plan.keepOld,
		Warn:            func(msg string) { warnf(env, "%s", msg) },
		Approve: func(p *plan.Plan) error {
			if err := approve(env, f, p, saved != nil); err != nil {
				return err
			}
			if !f.secrets.secretManager() {
				warnIfTracked(env, secretsPath)
			}
			before = s.conn.client.Stats()
			prog.begin(len(p.Actions))
			return nil
		},
		Apply: apply.Options{
			Parallelism:     f.plan.conn.parallelism,
			IsAmbiguous:     live.IsAmbiguous,
			IsAlreadyExists: live.IsAlreadyExists,
			Progress: func(ev apply.Event) {
				prog.finished(ev.Err != nil)
				printEvent(env, ev, f.secrets.dest(f.secretsFile))
			},
		},
	})
	prog.end() // before the report, which goes to stdout
	if r, ok := apply.IsRefusal(err); ok && r.Plan != nil {
		_ = render(env, r.Plan, "text", f.plan.noColor)
	}
	if err != nil {
		return fail(env, err)
	}
	if out.Result == nil {
		fmt.Fprintln(env.Stdout, "No changes. The organization matches the manifests.")
		return ExitOK
	}
	after := s.conn.client.Stats()
	// The next plan finds the rules of the policies this run created in the rule cache.
	_, _ = s.conn.client.SeedRuleCache()
	return report(ctx, env, out.Result, after.Requests-before.Requests, after.Retries-before.Retries, f.secrets.dest(f.secretsFile))
}

// target is the organization apply works on: the client writes, the session plans.
type target struct {
	*live.Client
	s *session
}

func (t target) Plan(ctx context.Context, in apply.PlanInputs) (*plan.Plan, *model.Org, error) {
	t.s.storedTokens = in.StoredTokens
	if err := t.s.replan(ctx); err != nil {
		return nil, nil, err
	}
	return t.s.plan, t.s.live, nil
}

// approve shows p and asks for confirmation on a terminal; unattended runs (a saved plan, or
// --auto-approve) log the plan they are about to apply instead.
func approve(env Env, f applyFlags, p *plan.Plan, saved bool) error {
	if !saved && !f.autoApprove && !env.IsTTY {
		return &apply.Refusal{Reason: apply.NotApproved, Msg: "apply needs confirmation, and there is no terminal to ask on",
			Hint: "review 'iamsync plan' and pass --auto-approve, or apply a saved plan: 'iamsync plan --out plan.json' then 'iamsync apply plan.json'"}
	}
	if err := render(env, p, "text", f.plan.noColor); err != nil {
		return fmt.Errorf("render the plan: %w", err)
	}
	if saved || f.autoApprove {
		return nil
	}
	fmt.Fprint(env.Stdout, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
	answer, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		fmt.Fprintln(env.Stdout, "Apply cancelled; nothing was changed.")
		return &apply.Refusal{Reason: apply.NotApproved} // the answer was the user's: nothing more to say
	}
	return nil
}

// readSavedPlan returns the plan when the only argument is a saved plan file.
func readSavedPlan(env Env, paths []string) (*plan.Plan, error) {
	if len(paths) != 1 || !strings.EqualFold(filepath.Ext(paths[0]), ".json") {
		return nil, nil
	}
	fh, err := os.Open(resolvePath(env, paths[0]))
	if err != nil {
		return nil, fmt.Errorf("open the saved plan: %w", err)
	}
	defer fh.Close()
	p, err := plan.Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%s is not a plan saved by 'iamsync plan --out': %w", paths[0], err)
	}
	return p, nil
}

func printEvent(env Env, ev apply.Event, secretsFile string) {
	a := ev.Action
	if ev.Err != nil {
		fmt.Fprintf(env.Stderr, "%-3s %s: failed: %s\n", a.Op.Symbol(), escape.Name(a.Key.String()), printableLines(ev.Err.Error()))
		return
	}
	past := map[plan.Op]string{plan.Create: "created", plan.Update: "updated", plan.Replace: "replaced", plan.Delete: "deleted", plan.Adopt: "adopted"}[a.Op]
	line := fmt.Sprintf("%-3s %s: %s", a.Op.Symbol(), escape.Name(a.Key.String()), past)
	if ev.ID != "" && a.Op != plan.Delete {
		line += " (" + escape.Printable(ev.ID) + ")"
	}
	if ev.Secret != "" {
		line += fmt.Sprintf("; credentials in %s as %s", secretsFile, escape.Printable(ev.Secret))
	}
	if ev.Note != "" {
		line += "; " + ev.Note
	}
	fmt.Fprintf(env.Stderr, "%s [%s]\n", line, ev.Duration.Round(1e6))
}

func report(ctx context.Context, env Env, res *apply.Result, calls, retries int64, secretsFile string) int {
	fmt.Fprintf(env.Stdout, "\nApply: %d done, %d failed, %d not started (%d API calls, %d retries).\n",
		len(res.Done), len(res.Failed), len(res.Skipped), calls, retries)
	for _, o := range res.Orphans {
		errorf(env, "API key %s exists but its secret could not be stored: delete it with 'scw iam api-key delete %s'", o, o)
	}
	if res.FlushErr != nil {
		errorf(env, "%v", res.FlushErr)
	}
	if t, ok := timedOut(ctx); ok && res.Interrupted {
		warnf(env, "%v: no new action was started after it; %s holds every key created", t, secretsFile)
		hintf(env, "raise --timeout (it was %s) if the organization is large or the API slow, then run apply again: it converges from wherever this run stopped", t.d)
	} else if res.Interrupted {
		warnf(env, "interrupted: no new action was started after the interrupt; %s holds every key created", secretsFile)
	}
	if res.OK() {
		return ExitOK
	}
	for _, f := range res.Failed {
		errorf(env, "%v", f)
	}
	hintf(env, "what succeeded stays done; fix the cause and run apply again: it converges from wherever this run stopped")
	return ExitError
}

// warnIfTracked warns when git tracks the secrets file: a commit would publish the secrets.
func warnIfTracked(env Env, path string) {
	dir := filepath.Dir(path)
	cmd := exec.Command("git", "-C", dir, "ls-files", "--error-unmatch", filepath.Base(path))
	if cmd.Run() == nil {
		warnf(env, "%s is tracked by git: remove it from the repository (git rm --cached) and add it to .gitignore", path)
	}
}
