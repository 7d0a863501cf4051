//go:build race

package resilience

// raceEnabled builds the binary under test with the race detector too.
const raceEnabled = true
