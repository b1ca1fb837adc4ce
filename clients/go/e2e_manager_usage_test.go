package licensor

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// usageManager is a Manager of product on the server s, for device hw.
func usageManager(t *testing.T, s *server, c *Client, product, hw string) *Manager {
	t.Helper()
	m, err := NewManager(ManagerConfig{Client: c, Product: product, HardwareID: hw,
		LicenseFile: filepath.Join(t.TempDir(), hw+".json")})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEndToEndManagerConsumption(t *testing.T) {
	t.Parallel()
	s, c := startUsageServer(t)
	ctx := context.Background()
	m := usageManager(t, s, c, "METER", "mgr-m")
	if _, err := m.Activate(ctx, "METER-1"); err != nil {
		t.Fatal(err)
	}
	m.AddLocalConsumption(3)
	m.AddLocalConsumption(4)
	m.AddLocalFeatureConsumption("credits", 2)
	r, err := m.Check(ctx)
	if err != nil || r.Offline || r.ConsumptionError != nil || r.License.TotalConsumptions != 7 {
		t.Fatalf("Check = %+v, %v", r, err)
	}
	if f, err := m.Feature("credits"); err != nil || f.TotalConsumptions != 2 {
		t.Fatalf("credits in the license file = %+v, %v", f, err)
	}
	// Over the limit: 7 + 4 > 10, and 2 + 4 > 5. Both are refused and kept
	// pending; Check reports the first refusal and still checks.
	m.AddLocalConsumption(4)
	m.AddLocalFeatureConsumption("credits", 4)
	r, err = m.Check(ctx)
	var ce *ConsumptionError
	if err != nil || r.Offline || !errors.As(r.ConsumptionError, &ce) {
		t.Fatalf("Check over the limit = %+v, %v", r, err)
	}
	if ce.Feature != "" || ce.Units != 4 || ce.Err.Code != "license_not_enough_consumptions" || r.License.TotalConsumptions != 7 {
		t.Errorf("refused %+v, total %d", ce, r.License.TotalConsumptions)
	}
	if l, fs := m.PendingConsumption(); l != 4 || len(fs) != 1 || fs["credits"] != 4 {
		t.Errorf("pending %d %v", l, fs)
	}
	// SyncConsumption sends them again and returns the first refusal.
	err = m.SyncConsumption(ctx)
	if !errors.As(err, &ce) || ce.Feature != "" || ce.Units != 4 || ce.Err.Code != "license_not_enough_consumptions" {
		t.Fatalf("SyncConsumption = %v", err)
	}
	// The vendor raises the license's limit: the kept units are counted;
	// the credits, tried too, are still refused.
	s.cli("license", "set", itoa(r.License.ID), "max_consumptions=20")
	err = m.SyncConsumption(ctx)
	if !errors.As(err, &ce) || ce.Feature != "credits" || ce.Units != 4 || ce.Err.Code != "feature_not_enough_consumptions" {
		t.Fatalf("SyncConsumption after the limit was raised = %v", err)
	}
	if l, fs := m.PendingConsumption(); l != 0 || fs["credits"] != 4 {
		t.Errorf("pending %d %v", l, fs)
	}
	l, err := c.CheckLicense(ctx, meter("mgr-m"), CheckOptions{})
	if err != nil || l.TotalConsumptions != 11 || l.MaxConsumptions != 20 {
		t.Fatalf("the server's count = %+v, %v", l, err)
	}
	// The application gives the credits up.
	if l, fs := m.DiscardLocalConsumption(); l != 0 || len(fs) != 1 || fs["credits"] != 4 {
		t.Errorf("DiscardLocalConsumption() = %d %v", l, fs)
	}
	if l, fs := m.PendingConsumption(); l != 0 || len(fs) != 0 {
		t.Errorf("pending after the discard %d %v", l, fs)
	}
	r, err = m.Check(ctx)
	if err != nil || r.ConsumptionError != nil || r.License.TotalConsumptions != 11 {
		t.Fatalf("Check after the discard = %+v, %v", r, err)
	}
	if f, err := m.Feature("credits"); err != nil || f.TotalConsumptions != 2 {
		t.Fatalf("credits = %+v, %v", f, err)
	}
	m.AddLocalFeatureConsumption("no-such-feature", 1)
	err = m.SyncConsumption(ctx)
	if !errors.As(err, &ce) || ce.Feature != "no-such-feature" || ce.Err.Code != "unsupported_product_feature" {
		t.Fatalf("an unknown feature: %v", err)
	}
	if _, fs := m.DiscardLocalConsumption(); fs["no-such-feature"] != 1 {
		t.Errorf("discarded %v", fs)
	}
}

func TestEndToEndFloatingKeepAlive(t *testing.T) {
	t.Parallel()
	s, c := startUsageServer(t)
	ctx := context.Background()
	a := usageManager(t, s, c, "FLOAT", "keep-a")
	if _, err := a.Activate(ctx, "FLOAT-1"); err != nil {
		t.Fatal(err)
	}
	w := newFakeWait()
	errs := make(chan error, 10)
	session, err := a.StartFloating(ctx, FloatingOptions{Wait: w.wait, OnError: func(err error) { errs <- err }})
	if err != nil {
		t.Fatal(err)
	}
	// The interval is half the license's 30-minute floating timeout.
	if d := <-w.waits; d != 15*time.Minute {
		t.Errorf("wait %v", d)
	}
	_, err = c.CheckLicense(ctx, float("keep-b"), CheckOptions{})
	wantAPI(t, err, "device_not_found") // B has never activated
	_, err = c.ActivateLicense(ctx, float("keep-b"))
	wantAPI(t, err, "no_available_floating_slots")
	// A keep-alive check renews A's seat with the real server.
	w.next(t)
	if l := session.License(); l.FloatingInUseDevices != 1 || !l.IsFloatingCloud {
		t.Errorf("after a keep-alive check: %+v", l)
	}
	_, err = c.ActivateLicense(ctx, float("keep-b"))
	wantAPI(t, err, "no_available_floating_slots")
	if err := session.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// Released: B takes the seat at once, and A is now the one refused.
	if _, err := c.ActivateLicense(ctx, float("keep-b")); err != nil {
		t.Fatalf("B after A stopped: %v", err)
	}
	_, err = a.StartFloating(ctx, FloatingOptions{Wait: w.wait})
	wantAPI(t, err, "no_available_floating_slots")
	if len(errs) != 0 {
		t.Errorf("OnError got %v", <-errs)
	}
}
