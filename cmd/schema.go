package cmd

import "context"

// runSchema is not written yet.
func runSchema(_ context.Context, env Env, _ []string) int {
	errorf(env, "'schema' is not implemented yet")
	return ExitError
}
