package mgmtapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// Bodies (management-api.md §1.3): size, content type, JSON, nesting.
func TestBodyRules(t *testing.T) {
	w := newWorld(t)
	w.catalogApp()
	id := w.keyLicense("BODY-0001", 1)
	path := fmt.Sprintf("licenses/%d/enable/", id)
	big := `{"a":"` + strings.Repeat("x", 1<<20) + `"}`
	wantError(t, w.post(path, big), 413, "request_too_large")
	wantError(t, w.do("POST", path, "Api-Key "+w.key, "x=1", "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type")
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	wantError(t, w.post(path, deep), 400, "validation_error")
	// JSON with a charset is JSON.
	if a := w.do("POST", path, "Api-Key "+w.key, "{}", "Content-Type", "application/json; charset=utf-8"); a.status != 200 {
		t.Fatalf("application/json; charset=utf-8: %d %s", a.status, a.body)
	}
	u := fmt.Sprintf("devices/%d/blacklist/", 1)
	wantError(t, w.post(u, `{"reason":"a","reason":"b"}`), 404, "not_found") // no such device comes first
}
