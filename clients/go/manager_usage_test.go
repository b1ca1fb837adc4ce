package licensor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The manager's local consumption and floating keep-alive against the fake
// server, which can refuse or fail on demand (e2e_manager_usage_test.go
// runs them against the real one).

// consumptionServer answers the consumption calls: refuse maps a feature
// code ("" for the license) to an error code to answer instead.
func consumptionServer(t *testing.T, refuse map[string]string) *fakeServer {
	f := newFakeServer(t)
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		if !strings.HasSuffix(r.Path, "consumption") {
			return false
		}
		feature, _ := r.Params["feature"].(string)
		if code, ok := refuse[feature]; ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":400,"code":"` + code + `","message":"refused"}`))
			return true
		}
		f.reply(w, map[string]any{"id": 1, "total_consumptions": r.Params["consumptions"]})
		return true
	})
	return f
}

// activatedOn is a Manager of f's license, activated.
func activatedOn(t *testing.T, f *fakeServer, clk *clock) *Manager {
	t.Helper()
	m := newManager(t, f.URL, clk)
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	return m
}

// sent lists "path feature consumptions" of f's consumption requests.
func sent(f *fakeServer) []string {
	var out []string
	for _, r := range f.seen() {
		if strings.HasSuffix(r.Path, "consumption") {
			feature, _ := r.Params["feature"].(string)
			out = append(out, strings.TrimPrefix(r.Path, "/api/v4/")+" "+feature+" "+itoa(int64(r.Params["consumptions"].(float64))))
		}
	}
	return out
}

func TestManagerSyncsLocalConsumptionOnCheck(t *testing.T) {
	f := consumptionServer(t, nil)
	m := activatedOn(t, f, &clock{t: day0})
	m.AddLocalConsumption(2)
	m.AddLocalConsumption(1)
	m.AddLocalFeatureConsumption("credits", 2)
	m.AddLocalFeatureConsumption("another", 1)
	if l, fs := m.PendingConsumption(); l != 3 || len(fs) != 2 || fs["credits"] != 2 {
		t.Fatalf("pending %d %v", l, fs)
	}
	r, err := m.Check(context.Background())
	if err != nil || r.Offline || len(r.Refused) != 0 {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	want := []string{"add_consumption  3", "add_feature_consumption another 1", "add_feature_consumption credits 2"}
	if got := sent(f); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent %q, want %q", got, want)
	}
	if last := f.seen()[len(f.seen())-1]; last.Path != "/api/v4/check_license" {
		t.Errorf("the check was not last: %s", last.Path)
	}
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 0 {
		t.Errorf("pending after the sync %d %v", l, fs)
	}
	// Nothing pending: nothing sent.
	if err := m.SyncConsumption(context.Background()); err != nil || len(sent(f)) != 3 {
		t.Errorf("an empty sync: %v, %d sent", err, len(sent(f)))
	}
}

func TestManagerDropsRefusedConsumption(t *testing.T) {
	f := consumptionServer(t, map[string]string{"credits": "feature_not_enough_consumptions", "": "license_not_enough_consumptions"})
	m := activatedOn(t, f, &clock{t: day0})
	m.AddLocalConsumption(5)
	m.AddLocalFeatureConsumption("credits", 2)
	m.AddLocalFeatureConsumption("export", 1)
	r, err := m.Check(context.Background())
	if err != nil || len(r.Refused) != 2 {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	if e := r.Refused[0]; e.Feature != "" || e.Units != 5 || e.Err.Code != "license_not_enough_consumptions" {
		t.Errorf("refused %+v", e)
	}
	if e := r.Refused[1]; e.Feature != "credits" || e.Units != 2 || e.Err.Code != "feature_not_enough_consumptions" {
		t.Errorf("refused %+v", e)
	}
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 0 {
		t.Errorf("pending after refusals %d %v", l, fs)
	}
	// SyncConsumption reports refusals as its error, each reachable with
	// errors.As.
	m.AddLocalFeatureConsumption("credits", 4)
	err = m.SyncConsumption(context.Background())
	var ce *ConsumptionError
	var api *APIError
	if !errors.As(err, &ce) || ce.Units != 4 || !errors.As(err, &api) || api.Code != "feature_not_enough_consumptions" {
		t.Fatalf("SyncConsumption = %v", err)
	}
}

func TestManagerKeepsConsumptionOnFailure(t *testing.T) {
	f := newFakeServer(t)
	clk := &clock{t: day0}
	m := newManager(t, f.URL, clk, func(c *ManagerConfig) {
		c.Client, _ = newClient(t, f.URL, func(c *Config) { c.MaxRetries = -1 })
	})
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	// No network for the consumption: Check falls back to the file and the
	// units stay pending.
	var mu sync.Mutex
	fail := func(w http.ResponseWriter) {}
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(r.Path, "consumption") {
			fail(w)
			return true
		}
		return false
	})
	mu.Lock()
	fail = hangUp
	mu.Unlock()
	m.AddLocalConsumption(3)
	r, err := m.Check(context.Background())
	if err != nil || !r.Offline {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	if l, _ := m.PendingConsumption(); l != 3 {
		t.Errorf("pending after a network error: %d", l)
	}
	// The server is busy: the error is returned, the units stay.
	mu.Lock()
	fail = status(http.StatusServiceUnavailable, "")
	mu.Unlock()
	err = m.SyncConsumption(context.Background())
	var e *APIError
	if !errors.As(err, &e) || e.Status != 503 {
		t.Fatalf("SyncConsumption = %v", err)
	}
	if l, _ := m.PendingConsumption(); l != 3 {
		t.Errorf("pending after a 503: %d", l)
	}
	// Back: sent, and units counted while on the way stay pending.
	mu.Lock()
	fail = func(w http.ResponseWriter) {
		m.AddLocalConsumption(1)
		f.reply(w, map[string]any{"id": 1, "total_consumptions": 3})
	}
	mu.Unlock()
	if err := m.SyncConsumption(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, _ := m.PendingConsumption(); l != 1 {
		t.Errorf("pending after the sync: %d, want the 1 added meanwhile", l)
	}
}

// fakeWait is an injected FloatingOptions.Wait: the keep-alive announces
// each wait on waits and goes on when the test sends on tick.
type fakeWait struct {
	waits chan time.Duration
	tick  chan struct{}
}

func newFakeWait() *fakeWait {
	return &fakeWait{waits: make(chan time.Duration), tick: make(chan struct{})}
}

func (w *fakeWait) wait(ctx context.Context, d time.Duration) error {
	select {
	case w.waits <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-w.tick:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next lets the keep-alive run one check and returns the wait after it.
func (w *fakeWait) next(t *testing.T) time.Duration {
	t.Helper()
	w.tick <- struct{}{}
	select {
	case d := <-w.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("the keep-alive did not come back")
		return 0
	}
}

func TestFloatingKeepAlive(t *testing.T) {
	f := consumptionServer(t, nil)
	f.set(map[string]any{"is_floating_cloud": true, "floating_timeout": 10, "floating_users": 1})
	m := activatedOn(t, f, &clock{t: day0})
	w := newFakeWait()
	errs := make(chan error, 10)
	s, err := m.StartFloating(context.Background(), FloatingOptions{Wait: w.wait, OnError: func(err error) { errs <- err }})
	if err != nil {
		t.Fatal(err)
	}
	if d := <-w.waits; d != 5*time.Minute {
		t.Errorf("first wait %v, want half the 10-minute timeout", d)
	}
	checks := func() (n int) {
		for _, r := range f.seen() {
			if r.Path == "/api/v4/check_license" {
				n++
			}
		}
		return n
	}
	before := checks()
	// Each tick is one check, which also sends pending consumption; the
	// interval follows the timeout the server answers.
	m.AddLocalConsumption(2)
	f.set(map[string]any{"floating_timeout": 4})
	if d := w.next(t); d != 2*time.Minute || checks() != before+1 || len(sent(f)) != 1 {
		t.Errorf("after a tick: wait %v, %d checks, sent %v", d, checks()-before, sent(f))
	}
	if s.License().FloatingTimeout != 4*time.Minute {
		t.Errorf("License() = %+v", s.License())
	}
	// A lost seat is reported and the keep-alive goes on.
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":400,"code":"no_available_floating_slots","message":"taken"}`))
		return true
	})
	w.next(t)
	var e *APIError
	if err := <-errs; !errors.As(err, &e) || e.Code != "no_available_floating_slots" {
		t.Errorf("OnError got %v", err)
	}
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		return r.Path == "/api/v4/floating/release" // 200, empty
	})
	w.next(t)
	// Stop releases the seat, once.
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var releases int
	for _, r := range f.seen() {
		if r.Path == "/api/v4/floating/release" {
			releases++
			if r.Params["hardware_id"] != "hw-1" || r.Params["license_key"] != "ABCD-EFGH" {
				t.Errorf("release sent %v", r.Params)
			}
		}
	}
	if releases != 1 || len(errs) != 0 {
		t.Errorf("%d releases, errors %d", releases, len(errs))
	}
}

func TestFloatingStartErrors(t *testing.T) {
	f := newFakeServer(t)
	m := activatedOn(t, f, &clock{t: day0})
	if _, err := m.StartFloating(context.Background(), FloatingOptions{}); !errors.Is(err, ErrNotFloating) {
		t.Errorf("a license that is not floating: %v", err)
	}
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":400,"code":"no_available_floating_slots","message":"taken"}`))
		return true
	})
	_, err := m.StartFloating(context.Background(), FloatingOptions{})
	wantAPI(t, err, "no_available_floating_slots")
	m2 := newManager(t, f.URL, &clock{t: day0})
	_, err = m2.StartFloating(context.Background(), FloatingOptions{})
	wantLocal(t, err, CodeLicenseFileMissing)
}
