package cmd

import "context"

// runPlan is not written yet.
func runPlan(_ context.Context, env Env, _ []string) int {
	errorf(env, "'plan' is not implemented yet")
	return ExitError
}
