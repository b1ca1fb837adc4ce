// Package e2e tests licensor as a vendor runs it: the static binary built
// with CGO_ENABLED=0, provisioned with its CLI, serving on loopback, and
// called over HTTP with signed requests whose signed answers are verified
// with the public key the CLI printed.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/pgtest"
	"github.com/licensor/licensor/internal/testkit"
)

var binary string // the licensor binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "licensor-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "licensor")
	build := exec.Command("go", "build", "-o", binary, "../cmd/licensor")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build licensor:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is a data directory (or, when the suite runs on PostgreSQL, a
// database of its own) with a running `licensor serve`.
type instance struct {
	t         *testing.T
	data      string
	dbURL     string   // "" on SQLite
	extraEnv  []string // appended to the environment of its commands
	url       string
	apiKey    string
	sharedKey string
	publicKey string
	logs      *testkit.SyncBuffer
}

// start runs `licensor init` and `licensor serve` on a free loopback port
// with production settings.
func start(t *testing.T) *instance {
	t.Helper()
	in := newInstance(t)
	in.init()
	in.serve()
	return in
}

// newInstance prepares where an instance keeps its data, without running
// anything.
func newInstance(t *testing.T) *instance {
	return &instance{t: t, data: filepath.Join(t.TempDir(), "data"), dbURL: pgtest.NewDatabase(t), logs: &testkit.SyncBuffer{}}
}

// env is the environment of the instance's commands: its data directory,
// and on PostgreSQL its database and the shared test secret.
func (in *instance) env() []string {
	env := append(os.Environ(), "LICENSOR_DATA="+in.data)
	if in.dbURL != "" {
		env = append(env, "LICENSOR_DATABASE_URL="+in.dbURL, "LICENSOR_SECRET="+testkit.TestSecret)
	}
	return append(env, in.extraEnv...)
}

// init runs `licensor init` and keeps the credential it prints.
func (in *instance) init() {
	in.t.Helper()
	var init struct {
		APIKey    string `json:"api_key"`
		SharedKey string `json:"shared_key"`
		PublicKey string `json:"public_key_pem"`
	}
	in.cliJSON(&init, "init", "--json")
	in.apiKey, in.sharedKey, in.publicKey = init.APIKey, init.SharedKey, init.PublicKey
}

// serve starts `licensor serve` and waits until it is healthy; it is
// stopped with SIGTERM when the test ends.
func (in *instance) serve() {
	t := in.t
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "serve", "--data", in.data, "--addr", addr)
	cmd.Env = in.env()
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("licensor did not stop on SIGTERM")
		}
	})
	in.url = "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(in.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("licensor serve exited:\n%s", in.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("licensor did not become healthy:\n%s", in.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cli runs a licensor command on the instance's data directory.
func (in *instance) cli(args ...string) (string, error) { return in.cliEnv(nil, args...) }

// cliEnv runs a licensor command with more environment variables.
func (in *instance) cliEnv(env []string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(in.env(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("licensor %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func (in *instance) cliJSON(v any, args ...string) {
	in.t.Helper()
	out, err := in.cli(args...)
	if err != nil {
		in.t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		in.t.Fatalf("licensor %s: %v in %q", strings.Join(args, " "), err, out)
	}
}
