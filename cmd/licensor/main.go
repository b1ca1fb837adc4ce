// Command licensor is a self-hosted License API v4 server.
package main

import (
	"context"
	"os"

	"github.com/licensor/licensor/internal/cli"
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr))
}
