package cmd

import "context"

// runApply is not written yet.
func runApply(_ context.Context, env Env, _ []string) int {
	errorf(env, "'apply' is not implemented yet")
	return ExitError
}
