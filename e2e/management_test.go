package e2e

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// The Management API on the main listener, on a listener of its own
// (--management-addr), or off (--management-api=false).
func TestManagementListeners(t *testing.T) {
	in := &instance{t: t, data: t.TempDir() + "/data", logs: in0()}
	in.init()
	var k struct{ Key string }
	in.cliJSON(&k, "management-key", "create", "--json")
	get := func(url string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url+"/api/v1/licenses/", nil)
		req.Header.Set("Authorization", "Api-Key "+k.Key)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	s := startServer(t, in)
	if code := get(s.url); code != 200 {
		t.Fatalf("on the main listener: %d", code)
	}
	s.stop(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	mgmt := "http://" + ln.Addr().String()
	ln.Close()
	s = startServer(t, in, "--management-addr", mgmt[len("http://"):])
	deadline := time.Now().Add(10 * time.Second)
	for get(mgmt) != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the management listener does not answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := get(s.url); code != 404 {
		t.Fatalf("/api/v1 on the main listener with --management-addr: %d", code)
	}
	s.stop(t)

	s = startServer(t, in, "--management-api=false")
	if code := get(s.url); code != 404 {
		t.Fatalf("with --management-api=false: %d", code)
	}
}
