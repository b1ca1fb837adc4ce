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
	refuseConsumption(f, refuse)
	return f
}

// refuseConsumption makes f answer the consumption calls as
// consumptionServer describes, from now on.
func refuseConsumption(f *fakeServer, refuse map[string]string) {
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
	if err != nil || r.Offline || r.ConsumptionError != nil {
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

func TestManagerKeepsRefusedConsumption(t *testing.T) {
	f := consumptionServer(t, map[string]string{"credits": "feature_not_enough_consumptions", "": "license_not_enough_consumptions"})
	m := activatedOn(t, f, &clock{t: day0})
	m.AddLocalConsumption(5)
	m.AddLocalFeatureConsumption("credits", 2)
	m.AddLocalFeatureConsumption("export", 1)
	// Check is not failed by the refusals: it reports the first one, and
	// every part was tried.
	r, err := m.Check(context.Background())
	if err != nil || r.Offline || r.License == nil {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	var ce *ConsumptionError
	if !errors.As(r.ConsumptionError, &ce) || ce.Feature != "" || ce.Units != 5 || ce.Err.Code != "license_not_enough_consumptions" {
		t.Fatalf("Check's ConsumptionError = %v", r.ConsumptionError)
	}
	want := []string{"add_consumption  5", "add_feature_consumption credits 2", "add_feature_consumption export 1"}
	if got := sent(f); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent %q, want %q", got, want)
	}
	// The refused units stay pending; the accepted ones do not.
	if l, fs := m.PendingConsumption(); l != 5 || len(fs) != 1 || fs["credits"] != 2 {
		t.Errorf("pending after refusals %d %v", l, fs)
	}
	// SyncConsumption sends them again, tries every part and returns the
	// first refusal, reachable with errors.As.
	m.AddLocalFeatureConsumption("credits", 2)
	err = m.SyncConsumption(context.Background())
	var api *APIError
	if !errors.As(err, &ce) || ce.Feature != "" || ce.Units != 5 || !errors.As(err, &api) || api.Code != "license_not_enough_consumptions" {
		t.Fatalf("SyncConsumption = %v", err)
	}
	want = append(want, "add_consumption  5", "add_feature_consumption credits 4")
	if got := sent(f); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent %q, want %q", got, want)
	}
	if l, fs := m.PendingConsumption(); l != 5 || len(fs) != 1 || fs["credits"] != 4 {
		t.Errorf("pending after a refused sync %d %v", l, fs)
	}
	// The vendor raises the license's limit: its units are counted, the
	// credits are still refused.
	refuseConsumption(f, map[string]string{"credits": "feature_not_enough_consumptions"})
	err = m.SyncConsumption(context.Background())
	if !errors.As(err, &ce) || ce.Feature != "credits" || ce.Units != 4 {
		t.Fatalf("SyncConsumption after the license's limit was raised = %v", err)
	}
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 1 || fs["credits"] != 4 {
		t.Errorf("pending %d %v", l, fs)
	}
	// The application gives the credits up.
	if l, fs := m.DiscardLocalConsumption(); l != 0 || len(fs) != 1 || fs["credits"] != 4 {
		t.Errorf("DiscardLocalConsumption() = %d %v", l, fs)
	}
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 0 {
		t.Errorf("pending after the discard %d %v", l, fs)
	}
	n := len(sent(f))
	r, err = m.Check(context.Background())
	if err != nil || r.ConsumptionError != nil || len(sent(f)) != n {
		t.Fatalf("Check after the discard = %+v, %v; %d sent", r, err, len(sent(f))-n)
	}
	// Counting goes on after a discard.
	m.AddLocalFeatureConsumption("export", 2)
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 1 || fs["export"] != 2 {
		t.Errorf("pending after adding %d %v", l, fs)
	}
	if l, fs := m.DiscardLocalConsumption(); l != 0 || fs["export"] != 2 {
		t.Errorf("DiscardLocalConsumption() = %d %v", l, fs)
	}
	if l, fs := m.DiscardLocalConsumption(); l != 0 || fs == nil || len(fs) != 0 {
		t.Errorf("DiscardLocalConsumption() of nothing = %d %v", l, fs)
	}
}

func TestManagerRefusalThenFailure(t *testing.T) {
	f := newFakeServer(t)
	m := newManager(t, f.URL, &clock{t: day0}, func(c *ManagerConfig) {
		c.Client, _ = newClient(t, f.URL, func(c *Config) { c.MaxRetries = -1 })
	})
	if _, err := m.Activate(context.Background(), "ABCD-EFGH"); err != nil {
		t.Fatal(err)
	}
	// The license's units are refused, then the connection drops: the sync
	// stops there and everything stays pending.
	f.setHandle(func(w http.ResponseWriter, r *request) bool {
		switch r.Path {
		case "/api/v4/add_consumption":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":400,"code":"license_not_enough_consumptions","message":"refused"}`))
			return true
		case "/api/v4/add_feature_consumption", "/api/v4/check_license":
			hangUp(w)
			return true
		}
		return false
	})
	m.AddLocalConsumption(3)
	m.AddLocalFeatureConsumption("a", 1)
	m.AddLocalFeatureConsumption("b", 1)
	err := m.SyncConsumption(context.Background())
	var ne *NetworkError
	var ce *ConsumptionError
	if !errors.As(err, &ne) || errors.As(err, &ce) {
		t.Fatalf("SyncConsumption = %v, want the NetworkError", err)
	}
	if got := sent(f); len(got) != 2 {
		t.Errorf("sent %q: the sync went on after the network error", got)
	}
	if l, fs := m.PendingConsumption(); l != 3 || fs["a"] != 1 || fs["b"] != 1 {
		t.Errorf("pending %d %v", l, fs)
	}
	// Check falls back to the file and still reports the refusal.
	r, err := m.Check(context.Background())
	if err != nil || !r.Offline || !errors.As(r.ConsumptionError, &ce) || ce.Units != 3 {
		t.Fatalf("Check = %+v, %v", r, err)
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

func TestFloatingReportsRefusedConsumption(t *testing.T) {
	f := consumptionServer(t, map[string]string{"": "license_not_enough_consumptions"})
	f.set(map[string]any{"is_floating_cloud": true, "floating_timeout": 10, "floating_users": 1})
	m := activatedOn(t, f, &clock{t: day0})
	m.AddLocalConsumption(2)
	w := newFakeWait()
	errs := make(chan error, 10)
	s, err := m.StartFloating(context.Background(), FloatingOptions{Wait: w.wait, OnError: func(err error) { errs <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	<-w.waits
	// The refusal goes to OnError, with the first check and with each
	// later one while the units stay pending.
	for i := range 2 {
		var ce *ConsumptionError
		if err := <-errs; !errors.As(err, &ce) || ce.Units != 2 {
			t.Fatalf("check %d: OnError got %v", i, err)
		}
		if l, _ := m.PendingConsumption(); l != 2 {
			t.Fatalf("check %d: pending %d", i, l)
		}
		if i == 0 {
			w.next(t)
		}
	}
	// Accepted once the limit allows: no more errors, nothing pending.
	refuseConsumption(f, nil)
	w.next(t)
	if l, _ := m.PendingConsumption(); l != 0 || len(errs) != 0 {
		t.Errorf("pending %d, %d errors", l, len(errs))
	}
}
