package cmd

import "context"

// runValidate is not written yet.
func runValidate(_ context.Context, env Env, _ []string) int {
	errorf(env, "'validate' is not implemented yet")
	return ExitError
}
