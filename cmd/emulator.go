package cmd

import "context"

// runEmulator is not written yet.
func runEmulator(_ context.Context, env Env, _ []string) int {
	errorf(env, "'emulator' is not implemented yet")
	return ExitError
}
