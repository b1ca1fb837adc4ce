package mgmtapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/licensor/licensor/internal/licensing"
)

// orderWorld has a key-based product APP (features export and credits, a
// custom field) and a user-based product TEAM.
func orderWorld(t *testing.T) *world {
	w := newWorld(t)
	ctx, svc := context.Background(), w.App.Service
	w.catalogApp()
	_, err := svc.CreateFeature(ctx, w.CompanyID, licensing.FeatureSpec{Product: "APP", Code: "export", Name: "Export"})
	must(t, err)
	_, err = svc.CreateFeature(ctx, w.CompanyID, licensing.FeatureSpec{Product: "APP", Code: "credits", Type: "consumption", MaxConsumption: 10})
	must(t, err)
	_, err = svc.CreateCustomField(ctx, w.CompanyID, "APP", "seat_note", "text", "none")
	must(t, err)
	_, err = svc.CreateProduct(ctx, w.CompanyID, licensing.ProductSpec{Code: "TEAM", Name: "Team", AuthorizationMethod: "user"})
	must(t, err)
	return w
}

const order1 = `{"id": "ord-1001", "customer": {"email": "buyer@example.com", "first_name": "Ann"}, "reference": "crm-42",
 "items": [
  {"product_code": "APP", "licenses": [{"key": "GCWT-ASCE-HUE5-RSDR", "max_activations": 2,
     "product_features": [{"code": "credits", "max_consumption": 88}], "custom_fields": [{"name": "seat_note", "value": 7}]}, {}]},
  {"product_code": "TEAM", "licenses": [{"max_activations": 3, "users": [{"email": "ann@example.com", "password": "Ann-Initial-1"}, {"email": "bob@example.com", "max_activations": 1}]}]}]}`

func TestCreateOrder(t *testing.T) {
	w := orderWorld(t)
	a := w.post("orders/create_order/", order1)
	o := a.json(t)
	if a.status != 201 || o["store_id"] != "ord-1001" || o["license_count"] != float64(3) || o["reference"] != "crm-42" ||
		o["customer"].(map[string]any)["email"] != "buyer@example.com" || a.header.Get("Location") != fmt.Sprintf("/api/v1/orders/%v/", o["id"]) {
		t.Fatalf("create_order: %d %s", a.status, a.body)
	}
	lics := o["licenses"].([]any)
	first, second, team := lics[0].(map[string]any), lics[1].(map[string]any), lics[2].(map[string]any)
	if first["license_key"] != "GCWT-ASCE-HUE5-RSDR" || first["max_activations"] != float64(2) || len(second["license_key"].(string)) != 19 ||
		first["order"].(map[string]any)["store_id"] != "ord-1001" || first["custom_fields"].([]any)[0].(map[string]any)["value"] != "7" {
		t.Fatalf("key licenses: %v / %v", first, second)
	}
	for _, f := range first["product_features"].([]any) {
		if pf := f.(map[string]any); pf["product_feature"].(map[string]any)["code"] == "credits" && pf["max_consumption"] != float64(88) {
			t.Fatalf("feature override: %v", pf)
		}
	}
	users := team["license_users"].([]any)
	bob := users[1].(map[string]any)
	if team["license_key"] != nil || len(users) != 2 || bob["email"] != "bob@example.com" || bob["is_initial_password"] != true ||
		len(bob["initial_password"].(string)) != 12 || users[0].(map[string]any)["is_initial_password"] != false {
		t.Fatalf("user-based license: %v", team)
	}
	// The licenses work in the License API, the users with their passwords.
	if code := licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "APP", "hardware_id": "hw", "license_key": "GCWT-ASCE-HUE5-RSDR"})); code != "ok" {
		t.Fatalf("activate the order's key: %s", code)
	}
	for user, pw := range map[string]string{"ann@example.com": "Ann-Initial-1", "bob@example.com": bob["initial_password"].(string)} {
		if code := licenseCode(t, w.licenseAPI("POST", "activate_license", map[string]any{"product": "TEAM", "hardware_id": "hw-" + user, "username": user, "password": pw})); code != "ok" {
			t.Fatalf("activate %s: %s", user, code)
		}
	}
	// An identical replay (keys reordered) answers the order as it is and writes nothing.
	before := w.snapshot()
	replay := w.post("orders/create_order/", strings.Replace(order1, `"reference": "crm-42",`, ``, 1)[:0]+
		`{"reference": "crm-42", `+strings.TrimPrefix(strings.Replace(order1, `"reference": "crm-42",`, ``, 1), "{"))
	if replay.status != 200 || replay.header.Get("Idempotent-Replayed") != "true" || len(replay.json(t)["licenses"].([]any)) != 3 {
		t.Fatalf("replay: %d %s", replay.status, replay.body)
	}
	if w.snapshot() != before {
		t.Fatal("a replay wrote something")
	}
	wantError(t, w.post("orders/create_order/", `{"id": "ord-1001", "items": [{"product_code": "APP", "licenses": [{}]}]}`), 409, "order_id_exists")
	// append adds licenses to the order.
	ap := w.post("orders/create_order/", `{"id": "ord-1001", "append": true, "items": [{"product_code": "APP", "licenses": [{}]}]}`)
	if ap.status != 201 || ap.json(t)["license_count"] != float64(4) {
		t.Fatalf("append: %d %s", ap.status, ap.body)
	}
	// Reads.
	got := w.get(fmt.Sprintf("orders/%v/", o["id"])).json(t)
	if got["license_count"] != float64(4) || len(got["licenses"].([]any)) != 4 {
		t.Fatalf("GET order: %v", got)
	}
	if n := w.get("orders/?store_id=ord-1001").json(t)["count"]; n != float64(1) {
		t.Fatalf("orders by store id: %v", n)
	}
	if n := w.get("licenses/?order__store_id=ord-1001").json(t)["count"]; n != float64(4) {
		t.Fatalf("licenses of the order: %v", n)
	}
}

func TestCreateOrderRefusals(t *testing.T) {
	w := orderWorld(t)
	w.keyLicense("TAKEN-0001", 1)
	five := `"licenses": [{}]`
	before := w.snapshot()
	for _, tt := range []struct {
		name, body string
		status     int
		code, msg  string
	}{
		{"no id", `{"items": [{"product_code": "APP", ` + five + `}]}`, 400, "missing_parameters", "id"},
		{"no items", `{"id": "x"}`, 400, "missing_parameters", "items"},
		{"empty items", `{"id": "x", "items": []}`, 400, "validation_error", "items"},
		{"unknown product", `{"id": "x", "items": [{"product_code": "NOPE", ` + five + `}]}`, 400, "unknown_product", "items[0].product_code"},
		{"a misspelt limit", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"max_activation": 3}]}]}`, 400, "validation_error", "items[0].licenses[0].max_activation: unknown field"},
		{"a license manager", `{"id": "x", "customer": {"email": "c@example.com", "is_manager": true}, "items": [{"product_code": "APP", ` + five + `}]}`, 400, "unsupported_field", "customer.is_manager"},
		{"a key on a user-based product", `{"id": "x", "items": [{"product_code": "TEAM", "licenses": [{"key": "ABCD-1234", "users": [{"email": "u@example.com"}]}]}]}`, 400, "invalid_product_auth_method", ""},
		{"users on a key-based product", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"users": [{"email": "u@example.com"}]}]}]}`, 400, "invalid_product_auth_method", ""},
		{"a user-based license without users", `{"id": "x", "items": [{"product_code": "TEAM", "licenses": [{}]}]}`, 400, "missing_parameters", "users"},
		{"a key twice in the body", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"key": "SAME-0001"}, {"key": "same-0001"}]}]}`, 409, "license_key_exists", ""},
		{"a key in use", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"key": "TAKEN-0001"}]}]}`, 409, "license_key_exists", ""},
		{"too many users", `{"id": "x", "items": [{"product_code": "TEAM", "licenses": [{"max_license_users": 1, "users": [{"email": "a@example.com"}, {"email": "b@example.com"}]}]}]}`, 400, "max_license_users_reached", ""},
		{"a feature of another product", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"product_features": [{"code": "nope"}]}]}]}`, 400, "unsupported_product_feature", ""},
		{"time-limited without a date", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"license_type": "time-limited"}]}]}`, 400, "validation_error", "license_type"},
		{"a weak user password", `{"id": "x", "items": [{"product_code": "TEAM", "licenses": [{"users": [{"email": "u@example.com", "password": "short"}]}]}]}`, 400, "validation_error", "users"},
		{"an unknown custom field", `{"id": "x", "items": [{"product_code": "APP", "licenses": [{"custom_fields": [{"name": "nope", "value": "1"}]}]}]}`, 400, "validation_error", "custom_fields"},
		{"a bad customer email", `{"id": "x", "customer": {"email": "nope"}, "items": [{"product_code": "APP", ` + five + `}]}`, 400, "validation_error", "customer.email"},
		{"another order type", `{"id": "x", "order_type": "gift", "items": [{"product_code": "APP", ` + five + `}]}`, 400, "validation_error", "order_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := w.post("orders/create_order/", tt.body)
			wantError(t, a, tt.status, tt.code)
			if !strings.Contains(string(a.body), tt.msg) {
				t.Fatalf("message does not name %q: %s", tt.msg, a.body)
			}
		})
	}
	if w.snapshot() != before {
		t.Fatal("refused orders changed the database")
	}
}

// A billing backend retries on a timeout: however many identical requests
// race, one order is issued and every answer carries its licenses.
func TestCreateOrderRace(t *testing.T) {
	w := orderWorld(t)
	body := `{"id": "stripe-in_1Q2w", "customer": {"email": "race@example.com"}, "items": [{"product_code": "APP", "licenses": [{}, {}]}]}`
	const n = 20
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); answers[i] = w.post("orders/create_order/", body) }()
	}
	wg.Wait()
	created, keys := 0, ""
	for _, a := range answers {
		if a.status != 201 && a.status != 200 {
			t.Fatalf("a racing create_order: %d %s", a.status, a.body)
		}
		if a.status == 201 {
			created++
		}
		var ks []string
		for _, l := range a.json(t)["licenses"].([]any) {
			ks = append(ks, l.(map[string]any)["license_key"].(string))
		}
		if k := strings.Join(ks, ","); keys == "" {
			keys = k
		} else if k != keys {
			t.Fatalf("answers name different licenses: %s / %s", keys, k)
		}
	}
	if created != 1 {
		t.Fatalf("%d created answers, want 1", created)
	}
	if c := w.get("licenses/").json(t)["count"]; c != float64(2) {
		t.Fatalf("%v licenses, want 2", c)
	}
	if c := w.get("customers/").json(t)["count"]; c != float64(1) {
		t.Fatalf("%v customers, want 1", c)
	}
}
