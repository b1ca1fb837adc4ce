// Command standin runs oidctest's stand-in OpenID Connect provider for the
// client libraries' SSO tests (scripts/test builds it and names it in
// LICENSOR_OIDC_BIN). It prints its issuer URL on the first line of
// stdout and serves until it is killed or its stdin closes.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/licensor/licensor/internal/oidctest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	p, err := oidctest.Start(*addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.URL)
	// A test that dies without stopping the provider closes our stdin.
	_, _ = io.Copy(io.Discard, os.Stdin)
	p.Close()
}
