package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
)

// provisioning is what a provisioning command's body gets.
type provisioning struct {
	app     *app.App
	company int64
	args    []string // positional arguments
	json    bool
}

// provision parses a provisioning command's flags (--data, --company,
// --json and those define adds), checks the positional argument count,
// opens the data directory and runs fn.
func (r *runner) provision(ctx context.Context, name string, args []string, wantArgs string, nArgs int,
	define func(fs *flag.FlagSet), fn func(p provisioning) error) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet(name)
	s.dataFlag(fs)
	company := fs.Int64("company", 0, "company id (default: the only company)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if define != nil {
		define(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if nArgs >= 0 && len(pos) != nArgs {
		if nArgs == 0 {
			return usagef("unexpected argument %q", pos[0])
		}
		return usagef("expected %s", wantArgs)
	}
	a, err := r.openExisting(ctx, s)
	if err != nil {
		return err
	}
	defer a.Close()
	companyID := *company
	if companyID == 0 {
		if companyID, err = a.Service.DefaultCompany(ctx); err != nil {
			return err
		}
	} else if _, err := a.Service.Company(ctx, companyID); err != nil {
		return fmt.Errorf("no company with id %d", companyID)
	}
	return fn(provisioning{app: a, company: companyID, args: pos, json: *asJSON})
}

// idArg parses a positional numeric id.
func idArg(s, what string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%s must be a positive integer, got %q", what, s)
	}
	return id, nil
}

func runCredentialCreate(ctx context.Context, r *runner, args []string) error {
	var label string
	return r.provision(ctx, "credential create", args, "", 0,
		func(fs *flag.FlagSet) { fs.StringVar(&label, "label", "", "a note on what the credential is for") },
		func(p provisioning) error {
			c, err := p.app.Service.CreateCredential(ctx, p.company, label)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": c.ID, "company_id": p.company, "api_key": c.APIKey, "shared_key": c.SharedKey},
				"API key:    "+c.APIKey,
				"shared key: "+c.SharedKey+"   (shown once; keep it secret)")
		})
}

func runCredentialRevoke(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "credential revoke", args, "one API key", 1, nil, func(p provisioning) error {
		if err := p.app.Service.RevokeCredential(ctx, p.company, p.args[0]); err != nil {
			return fmt.Errorf("no live API key %q in company %d", p.args[0], p.company)
		}
		return r.print(p.json, map[string]any{"api_key": p.args[0], "revoked": true}, "revoked "+p.args[0])
	})
}

func runCompanySet(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "company set", args, "", -1, nil, func(p provisioning) error {
		if len(p.args) == 0 {
			return usagef("expected settings as key=value (known: %s)", strings.Join(licensing.CompanySettings, ", "))
		}
		type kv struct{ k, v string }
		var kvs []kv
		for _, a := range p.args {
			k, v, ok := strings.Cut(a, "=")
			if !ok || k == "" {
				return usagef("%q is not key=value", a)
			}
			kvs = append(kvs, kv{k, v})
		}
		// Validate every pair before changing anything.
		for _, e := range kvs {
			if err := p.app.Service.ValidateCompanySetting(e.k, e.v); err != nil {
				return usagef("%v", err)
			}
		}
		for _, e := range kvs {
			if err := p.app.Service.SetCompanySetting(ctx, p.company, e.k, e.v); err != nil {
				return err
			}
		}
		return printCompany(ctx, r, p)
	})
}

func runCompanyShow(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "company show", args, "", 0, nil, func(p provisioning) error {
		return printCompany(ctx, r, p)
	})
}

func printCompany(ctx context.Context, r *runner, p provisioning) error {
	c, err := p.app.Service.Company(ctx, p.company)
	if err != nil {
		return err
	}
	return r.print(p.json, map[string]any{"id": c.ID, "name": c.Name, "allow_change_password": c.AllowChangePassword},
		fmt.Sprintf("company %d (%s)", c.ID, c.Name),
		fmt.Sprintf("allow_change_password=%t", c.AllowChangePassword))
}

func runProductCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.ProductSpec
	return r.provision(ctx, "product create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Code, "code", "", "short code the SDKs send as product (required)")
			fs.StringVar(&spec.Name, "name", "", "product name (required)")
			fs.StringVar(&spec.AuthorizationMethod, "auth", "license-key", "authorization method: license-key or user")
		},
		func(p provisioning) error {
			prod, err := p.app.Service.CreateProduct(ctx, p.company, spec)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": prod.ID, "code": prod.ShortCode, "authorization_method": prod.AuthorizationMethod},
				fmt.Sprintf("product %d: %s (%s)", prod.ID, prod.ShortCode, prod.AuthorizationMethod))
		})
}

func runLicenseCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.LicenseSpec
	var validity string
	return r.provision(ctx, "license create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Product, "product", "", "product short code (required)")
			fs.StringVar(&spec.Key, "key", "", "license key (default: random XXXX-XXXX-XXXX-XXXX; key-based products only)")
			fs.StringVar(&spec.Type, "type", "perpetual", "perpetual, time-limited, subscription or consumption")
			fs.Int64Var(&spec.MaxActivations, "max-activations", 1, "devices that may be active at once")
			fs.StringVar(&validity, "validity", "", "expiry as RFC 3339, e.g. 2031-03-04T00:00:00Z")
			fs.BoolVar(&spec.Disabled, "disabled", false, "create the license disabled")
		},
		func(p provisioning) error {
			if spec.Product == "" {
				return usagef("--product is required")
			}
			if validity != "" {
				t, err := time.Parse(time.RFC3339, validity)
				if err != nil {
					return usagef("--validity %q is not RFC 3339 (e.g. 2031-03-04T00:00:00Z)", validity)
				}
				t = t.UTC().Truncate(time.Millisecond)
				spec.Validity = &t
			}
			l, err := p.app.Service.CreateLicense(ctx, p.company, spec)
			if err != nil {
				return err
			}
			out := map[string]any{"id": l.ID, "license_key": l.LicenseKey, "license_type": l.LicenseType, "enabled": l.Enabled,
				"max_activations": l.MaxActivations, "validity_period": nil}
			if l.ValidityPeriod != nil {
				out["validity_period"] = signing.FormatTime(*l.ValidityPeriod)
			}
			key := "(user-based: no key)"
			if l.LicenseKey != nil {
				key = *l.LicenseKey
			}
			return r.print(p.json, out, fmt.Sprintf("license %d: %s", l.ID, key))
		})
}

func runLicenseDisable(ctx context.Context, r *runner, args []string) error {
	return setLicenseEnabled(ctx, r, "license disable", args, false)
}

func runLicenseEnable(ctx context.Context, r *runner, args []string) error {
	return setLicenseEnabled(ctx, r, "license enable", args, true)
}

func setLicenseEnabled(ctx context.Context, r *runner, name string, args []string, enabled bool) error {
	return r.provision(ctx, name, args, "one license id", 1, nil, func(p provisioning) error {
		id, err := idArg(p.args[0], "the license id")
		if err != nil {
			return err
		}
		if err := p.app.Service.SetLicenseEnabled(ctx, p.company, id, enabled); err != nil {
			return err
		}
		return r.print(p.json, map[string]any{"id": id, "enabled": enabled}, fmt.Sprintf("license %d enabled=%t", id, enabled))
	})
}

func runUserCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.UserSpec
	return r.provision(ctx, "user create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.Int64Var(&spec.LicenseID, "license", 0, "id of a user-based license (required)")
			fs.StringVar(&spec.Email, "email", "", "the user's email, their username (required)")
			fs.StringVar(&spec.Password, "password", "", "password (default: a generated initial password)")
		},
		func(p provisioning) error {
			if spec.LicenseID <= 0 || spec.Email == "" {
				return usagef("--license and --email are required")
			}
			u, err := p.app.Service.CreateLicenseUser(ctx, p.company, spec)
			if err != nil {
				return err
			}
			text := []string{fmt.Sprintf("license user %d: %s", u.ID, u.Email)}
			if u.InitialPassword != "" {
				text = append(text, "initial password: "+u.InitialPassword)
			}
			return r.print(p.json, map[string]any{"id": u.ID, "email": u.Email, "initial_password": u.InitialPassword}, text...)
		})
}

func runUserDeactivate(ctx context.Context, r *runner, args []string) error {
	return setUserActive(ctx, r, "user deactivate", args, false)
}

func runUserActivate(ctx context.Context, r *runner, args []string) error {
	return setUserActive(ctx, r, "user activate", args, true)
}

func setUserActive(ctx context.Context, r *runner, name string, args []string, active bool) error {
	return r.provision(ctx, name, args, "one license user id", 1, nil, func(p provisioning) error {
		id, err := idArg(p.args[0], "the license user id")
		if err != nil {
			return err
		}
		if err := p.app.Service.SetLicenseUserActive(ctx, p.company, id, active); err != nil {
			return err
		}
		return r.print(p.json, map[string]any{"id": id, "is_active": active}, fmt.Sprintf("license user %d is_active=%t", id, active))
	})
}
