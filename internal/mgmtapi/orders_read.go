package mgmtapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// readOrder reads a create_order body (management-api.md §5.1) strictly:
// every field typed, unknown ones refused with their path, LicenseSpring's
// fields licensor does not implement accepted with their neutral value
// only.
func readOrder(m map[string]json.RawMessage) (catalog.OrderInput, error) {
	var in catalog.OrderInput
	f := newFields(m, "")
	storeID, ok, err := f.str("id", 255)
	if err != nil {
		return in, err
	}
	if !ok || storeID == "" {
		return in, problem.New(problem.CodeMissingParameters, "id: required")
	}
	o := store.Order{StoreID: storeID, OrderType: "normal"}
	if in.Append, _, err = f.boolean("append"); err != nil {
		return in, err
	}
	if o.IsTest, _, err = f.boolean("is_test"); err != nil {
		return in, err
	}
	if o.PreventVM, _, err = f.boolean("prevent_vm"); err != nil {
		return in, err
	}
	for name, dst := range map[string]*string{"reference": &o.Reference, "language": &o.Language, "campaign_params": &o.CampaignParams,
		"download_id": &o.DownloadID, "order_type": &o.OrderType} {
		if v, ok, err := f.str(name, 255); err != nil {
			return in, err
		} else if ok {
			*dst = v
		}
	}
	if o.OrderType != "normal" {
		return in, f.bad("order_type", `only "normal"`)
	}
	if raw, ok := f.raw("created"); ok && !isNull(raw) {
		s, _, err := f.str("created", 64)
		if err != nil {
			return in, err
		}
		t, err := parseDate(s)
		if err != nil {
			return in, f.bad("created", "must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339")
		}
		o.Created = &t
	}
	o.Metadata = "{}"
	if raw, ok := f.raw("metadata"); ok {
		if o.Metadata, err = metadataText(raw); err != nil {
			return in, f.bad("metadata", err.Error())
		}
	}
	if err := neutral(f, map[string]string{"is_bundle": "false", "customer_account_id": "null", "include_metadata_string": "false"}); err != nil {
		return in, err
	}
	_, _, _ = f.boolean("add_to_customer_account") // accepted, ignored (§5.1)
	if raw, ok := f.raw("customer"); ok && !isNull(raw) {
		cu, err := readOrderCustomer(raw)
		if err != nil {
			return in, err
		}
		in.Customer = cu
	}
	raw, ok := f.raw("items")
	if !ok {
		return in, problem.New(problem.CodeMissingParameters, "items: required")
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || len(items) < 1 || len(items) > 100 {
		return in, f.bad("items", "an array of 1 to 100 items")
	}
	for i, item := range items {
		it, err := readItem(item, fmt.Sprintf("items[%d]", i))
		if err != nil {
			return in, err
		}
		in.Items = append(in.Items, it)
	}
	in.Order = o
	return in, f.done()
}

// neutral accepts LicenseSpring fields licensor does not implement only
// with their neutral JSON value (management-api.md §1.5).
func neutral(f *fields, values map[string]string) error {
	for name, want := range values {
		if raw, ok := f.raw(name); ok && !jsonEqual(raw, json.RawMessage(want)) {
			return problem.Newf(problem.CodeUnsupportedField, "%s%s: only %s is supported", f.path, name, want)
		}
	}
	return nil
}

func subObject(raw json.RawMessage, path string) (*fields, error) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, problem.Newf(problem.CodeValidationError, "%s: must be an object", path)
	}
	return newFields(m, path+"."), nil
}

func readOrderCustomer(raw json.RawMessage) (*store.Customer, error) {
	f, err := subObject(raw, "customer")
	if err != nil {
		return nil, err
	}
	cu := &store.Customer{}
	email, _, err := f.str("email", 254)
	if err != nil {
		return nil, err
	}
	if cu.Email = strings.TrimSpace(email); cu.Email == "" {
		return nil, problem.New(problem.CodeMissingParameters, "customer.email: required")
	}
	if err := checkEmail(cu.Email); err != nil {
		return nil, f.bad("email", err.Error())
	}
	for name, dst := range map[string]*string{"first_name": &cu.FirstName, "last_name": &cu.LastName, "company_name": &cu.CompanyName,
		"phone": &cu.Phone, "reference": &cu.Reference, "address": &cu.Address, "city": &cu.City, "postcode": &cu.Postcode,
		"state": &cu.State, "country": &cu.Country} {
		if *dst, _, err = f.str(name, 255); err != nil {
			return nil, err
		}
	}
	if alias, ok, err := f.str("company", 255); err != nil {
		return nil, err
	} else if ok {
		if cu.CompanyName != "" && cu.CompanyName != alias {
			return nil, f.bad("company", "differs from company_name")
		}
		cu.CompanyName = alias
	}
	if err := neutral(f, map[string]string{"is_manager": "false"}); err != nil {
		return nil, err
	}
	return cu, f.done()
}

func readItem(raw json.RawMessage, path string) (catalog.OrderItem, error) {
	it := catalog.OrderItem{Path: path}
	f, err := subObject(raw, path)
	if err != nil {
		return it, err
	}
	code, _, err := f.str("product_code", 64)
	if err != nil {
		return it, err
	}
	if it.ProductCode = code; code == "" {
		return it, problem.Newf(problem.CodeMissingParameters, "%s.product_code: required", path)
	}
	if note, _, err := f.str("note", 4096); err != nil {
		return it, err
	} else if note != "" {
		return it, problem.Newf(problem.CodeUnsupportedField, "%s.note: not stored yet; send \"\"", path)
	}
	if err := neutral(f, map[string]string{"active": "true", "license_policy": "null", "subscription_id": "null", "customer_account_id": "null"}); err != nil {
		return it, err
	}
	lraw, ok := f.raw("licenses")
	var lics []json.RawMessage
	if !ok {
		return it, problem.Newf(problem.CodeMissingParameters, "%s.licenses: required", path)
	}
	if json.Unmarshal(lraw, &lics) != nil || len(lics) < 1 || len(lics) > 1000 {
		return it, f.bad("licenses", "an array of 1 to 1,000 licenses")
	}
	for j, l := range lics {
		ol, err := readOrderLicense(l, fmt.Sprintf("%s.licenses[%d]", path, j))
		if err != nil {
			return it, err
		}
		it.Licenses = append(it.Licenses, ol)
	}
	return it, f.done()
}
