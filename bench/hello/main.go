// Command hello is the baseline of licensor's HTTP benchmarks: the smallest
// net/http server, answering every request with a short body. The licensor
// figures in the README are ratios to what this reaches on the same machine
// in the same run.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hello ADDR")
		os.Exit(2)
	}
	err := http.ListenAndServe(os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("hello world\n"))
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
