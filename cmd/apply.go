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
	"github.com/iamsync/iamsync/live"
	"github.com/iamsync/iamsync/plan"
	"github.com/iamsync/iamsync/secrets"
)

type applyFlags struct {
	plan        planFlags
	autoApprove bool   // apply without asking
	secretsFile string // where new keys' credentials go
}

func (f *applyFlags) register(fs *pflag.FlagSet) {
	f.plan.conn.register(fs)
	f.plan.registerDiff(fs)
	f.plan.format = "text"
	fs.BoolVar(&f.autoApprove, "auto-approve", false, "apply without asking for confirmation (required without a terminal)")
	fs.StringVar(&f.secretsFile, "secrets-file", "iamsync.secrets.env", "file new API keys' credentials are written to (.env, .json or .yaml)")
}

func (f *applyFlags) check() error { return f.plan.check() }

const applyUsage = `Usage: iamsync apply [flags] [PATH...]
       iamsync apply [flags] PLAN.json

Converges the organization to the manifests (files or directories; default: the current
directory), or executes a plan saved by 'iamsync plan --out', refusing it if the manifests or
the organization changed since. New API keys' credentials go to --secrets-file, never to the
terminal. On a terminal the plan is shown and must be confirmed with 'yes'; elsewhere
--auto-approve or a saved plan is required.

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
	saved, err := readSavedPlan(env, paths)
	if err != nil {
		errorf(env, "%v", err)
		return ExitError
	}
	if saved != nil {
		paths = saved.Sources
	}
	// One apply at a time per secrets file: two would read the same organization, create the
	// same keys and race on the file (RELIABILITY.md, "Concurrency").
	secretsPath := resolvePath(env, f.secretsFile)
	lock, err := secrets.WaitLock(ctx, secretsPath, func() {
		warnf(env, "waiting for another iamsync apply using %s to finish", f.secretsFile)
	})
	if err != nil {
		errorf(env, "%v", err)
		hintf(env, "the lock file sits beside --secrets-file, whose directory must exist and be writable")
		return ExitError
	}
	defer lock.Unlock()
	s, code := prepare(ctx, env, f.plan, paths)
	if s == nil {
		return code
	}
	n, pending, err := recoverLostKeys(ctx, env, s.conn.client, secretsPath)
	if err != nil {
		s.close()
		errorf(env, "%v", err)
		hintf(env, "nothing was applied; fix the cause and run apply again")
		return ExitError
	} else if n > 0 {
		s.close()
		if s, code = prepare(ctx, env, f.plan, paths); s == nil {
			return code
		}
	}
	defer s.close()
	p := s.plan
	if saved != nil {
		if saved.Fingerprint.Manifests != p.Fingerprint.Manifests {
			errorf(env, "the saved plan is stale: the manifests changed since it was made")
			hintf(env, "run 'iamsync plan --out FILE' again and review the new plan")
			return ExitRefused
		}
		if saved.Fingerprint.Live != p.Fingerprint.Live {
			errorf(env, "the saved plan is stale: the organization changed since it was made")
			hintf(env, "run 'iamsync plan --out FILE' again and review the new plan")
			return ExitRefused
		}
		p = saved
	}
	if len(p.Conflicts) > 0 {
		_ = render(env, p, "text", f.plan.noColor)
		errorf(env, "%d conflict(s) block this plan", len(p.Conflicts))
		hintf(env, "adopt the resources (adopt: true, or --adopt), rename them in the manifests, or remove them")
		return ExitRefused
	}
	if len(p.Actions) == 0 {
		fmt.Fprintln(env.Stdout, "No changes. The organization matches the manifests.")
		return ExitOK
	}
	if why := massDelete(p, s.live, f.plan.maxDeletes); why != "" && !f.plan.allowMassDelete {
		_ = render(env, p, "text", f.plan.noColor)
		errorf(env, "refusing to apply: %s", why)
		hintf(env, "if the deletions are intended, run again with --allow-mass-delete (or raise --max-deletes)")
		return ExitRefused
	}
	if saved != nil || f.autoApprove {
		// Unattended runs log what they are about to do before doing it.
		if err := render(env, p, "text", f.plan.noColor); err != nil {
			errorf(env, "render the plan: %v", err)
			return ExitError
		}
	} else {
		if !env.IsTTY {
			errorf(env, "apply needs confirmation, and there is no terminal to ask on")
			hintf(env, "review 'iamsync plan' and pass --auto-approve, or apply a saved plan: 'iamsync plan --out plan.json' then 'iamsync apply plan.json'")
			return ExitRefused
		}
		if err := render(env, p, "text", f.plan.noColor); err != nil {
			errorf(env, "render the plan: %v", err)
			return ExitError
		}
		fmt.Fprint(env.Stdout, "\nDo you want to apply these changes? Only 'yes' will be accepted: ")
		answer, _ := bufio.NewReader(env.Stdin).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			fmt.Fprintln(env.Stdout, "Apply cancelled; nothing was changed.")
			return ExitRefused
		}
	}
	warnIfTracked(env, secretsPath)
	journal := secrets.JournalFor(secretsPath)
	before := s.conn.client.Stats()
	res := apply.Apply(ctx, journalingWriter{s.conn.client, journal, s.live, f.plan.keepOld}, p, apply.Options{
		Stack:       p.Stack,
		Live:        s.live,
		Secrets:     secrets.Open(secretsPath),
		Parallelism: f.plan.conn.parallelism,
		IsAmbiguous: live.IsAmbiguous,
		Progress:    func(ev apply.Event) { printEvent(env, ev, f.secretsFile) },
	})
	// The run settled every key it created (stored, or deleted again): the journal has served,
	// unless an orphan is left or a key creation failed (its cleanup may have failed too), in
	// which case the next run checks those keys.
	if len(res.Orphans) == 0 && !keyCreateFailed(res) && !pending {
		if err := journal.Clear(); err != nil {
			warnf(env, "%v", err)
		}
	}
	after := s.conn.client.Stats()
	return report(env, res, after.Requests-before.Requests, after.Retries-before.Retries, f.secretsFile)
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
		fmt.Fprintf(env.Stderr, "%-3s %s: failed: %v\n", a.Op.Symbol(), a.Key, ev.Err)
		return
	}
	past := map[plan.Op]string{plan.Create: "created", plan.Update: "updated", plan.Replace: "replaced", plan.Delete: "deleted", plan.Adopt: "adopted"}[a.Op]
	line := fmt.Sprintf("%-3s %s: %s", a.Op.Symbol(), a.Key, past)
	if ev.ID != "" && a.Op != plan.Delete {
		line += " (" + ev.ID + ")"
	}
	if ev.Secret != "" {
		line += fmt.Sprintf("; credentials in %s as %s", secretsFile, ev.Secret)
	}
	fmt.Fprintf(env.Stderr, "%s [%s]\n", line, ev.Duration.Round(1e6))
}

func report(env Env, res *apply.Result, calls, retries int64, secretsFile string) int {
	fmt.Fprintf(env.Stdout, "\nApply: %d done, %d failed, %d not started (%d API calls, %d retries).\n",
		len(res.Done), len(res.Failed), len(res.Skipped), calls, retries)
	for _, o := range res.Orphans {
		errorf(env, "API key %s exists but its secret could not be stored: delete it with 'scw iam api-key delete %s'", o, o)
	}
	if res.Interrupted {
		warnf(env, "interrupted: no new action was started after the interrupt; the secrets file %s holds every key created", secretsFile)
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
