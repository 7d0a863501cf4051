package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/iamsync/iamsync/apply"
	"github.com/iamsync/iamsync/live"
)

// Where apply puts new keys' credentials: the secrets file (default), or Scaleway Secret
// Manager (issue 13), which is the only place they go then: no secrets file is written (one
// place, as the README promises), while the lock and the pending-keys journal still sit at
// --secrets-file's path, since they guard this machine's runs.
const (
	secretsToFile          = "file"
	secretsToSecretManager = "scaleway-secret-manager"
)

type secretsFlags struct {
	to      string // file or scaleway-secret-manager
	project string // Secret Manager project, name or ID
}

func (s *secretsFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.to, "secrets-to", secretsToFile, "where new API keys' credentials go: file (--secrets-file) or scaleway-secret-manager (a version of the secret named by the manifest's `secret`; no file is written)")
	fs.StringVar(&s.project, "secrets-project", "", "Secret Manager `project` (name or ID) with --secrets-to scaleway-secret-manager (default: SCW_DEFAULT_PROJECT_ID, else the organization's default project)")
}

func (s *secretsFlags) check() error {
	switch s.to {
	case secretsToFile:
		if s.project != "" {
			return fmt.Errorf("--secrets-project needs --secrets-to %s", secretsToSecretManager)
		}
	case secretsToSecretManager:
	default:
		m := suggest(s.to, []string{secretsToFile, secretsToSecretManager})
		if m == "" && strings.Contains(secretsToSecretManager, strings.ToLower(s.to)) && len(s.to) >= 6 {
			m = secretsToSecretManager // "secret-manager", "manager"...
		}
		if m != "" {
			return fmt.Errorf("--secrets-to must be %s or %s, not %q (did you mean %s?)", secretsToFile, secretsToSecretManager, s.to, m)
		}
		return fmt.Errorf("--secrets-to must be %s or %s, not %q", secretsToFile, secretsToSecretManager, s.to)
	}
	return nil
}

func (s *secretsFlags) secretManager() bool { return s.to == secretsToSecretManager }

// checkCI refuses, in CI, the secrets file nobody chose: a CI runner's working directory
// vanishes with the job, taking new keys' only copy of their secrets with it (issue 18). An
// explicit --secrets-file says the file is kept (a mounted volume, a later step that stores it);
// --local's keys are the emulator's, worth nothing outside it.
func (s *secretsFlags) checkCI(env Env, secretsFileGiven, local bool) error {
	if s.secretManager() || secretsFileGiven || local || !inCI(env) {
		return nil
	}
	return withHint(
		fmt.Errorf("CI=%s: new API keys' secrets would go to the default secrets file, which vanishes with the CI job", env.Getenv("CI")),
		"store them in Scaleway Secret Manager with --secrets-to "+secretsToSecretManager+" (rights: "+strings.Join(secretManagerRights, ", ")+
			" on the secrets' project), or give --secrets-file PATH on storage the runner keeps")
}

// inCI reports whether the CI variable GitHub Actions, GitLab CI and most others set is on.
func inCI(env Env) bool {
	switch strings.ToLower(env.Getenv("CI")) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// open is apply.RunOptions.OpenSecrets: nil for the secrets file.
func (s *secretsFlags) open(stack string) apply.OpenSecrets {
	if !s.secretManager() {
		return nil
	}
	return func(ctx context.Context, t apply.Target) (apply.SecretStore, error) {
		c, ok := t.(target)
		if !ok {
			return nil, fmt.Errorf("internal error: no API client for Secret Manager")
		}
		return c.Client.SecretManager(ctx, s.project, stack)
	}
}

// dest names where the credentials went, in progress lines and the report.
func (s *secretsFlags) dest(secretsFile string) string {
	if s.secretManager() {
		return "Secret Manager"
	}
	return secretsFile
}

var _ apply.SecretStore = (*live.SecretManager)(nil)
