// Command iamsync keeps a Scaleway organization's IAM in sync with YAML manifests.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/iamsync/iamsync/cmd"
)

func main() {
	// The first SIGINT/SIGTERM cancels ctx: apply starts no new action, lets the ones in flight
	// finish, flushes the secrets file and prints its report. A second one exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		os.Exit(130)
	}()
	os.Exit(cmd.Main(ctx, os.Args[1:], cmd.OSEnv()))
}
