package licensor

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
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real licensor binary: built here from the
// repository (../..) unless LICENSOR_BIN names one, provisioned with its
// CLI, and serving on loopback.

// binary is the licensor binary, built once per test binary.
var binary struct {
	once sync.Once
	path string
	dir  string // a temporary build directory to remove, if any
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// licensorBinary builds licensor (CGO_ENABLED=0), or returns LICENSOR_BIN.
func licensorBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		if p := os.Getenv("LICENSOR_BIN"); p != "" {
			binary.path, binary.err = filepath.Abs(p)
			return
		}
		dir, err := os.MkdirTemp("", "licensor-go-client-e2e")
		if err != nil {
			binary.err = err
			return
		}
		binary.dir = dir
		binary.path = filepath.Join(dir, "licensor")
		cmd := exec.Command("go", "build", "-o", binary.path, "github.com/licensor/licensor/cmd/licensor")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build licensor: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// server is a licensor data directory and, while started, its `licensor
// serve`.
type server struct {
	t         *testing.T
	bin       string
	data      string
	addr      string
	apiKey    string
	sharedKey string
	publicKey string
	logs      *syncBuffer

	cmd  *exec.Cmd
	done chan struct{}
}

// newServer runs `licensor init` in a new data directory.
func newServer(t *testing.T) *server {
	t.Helper()
	s := &server{t: t, bin: licensorBinary(t), data: filepath.Join(t.TempDir(), "data"), logs: &syncBuffer{}}
	var init struct {
		APIKey    string `json:"api_key"`
		SharedKey string `json:"shared_key"`
		PublicKey string `json:"public_key_pem"`
	}
	s.cliJSON(&init, "init", "--json", "--data", s.data)
	if init.APIKey == "" || init.SharedKey == "" || !strings.Contains(init.PublicKey, "BEGIN PUBLIC KEY") {
		t.Fatalf("licensor init printed %+v", init)
	}
	s.apiKey, s.sharedKey, s.publicKey = init.APIKey, init.SharedKey, init.PublicKey
	return s
}

// cli runs a licensor command on the data directory and returns stdout.
func (s *server) cli(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "LICENSOR_DATA="+s.data)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("licensor %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// cliJSON runs a licensor command and decodes its JSON output into v.
func (s *server) cliJSON(v any, args ...string) {
	s.t.Helper()
	out := s.cli(args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		s.t.Fatalf("licensor %s: %v in %q", strings.Join(args, " "), err, out)
	}
}

// url is the server's base URL.
func (s *server) url() string { return "http://" + s.addr }

// start runs `licensor serve` (on the same address as before, if it ran
// already) and waits until /healthz answers. The test's cleanup stops it.
func (s *server) start() {
	t := s.t
	t.Helper()
	if s.addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s.addr = ln.Addr().String()
		ln.Close()
		t.Cleanup(s.stop)
	}
	s.cmd = exec.Command(s.bin, "serve", "--data", s.data, "--addr", s.addr, "--rate-limits=false")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	s.done = done
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); close(done) }(s.cmd)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			t.Fatalf("licensor serve exited:\n%s", s.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("licensor serve did not become healthy:\n%s", s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the serve process: SIGTERM, then a kill after 10 s.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		s.t.Errorf("licensor serve did not stop on SIGTERM:\n%s", s.logs)
	}
	s.cmd = nil
}

// client is a Client of the server, trusting publicKey.
func (s *server) client(publicKey string, edit ...func(*Config)) *Client {
	s.t.Helper()
	cfg := Config{BaseURL: s.url(), APIKey: s.apiKey, SharedKey: s.sharedKey, PublicKeyPEM: publicKey,
		AppName: "e2e", AppVersion: "1.0", Timeout: 10 * time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}
