// Package resilience holds iamsync's resilience suites (issue 7): fault injection, crash
// safety under SIGKILL, concurrent applies, interrupts, secret canaries, the
// apply-converges fuzz target and the scale measurements. Everything is in the tests; this
// file only documents the package. RELIABILITY.md at the repository root records the figures
// and the command behind each.
//
// The suites run the real iamsync binary (built once per test process into a temporary
// directory) against an emulator served from the test process, so that a process can be
// killed at any point and no test hook ships in the binary. Short versions run in `go test`;
// -resilience.long runs the long ones.
package resilience
