#!/usr/bin/env python3
"""Writes ../openapi.json, the OpenAPI 3.1 document of the Management API
(management-api.md). Edit here, run `python3 internal/mgmtapi/gen/openapi.py`,
and commit both; openapi_test.go checks real answers against the result."""
import json, os

S = lambda t, **kw: {"type": t, **kw}
NS = lambda t: {"type": [t, "null"]}
REF = lambda n: {"$ref": "#/components/schemas/" + n}

def obj(props, required=None):
    return {"type": "object", "additionalProperties": False, "required": required or list(props), "properties": props}

customer = obj({k: S("string") for k in ["email", "first_name", "last_name", "company_name", "phone", "reference", "address",
                                           "city", "postcode", "state", "country", "created_at"]} |
               {"id": S("integer"), "customer_account": {"type": "null"}, "metadata": S("object")})
feature = obj({"id": S("integer"), "product_feature": obj({"id": S("integer"), "code": S("string"), "name": S("string"),
                                                            "feature_type": S("string")}),
               "expiry_date": NS("string"), "max_consumption": S("integer"), "total_consumptions": S("integer"),
               "allow_unlimited_consumptions": S("boolean"), "allow_negative_consumptions": S("boolean"),
               "allow_overages": S("boolean"), "max_overages": S("integer"), "reset_consumption": S("boolean"),
               "consumption_period": NS("string")})
lic_user = obj({"id": S("integer"), "email": S("string"), "true_email": S("string"), "first_name": S("string"),
                "last_name": S("string"), "phone_number": S("string"), "is_active": S("boolean"),
                "is_initial_password": S("boolean"), "initial_password": S("string"), "max_activations": S("integer"),
                "allow_unlimited_activations": S("boolean"), "total_activations": S("integer")})
license_props = {
    "id": S("integer"), "license_key": NS("string"),
    "product": obj({"id": S("integer"), "short_code": S("string"), "product_name": S("string"), "authorization_method": S("string")}),
    "order": {"oneOf": [{"type": "null"}, obj({"id": NS("integer"), "store_id": S("string")})]},
    "customer": {"oneOf": [{"type": "null"}, REF("Customer")]},
    "status": {"enum": ["Active", "Inactive", "Disabled", "Expired"]},
    "enabled": S("boolean"), "license_type": S("string"), "is_trial": S("boolean"), "trial_days": S("integer"),
    "start_date": NS("string"), "validity_period": NS("string"), "valid_duration": S("string"), "is_expired": S("boolean"),
    "enable_maintenance_period": S("boolean"), "maintenance_period": NS("string"), "allow_grace_period": S("boolean"),
    "grace_period": S("integer"), "max_activations": S("integer"), "allow_unlimited_activations": S("boolean"),
    "times_activated": S("integer"), "max_transfers": S("integer"), "transfer_count": S("integer"),
    "prevent_vm": S("boolean"), "allow_offline_activation": S("boolean"), "is_floating": S("boolean"),
    "is_floating_cloud": S("boolean"), "floating_users": S("integer"), "floating_timeout": S("integer"),
    "can_borrow": S("boolean"), "max_borrow_time": S("integer"), "max_consumptions": S("integer"),
    "total_consumptions": S("integer"), "allow_unlimited_consumptions": S("boolean"),
    "allow_negative_consumptions": S("boolean"), "allow_overages": S("boolean"), "max_overages": S("integer"),
    "reset_consumption": S("boolean"), "consumption_period": NS("string"), "max_license_users": S("integer"),
    "license_users": {"type": "array", "items": lic_user}, "product_features": {"type": "array", "items": feature},
    "custom_fields": {"type": "array", "items": obj({"id": S("integer"), "name": S("string"), "data_type": NS("string"), "value": S("string")})},
    "metadata": S("object"), "note": S("string"), "bundle_license": NS("integer"), "created_at": S("string"), "updated_at": S("string")}
device = obj({"id": S("integer"), "license": S("integer"), "license_user": NS("integer"), "hardware_id": S("string"),
              "is_active": S("boolean"), "blacklisted": S("boolean"), "activated_at": S("string"), "deactivated_at": NS("string"),
              "last_check_at": S("string"), "is_vm": S("boolean")} |
             {k: S("string") for k in ["hostname", "os_hostname", "os_ver", "app_name", "app_ver", "sdk_ver", "ip", "ip_local",
                                       "mac_address", "vm_info", "channel", "env"]})
user = obj({"id": S("integer"), "email": S("string"), "true_email": S("string"), "first_name": S("string"), "last_name": S("string"),
            "phone_number": S("string"), "is_active": S("boolean"), "is_initial_password": S("boolean"),
            "initial_password": S("string"), "password_changed_at": NS("string"),
            "licenses": {"type": "array", "items": obj({"license": S("integer"), "product_short_code": S("string"),
                                                        "max_activations": S("integer"), "allow_unlimited_activations": S("boolean"),
                                                        "total_activations": S("integer")})},
            "created_at": S("string")})
audit = obj({"id": S("integer"), "occurred_at": S("string"), "action": S("string"),
             "actor": obj({"type": S("string"), "id": NS("integer")}), "api_credential": NS("integer"),
             "client_ip": S("string"), "subject": obj({"type": S("string"), "id": NS("integer")}), "details": S("object")})
CUSTOMER_IN = {k: S("string") for k in ["email", "first_name", "last_name", "company_name", "phone", "reference", "address",
                                        "city", "postcode", "state", "country"]} | {"metadata": {"type": ["object", "string"]}, "customer_account": {"type": "null"}}
schemas = {
    "Error": obj({"status": S("integer"), "code": S("string"), "message": S("string")}),
    "Message": obj({"message": S("string")}),
    "Customer": customer, "License": obj(license_props), "Device": device, "LicenseUser": user, "AuditEvent": audit,
}
schemas["Product"] = obj({"id": S("integer"), "product_name": S("string"), "short_code": S("string"), "authorization_method": S("string"),
                          "is_bundle": S("boolean"), "bundle_products": {"type": "array", "items": S("integer")}, "is_archived": S("boolean"),
                          "is_disabled": S("boolean"), "allow_trial": S("boolean"), "trial_days": S("integer"),
                          "trial_max_activations": S("integer"), "default_license_type": S("string"), "max_activations": S("integer"),
                          "prevent_vm": S("boolean"), "floating_timeout": S("integer"), "allow_overages": S("boolean"),
                          "max_overages": S("integer"), "metadata": S("object"), "created_at": S("string"), "updated_at": S("string")})
schemas["DeviceVariable"] = obj({"id": S("integer"), "device": S("integer"), "variable": S("string"), "value": S("string"),
                                 "created_at": S("string"), "updated_at": S("string")})
order_props = {"id": S("integer"), "store_id": S("string"), "created": NS("string"), "is_test": S("boolean"), "order_type": S("string"),
               "reference": S("string"), "language": S("string"), "campaign_params": S("string"), "download_id": S("string"),
               "prevent_vm": S("boolean"), "metadata": S("object"), "customer": {"oneOf": [{"type": "null"}, REF("Customer")]},
               "license_count": S("integer"), "license_ids": {"type": "array", "items": S("integer")}, "created_at": S("string"), "updated_at": S("string")}
schemas["Order"] = obj(order_props)
schemas["OrderWithLicenses"] = obj(order_props | {"licenses": {"type": "array", "items": REF("License")}})
schemas["CustomerObject"] = obj(customer["properties"] | {"total_licenses": S("integer"), "updated_at": S("string")})
for n in ["License", "Device", "LicenseUser", "AuditEvent", "CustomerObject", "Product", "DeviceVariable", "Order"]:
    schemas[n + "Page"] = obj({"count": S("integer"), "next": NS("string"), "previous": NS("string"),
                               "results": {"type": "array", "items": REF(n)}})

COMMON_ERRORS = "authentication_required (401), invalid_api_key (401), method_not_allowed (405), too_many_requests (429), server_busy (503), internal_error (500)"

def op(op_id, summary, ok_status, ok_schema, errors, params=None, body=None, write=False, note=None):
    errs = COMMON_ERRORS + ", " + errors + (", permission_denied (403: a read-only key)" if write else "")
    o = {"operationId": op_id, "summary": summary, "responses": {
        str(ok_status): {"description": "success", "content": {"application/json": {"schema": ok_schema}}},
        "default": {"description": "an error: " + errs, "content": {"application/json": {"schema": REF("Error")}}}}}
    if params:
        o["parameters"] = params
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if note:
        o["x-licensor"] = note
    return o

q = lambda name, typ="string", desc=None: {"name": name, "in": "query", "required": False, "schema": S(typ), **({"description": desc} if desc else {})}
paging = [q("limit", "integer", "1 and up, capped at 100 (default 20)"), q("offset", "integer"), q("order_by", "string", "a field, or -field for descending")]
idp = [{"name": "id", "in": "path", "required": True, "schema": S("integer")}]
LIST_ERR = "validation_error (unknown, repeated or empty query parameters; bad paging, ordering or filter values)"
ONE_ERR = "not_found (404: no such object in this company), validation_error (query parameters)"
ACTION_ERR = ONE_ERR + ", invalid_json, validation_error (a body other than nothing or {}), request_too_large (413), unsupported_media_type (415)"
PAGE = lambda n: REF(n + "Page")

license_filters = ["id__in", "license_key", "license_key__startswith", "license_key__icontains", "license_key__isnull",
                   "order__store_id", "order__store_id__startswith", "order__store_id__icontains", "customer_id", "customer_email",
                   "customer_email__icontains", "customer__reference", "product_id", "product_id__in", "product_short_code",
                   "license_users__id", "license_users__true_email", "devices__hardware_id", "enabled", "is_trial", "license_type",
                   "created_at__gte", "created_at__lt", "validity_period__isnull"]
device_filters = ["license", "license_user", "hardware_id", "hardware_id__icontains", "hostname", "hostname__icontains",
                  "is_active", "blacklisted", "last_check_at__gte", "last_check_at__lt"]
user_filters = ["true_email", "true_email__iexact", "true_email__icontains", "first_name__icontains", "last_name__icontains",
                "phone_number__icontains", "is_active", "license"]
audit_filters = ["action", "action__startswith", "actor_type", "actor_id", "subject_type", "subject_id", "occurred_at__gte", "occurred_at__lt"]

paths = {
    "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document (no authentication)", "security": [],
                              "responses": {"200": {"description": "the OpenAPI document", "content": {"application/json": {"schema": S("object")}}}}}},
    "/orders/create_order/": {"post": dict(op("createOrder", "Issue an order's licenses (and its customer and license users) in one transaction", 201, REF("OrderWithLicenses"),
                                              "invalid_json, missing_parameters, validation_error (the message starts with the field's path, e.g. items[1].licenses[0].max_activation: unknown field), unsupported_field, unknown_product, unsupported_product_feature, invalid_product_auth_method, not_supported (bundle products), max_license_users_reached, order_id_exists (409), license_key_exists (409)",
                                              body={"type": "object"}, write=True,
                                              note="An identical replay (the same JSON value) answers 200 with the order as it is now and Idempotent-Replayed: true, writing nothing; the same id with another body is 409 unless append is true."),
                                           responses={"201": {"description": "created", "content": {"application/json": {"schema": REF("OrderWithLicenses")}}},
                                                      "200": {"description": "an identical replay", "content": {"application/json": {"schema": REF("OrderWithLicenses")}}},
                                                      "default": {"description": "an error: " + COMMON_ERRORS + ", invalid_json, missing_parameters, validation_error, unsupported_field, unknown_product, unsupported_product_feature, invalid_product_auth_method, not_supported, max_license_users_reached, order_id_exists (409), license_key_exists (409), permission_denied (403: a read-only key)",
                                                                  "content": {"application/json": {"schema": REF("Error")}}}})},
    "/orders/": {"get": op("listOrders", "A page of orders", 200, PAGE("Order"), LIST_ERR,
                           paging + [q(f) for f in ["store_id", "store_id__icontains", "store_id__startswith", "customer_id", "customer_email",
                                                    "customer_email__icontains", "is_test", "created_at__gt", "created_at__gte", "created_at__lt", "created_at__lte"]])},
    "/orders/{id}/": {"get": op("getOrder", "One order with its licenses", 200, REF("OrderWithLicenses"), ONE_ERR, idp)},
    "/licenses/": {"get": op("listLicenses", "A page of licenses", 200, PAGE("License"), LIST_ERR, paging + [q(f) for f in license_filters])},
    "/licenses/{id}/": {"get": op("getLicense", "One license", 200, REF("License"), ONE_ERR, idp),
                        "patch": op("patchLicense", "Change a license (and a bundle license's licenses)", 200, REF("License"),
                                    ONE_ERR + ", invalid_json, validation_error (types, ranges, unknown or changed read-only fields, a time-limited license without validity_period or valid_duration), unsupported_field (note)",
                                    idp, body={"type": "object"}, write=True,
                                    note="Fields equal to the current value are no change; read-only fields are accepted when unchanged, so a License read can be sent back. total_consumptions: 0 resets consumption.")},
    "/licenses/{id}/enable/": {"post": op("enableLicense", "Enable a license (and a bundle license's licenses); idempotent", 200, REF("Message"), ACTION_ERR, idp, write=True,
                                          note="Answers \"License enabled.\" also when it already was, and then records nothing.")},
    "/licenses/{id}/disable/": {"post": op("disableLicense", "Disable a license; check_license answers license_not_enabled at once", 200, REF("Message"), ACTION_ERR, idp, write=True)},
    "/licenses/{id}/reset/": {"post": op("resetLicense", "Deactivate every device of the license; activation, transfer and user activation counters to 0", 200, REF("Message"), ACTION_ERR, idp, write=True,
                                         note="Devices stay listed (is_active false); consumption is untouched; the next activation is no transfer.")},
    "/licenses/disable_bulk/": {"post": op("disableBulk", "Disable licenses, all or nothing", 200,
                                           obj({"message": S("string"), "ids": {"type": "array", "items": S("integer")}}),
                                           "not_found (404: the first id that is not a license of the company; nothing changes), invalid_json, validation_error (1-1,000 ids)",
                                           body={"type": "array", "items": S("integer")}, write=True)},
    "/licenses/enable_bulk/": {"post": op("enableBulk", "Enable licenses, all or nothing (licensor)", 200,
                                          obj({"message": S("string"), "ids": {"type": "array", "items": S("integer")}}),
                                          "not_found (404), invalid_json, validation_error (1-1,000 ids)",
                                          body={"type": "array", "items": S("integer")}, write=True)},
    "/licenses/{id}/assign_user/": {"post": op("assignUser", "Put a license user (found by e-mail or created) on a user-based license", 200,
                                               obj({"message": S("string"), "new_password": NS("string")}),
                                               ONE_ERR + ", invalid_json, missing_parameters (email), validation_error (the password policy), unsupported_field (is_manager), invalid_product_auth_method, max_license_users_reached",
                                               idp, body={"type": "object"}, write=True,
                                               note="new_password: the password given, a new user's generated one, or null when an existing user keeps theirs. Assigning a user already on the license updates the limits given.")},
    "/licenses/{id}/unassign_user/": {"post": op("unassignUser", "Take a user off the license, deactivating their devices on it", 200, REF("Message"),
                                                 ONE_ERR + ", invalid_json, missing_parameters, validation_error, invalid_product_auth_method, user_not_assigned",
                                                 idp, body={"type": "object"}, write=True)},
    "/devices/": {"get": op("listDevices", "A page of devices (the devices of a license: ?license=ID)", 200, PAGE("Device"), LIST_ERR, paging + [q(f) for f in device_filters])},
    "/devices/{id}/": {"get": op("getDevice", "One device", 200, REF("Device"), ONE_ERR, idp)},
    "/devices/{id}/reset/": {"post": op("resetDevice", "Deactivate the device, freeing its slot; not a transfer", 200, REF("Message"), ACTION_ERR, idp, write=True,
                                        note="An inactive device answers the same and nothing changes.")},
    "/devices/{id}/blacklist/": {"post": op("blacklistDevice", "Blacklist the device's hardware id and deactivate its devices", 200, REF("Message"), ACTION_ERR, idp,
                                            body=obj({"reason": S("string")}, []), write=True)},
    "/devices/{id}/unblacklist/": {"post": op("unblacklistDevice", "Take the hardware id off the blacklist (devices stay inactive)", 200, REF("Message"), ACTION_ERR, idp, write=True)},
    "/device-variables/": {"get": op("listDeviceVariables", "A page of device variables (what devices reported)", 200, PAGE("DeviceVariable"), LIST_ERR,
                                     paging + [q(f) for f in ["device", "license", "variable"]])},
    "/device-variables/{id}/": {"get": op("getDeviceVariable", "One device variable", 200, REF("DeviceVariable"), ONE_ERR, idp)},
    "/license-users/": {"get": op("listLicenseUsers", "A page of license users", 200, PAGE("LicenseUser"), LIST_ERR, paging + [q(f) for f in user_filters])},
    "/license-users/{id}/": {"get": op("getLicenseUser", "One license user", 200, REF("LicenseUser"), ONE_ERR, idp)},
    "/license-users/{id}/set_password/": {"post": op("setPassword", "Set a license user's password", 200, REF("Message"),
                                                     ONE_ERR + ", invalid_json, missing_parameters, validation_error (the password policy: 8-256 characters, not only white space)",
                                                     idp, body=obj({"password": S("string")}), write=True,
                                                     note="The License API takes the new password at once and refuses the old one; the user's failed-attempt throttle is cleared.")},
    "/license-users/set_password/": {"post": op("setPasswordByEmail", "Set the password of the license user with ?email=", 200, REF("Message"),
                                                "not_found (404: no user with that e-mail), missing_parameters, invalid_json, validation_error",
                                                [{"name": "email", "in": "query", "required": True, "schema": S("string")}],
                                                body=obj({"password": S("string")}), write=True)},
    "/customers/": {"get": op("listCustomers", "A page of customers", 200, PAGE("CustomerObject"), LIST_ERR,
                              paging + [q(f) for f in ["email", "email__icontains", "email__startswith", "first_name__icontains", "last_name__icontains",
                                                       "company_name__icontains", "phone__icontains", "reference", "reference__exact",
                                                       "reference__icontains", "reference__startswith"]]),
                    "post": op("createCustomer", "Create a customer", 201, REF("CustomerObject"),
                               "invalid_json, missing_parameters (email), validation_error, unsupported_field (customer_account), customer_exists (409)",
                               body=obj(CUSTOMER_IN, []), write=True)},
    "/customers/{id}/": {"get": op("getCustomer", "One customer", 200, REF("CustomerObject"), ONE_ERR, idp),
                         "patch": op("patchCustomer", "Change a customer", 200, REF("CustomerObject"),
                                     ONE_ERR + ", invalid_json, unsupported_field, customer_exists (409)", idp, body={"type": "object"}, write=True),
                         "delete": {"operationId": "deleteCustomer", "summary": "Delete a customer no license references", "parameters": idp,
                                    "responses": {"204": {"description": "deleted"},
                                                  "default": {"description": "an error: " + COMMON_ERRORS + ", " + ONE_ERR + ", customer_has_licenses (409), permission_denied (403: a read-only key)",
                                                              "content": {"application/json": {"schema": REF("Error")}}}}}},
    "/products/": {"get": op("listProducts", "A page of products", 200, PAGE("Product"), LIST_ERR,
                             paging + [q(f) for f in ["short_code", "short_code__icontains", "product_name__icontains", "authorization_method",
                                                      "is_archived", "is_disabled", "is_bundle"]]),
                   "post": op("createProduct", "Create a product (licensor: LicenseSpring creates products on its platform)", 201, REF("Product"),
                              "invalid_json, missing_parameters (product_name, short_code), validation_error, unsupported_field (is_bundle), product_exists (409)",
                              body={"type": "object"}, write=True, note="Bundles are made with the CLI.")},
    "/products/{id}/": {"get": op("getProduct", "One product", 200, REF("Product"), ONE_ERR, idp),
                        "patch": op("patchProduct", "Change a product; short_code and authorization_method are read-only", 200, REF("Product"),
                                    ONE_ERR + ", invalid_json", idp, body={"type": "object"}, write=True,
                                    note="is_archived: true makes the License API answer archived_product.")},
    "/audit-events/": {"get": op("listAuditEvents", "A page of the audit log (newest first)", 200, PAGE("AuditEvent"), LIST_ERR, paging + [q(f) for f in audit_filters])},
    "/audit-events/{id}/": {"get": op("getAuditEvent", "One audit event", 200, REF("AuditEvent"), ONE_ERR, idp)},
}
doc = {"openapi": "3.1.0",
       "info": {"title": "licensor Management API", "version": "1",
                "description": "The vendor API (management-api.md): Authorization: Api-Key <prefix>.<secret> (licensor management-key create). "
                               "Every path answers with or without its trailing slash; unknown query parameters and body fields are refused; "
                               "errors are {status, code, message}. Any POST, PATCH or DELETE may carry Idempotency-Key (1-255 printable ASCII): "
                               "the same key, method, path and body within 24 hours answers the first success again with Idempotent-Replayed: true "
                               "and writes nothing; another request under the key is 422 idempotency_key_reused, one while the first runs 409 "
                               "idempotency_key_in_use. Decisions licensor makes where LicenseSpring is silent are marked x-licensor."},
       "servers": [{"url": "/api/v1"}], "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
       "security": [{"ApiKey": []}], "paths": paths,
       "components": {"schemas": schemas, "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                                                                          "description": "Api-Key <prefix>.<secret>"}}}}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
