package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/testkit"
)

// A flood of idle keep-alive connections, more than the process may open
// files, does not stall new clients: by default licensor caps connections
// within the open-file limit and closes the longest-idle one to make room.
func TestIdleFloodUnderALowOpenFileLimit(t *testing.T) {
	in := &instance{t: t, data: filepath.Join(t.TempDir(), "data"), logs: &testkit.SyncBuffer{}}
	in.init()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command("sh", "-c", `ulimit -n 256 && exec "$0" "$@"`, binary, "serve", "--data", in.data, "--addr", addr)
	cmd.Env = in.env()
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	client := &http.Client{Timeout: 5 * time.Second}
	healthy := func() error {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("healthz answered %d", resp.StatusCode)
		}
		return nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for healthy() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("licensor did not start:\n%s", in.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Each connection asks once and stays open: keep-alive keeps it for
	// 90 s. Past the open-file limit, a server without a cap stops
	// accepting and every new client waits in the kernel's backlog.
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 600 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		held = append(held, c)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	// The first answer may be the cap's 503 while every connection is
	// still busy with its request; then room is made.
	deadline = time.Now().Add(15 * time.Second)
	for err := healthy(); err != nil; err = healthy() {
		if time.Now().After(deadline) {
			t.Fatalf("healthz under a flood of %d connections with 256 open files: %v\n%s", len(held), err, in.logs)
		}
	}
	for i := range 3 {
		if err := healthy(); err != nil {
			t.Fatalf("healthz %d after the flood settled: %v", i, err)
		}
	}
}
