package mgmtapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/licensor/licensor/internal/catalog"
)

func TestIdempotencyKey(t *testing.T) {
	w := newWorld(t)
	post := func(key, idem, body string) answer {
		t.Helper()
		return w.do("POST", "customers/", "Api-Key "+key, body, "Idempotency-Key", idem)
	}
	first := post(w.key, "order-1001", `{"email": "idem@example.com"}`)
	again := post(w.key, "order-1001", `{"email": "idem@example.com"}`)
	if first.status != 201 || again.status != 201 || string(first.body) != string(again.body) ||
		again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Location") != first.header.Get("Location") {
		t.Fatalf("replay: %d %s / %d %s %v", first.status, first.body, again.status, again.body, again.header)
	}
	if first.header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first answer says it is a replay")
	}
	if n := w.get("customers/").json(t)["count"]; n != float64(1) {
		t.Fatalf("customers after a replay: %v", n)
	}
	wantError(t, post(w.key, "order-1001", `{"email": "other@example.com"}`), 422, "idempotency_key_reused")
	// An error answer stores nothing: the key can be used again.
	wantError(t, post(w.key, "order-1002", `{"email": "not an email"}`), 400, "validation_error")
	if a := post(w.key, "order-1002", `{"email": "second@example.com"}`); a.status != 201 {
		t.Fatalf("a key reused after an error: %d %s", a.status, a.body)
	}
	// Keys of different management keys never collide.
	other, err := w.App.Catalog.CreateManagementKey(context.Background(), catalog.Actor{CompanyID: w.CompanyID}, "other", false)
	must(t, err)
	if a := post(other.Key, "order-1001", `{"email": "third@example.com"}`); a.status != 201 {
		t.Fatalf("the same Idempotency-Key under another management key: %d %s", a.status, a.body)
	}
	wantError(t, post(w.key, strings.Repeat("k", 256), `{"email": "x@example.com"}`), 400, "validation_error")
	wantError(t, post(w.key, "caf\u00e9", `{"email": "x@example.com"}`), 400, "validation_error")
	if a := w.do("GET", "customers/", "Api-Key "+w.key, "", "Idempotency-Key", "order-1001"); a.status != 200 {
		t.Fatalf("GET with the header: %d", a.status)
	}
}

// However many identical requests race, one write happens; the others are
// its replay or "in use".
func TestIdempotencyKeyRace(t *testing.T) {
	w := newWorld(t)
	const n = 20
	var wg sync.WaitGroup
	answers := make([]answer, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = w.do("POST", "customers/", "Api-Key "+w.key, `{"email": "race@example.com"}`, "Idempotency-Key", "race-1")
		}()
	}
	wg.Wait()
	created := 0
	for _, a := range answers {
		switch {
		case a.status == 201 && a.header.Get("Idempotent-Replayed") == "":
			created++
		case a.status == 201, a.status == 409 && strings.Contains(string(a.body), "idempotency_key_in_use"):
		default:
			t.Fatalf("a racing request: %d %s", a.status, a.body)
		}
	}
	if created != 1 {
		t.Fatalf("%d first answers, want 1", created)
	}
	if c := w.get("customers/").json(t)["count"]; c != float64(1) {
		t.Fatalf("%v customers, want 1", c)
	}
}
