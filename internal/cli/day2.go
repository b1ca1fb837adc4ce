package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/mgmtapi"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// The day-2 commands of a support engineer (management-api.md §7 and issue
// 10): the catalog's operations, the Management API's objects with --json.

// pageFlags are --limit and --offset.
func pageFlags(fs *flag.FlagSet) (*int64, *int64) {
	return fs.Int64("limit", 20, "at most this many (1-100)"), fs.Int64("offset", 0, "skip this many")
}

func storePage(limit, offset int64, orderBy string, desc bool) (store.Page, error) {
	if limit < 1 || limit > 100 || offset < 0 {
		return store.Page{}, usagef("--limit must be 1-100 and --offset at least 0")
	}
	return store.Page{Limit: limit, Offset: offset, OrderBy: orderBy, Desc: desc}, nil
}

// licenseStatus is the clause of --status, the License object's status.
func licenseStatus(f *store.Filter, status string, now time.Time) error {
	expired := `(t.validity_period IS NOT NULL AND t.validity_period +
		CASE WHEN t.allow_grace_period THEN t.grace_period * 3600000 ELSE 0 END <= ?)`
	active := `EXISTS (SELECT 1 FROM devices d WHERE d.license_id = t.id AND d.is_active)`
	ms := now.UnixMilli()
	switch status {
	case "":
	case "disabled":
		f.Where("NOT t.enabled")
	case "expired":
		f.Where("t.enabled AND "+expired, ms)
	case "active":
		f.Where("t.enabled AND NOT "+expired+" AND "+active, ms)
	case "inactive":
		f.Where("t.enabled AND NOT "+expired+" AND NOT "+active, ms)
	default:
		return usagef("--status must be active, inactive, disabled or expired")
	}
	return nil
}

func runLicenseList(ctx context.Context, r *runner, args []string) error {
	var product, customer, key, status string
	var limit, offset *int64
	return r.provision(ctx, "license list", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&product, "product", "", "only licenses of this product code")
			fs.StringVar(&customer, "customer", "", "only licenses of the customer with this e-mail")
			fs.StringVar(&key, "key", "", "only the license with this key")
			fs.StringVar(&status, "status", "", "only licenses with this status: active, inactive, disabled, expired")
			limit, offset = pageFlags(fs)
		},
		func(p provisioning) error {
			page, err := storePage(*limit, *offset, "id", false)
			if err != nil {
				return err
			}
			f, err := mgmtapi.Filters("licenses", map[string]string{"product_short_code": product, "customer_email": customer, "license_key": key})
			if err != nil {
				return err
			}
			if err := licenseStatus(&f, status, time.Now()); err != nil {
				return err
			}
			total, lics, err := p.app.Catalog.Licenses(ctx, p.company, f, page)
			if err != nil {
				return err
			}
			objs, lines := make([]any, len(lics)), []string{fmt.Sprintf("%d licenses", total)}
			for i, l := range lics {
				objs[i] = mgmtapi.LicenseObject(l)
				k := "(user-based)"
				if l.License.LicenseKey != nil {
					k = *l.License.LicenseKey
				}
				lines = append(lines, fmt.Sprintf("%d  %s  %s  %s", l.License.ID, k, l.Product.ShortCode, licenseStatusOf(l)))
			}
			return r.print(p.json, map[string]any{"count": total, "licenses": objs}, lines...)
		})
}

func licenseStatusOf(l *catalog.License) string { return mgmtapi.LicenseStatus(l) }

func runDeviceList(ctx context.Context, r *runner, args []string) error {
	var license, hardwareID, active string
	var limit, offset *int64
	return r.provision(ctx, "device list", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&license, "license", "", "only devices of this license id")
			fs.StringVar(&hardwareID, "hardware-id", "", "only devices with this hardware id")
			fs.StringVar(&active, "active", "", "true: only active devices; false: only inactive ones")
			limit, offset = pageFlags(fs)
		},
		func(p provisioning) error {
			page, err := storePage(*limit, *offset, "id", false)
			if err != nil {
				return err
			}
			f, err := mgmtapi.Filters("devices", map[string]string{"license": license, "hardware_id": hardwareID, "is_active": active})
			if err != nil {
				return usagef("%v", err)
			}
			total, ds, err := p.app.Catalog.Devices(ctx, p.company, f, page)
			if err != nil {
				return err
			}
			objs, lines := make([]any, len(ds)), []string{fmt.Sprintf("%d devices", total)}
			for i, d := range ds {
				objs[i] = mgmtapi.DeviceObject(d)
				lines = append(lines, fmt.Sprintf("%d  license %d  %s  active=%t  blacklisted=%t  last check %s", d.ID, d.LicenseID,
					d.HardwareID, d.IsActive, d.Blacklisted, signing.FormatTime(d.LastSeenAt)))
			}
			return r.print(p.json, map[string]any{"count": total, "devices": objs}, lines...)
		})
}

func runDeviceReset(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "device reset", args, "one device id (device list shows them)", 1, nil, func(p provisioning) error {
		id, err := idArg(p.args[0], "the device id")
		if err != nil {
			return err
		}
		if err := p.app.Catalog.ResetDevice(ctx, cliActor(p), id); err != nil {
			return err
		}
		return r.print(p.json, map[string]any{"id": id, "reset": true}, fmt.Sprintf("device %d reset: its slot is free", id))
	})
}

func runUserList(ctx context.Context, r *runner, args []string) error {
	var license, email string
	var limit, offset *int64
	return r.provision(ctx, "user list", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&license, "license", "", "only users on this license id")
			fs.StringVar(&email, "email", "", "only the user with this e-mail")
			limit, offset = pageFlags(fs)
		},
		func(p provisioning) error {
			page, err := storePage(*limit, *offset, "id", false)
			if err != nil {
				return err
			}
			f, err := mgmtapi.Filters("license-users", map[string]string{"license": license, "true_email": email})
			if err != nil {
				return usagef("%v", err)
			}
			total, us, err := p.app.Catalog.Users(ctx, p.company, f, page)
			if err != nil {
				return err
			}
			objs, lines := make([]any, len(us)), []string{fmt.Sprintf("%d license users", total)}
			for i, u := range us {
				objs[i] = mgmtapi.UserObject(u)
				lines = append(lines, fmt.Sprintf("%d  %s  active=%t  initial_password=%t  licenses=%d", u.ID, u.Email, u.IsActive,
					u.IsInitialPassword, len(u.Licenses)))
			}
			return r.print(p.json, map[string]any{"count": total, "users": objs}, lines...)
		})
}

// runUserSetPassword sets a user's password, read from a file (its first
// line) so that it never shows in a process list or a shell history.
func runUserSetPassword(ctx context.Context, r *runner, args []string) error {
	var file string
	return r.provision(ctx, "user set-password", args, "one license user id or e-mail", 1,
		func(fs *flag.FlagSet) {
			fs.StringVar(&file, "password-file", "", "a file whose first line is the new password (required)")
		},
		func(p provisioning) error {
			if file == "" {
				return usagef("--password-file FILE is required (the password is never taken on the command line)")
			}
			ref := catalog.UserRef{Email: p.args[0]}
			if id, err := strconv.ParseInt(p.args[0], 10, 64); err == nil {
				ref = catalog.UserRef{ID: id}
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			pw, _, _ := strings.Cut(string(raw), "\n")
			if err := p.app.Catalog.SetPassword(ctx, cliActor(p), ref, strings.TrimSuffix(pw, "\r")); err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"user": p.args[0], "password_set": true}, "password set for "+p.args[0])
		})
}

func runCredentialList(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "credential list", args, "", 0, nil, func(p provisioning) error {
		cs, err := p.app.Catalog.Credentials(ctx, p.company)
		if err != nil {
			return err
		}
		list, lines := make([]map[string]any, len(cs)), make([]string, len(cs))
		for i, c := range cs {
			var revoked any
			state := "live"
			if c.RevokedAt != nil {
				revoked, state = signing.FormatTime(*c.RevokedAt), "revoked"
			}
			list[i] = map[string]any{"id": c.ID, "api_key": c.APIKey, "label": c.Label, "created_at": signing.FormatTime(c.CreatedAt), "revoked_at": revoked}
			lines[i] = fmt.Sprintf("%d  %s  %s  %q", c.ID, c.APIKey, state, c.Label)
		}
		return r.print(p.json, map[string]any{"credentials": list}, lines...)
	})
}

func runAuditList(ctx context.Context, r *runner, args []string) error {
	var action, subjectType, subjectID string
	var limit, offset *int64
	return r.provision(ctx, "audit list", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&action, "action", "", "only this action (e.g. license.disabled)")
			fs.StringVar(&subjectType, "subject-type", "", "only events about this kind of object (license, device, license_user …)")
			fs.StringVar(&subjectID, "subject-id", "", "only events about the object with this id")
			limit, offset = pageFlags(fs)
		},
		func(p provisioning) error {
			page, err := storePage(*limit, *offset, "id", true)
			if err != nil {
				return err
			}
			f, err := mgmtapi.Filters("audit-events", map[string]string{"action": action, "subject_type": subjectType, "subject_id": subjectID})
			if err != nil {
				return usagef("%v", err)
			}
			total, es, err := p.app.Catalog.AuditEvents(ctx, p.company, f, page)
			if err != nil {
				return err
			}
			objs, lines := make([]any, len(es)), []string{fmt.Sprintf("%d events", total)}
			for i, e := range es {
				objs[i] = mgmtapi.AuditObject(e)
				lines = append(lines, fmt.Sprintf("%s  %s  by %s  on %s %v  %s", signing.FormatTime(e.OccurredAt), e.Action, e.ActorType,
					e.SubjectType, deref(e.SubjectID), e.Details))
			}
			return r.print(p.json, map[string]any{"count": total, "events": objs}, lines...)
		})
}

func deref(p *int64) any {
	if p == nil {
		return "-"
	}
	return *p
}

// printLicenseWithDevices is printLicense plus the license's devices (a
// "devices" member in --json: the Management API's Device objects).
func printLicenseWithDevices(ctx context.Context, r *runner, p provisioning, id int64) error {
	f, err := mgmtapi.Filters("devices", map[string]string{"license": strconv.FormatInt(id, 10)})
	if err != nil {
		return err
	}
	_, ds, err := p.app.Catalog.Devices(ctx, p.company, f, store.Page{Limit: 100, OrderBy: "id"})
	if err != nil {
		return err
	}
	if !p.json {
		if err := printLicense(ctx, r, p, id); err != nil {
			return err
		}
		for _, d := range ds {
			if _, err := fmt.Fprintf(r.stdout, "device %d  %s  active=%t  last check %s\n", d.ID, d.HardwareID, d.IsActive,
				signing.FormatTime(d.LastSeenAt)); err != nil {
				return err
			}
		}
		return nil
	}
	var buf strings.Builder
	if err := printLicense(ctx, &runner{env: r.env, stdout: &buf, stderr: r.stderr}, p, id); err != nil {
		return err
	}
	objs := make([]any, len(ds))
	for i, d := range ds {
		objs[i] = mgmtapi.DeviceObject(d)
	}
	devs, err := signing.MarshalJSON(objs)
	if err != nil {
		return err
	}
	obj := strings.TrimSuffix(strings.TrimSpace(buf.String()), "}")
	_, err = fmt.Fprintf(r.stdout, "%s,\"devices\":%s}\n", obj, devs)
	return err
}
