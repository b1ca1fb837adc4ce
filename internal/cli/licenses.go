package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/mgmtapi"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
	"github.com/licensor/licensor/internal/wire"
)

// rawJSON embeds stored JSON text in printed output.
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("{}")
	}
	return json.RawMessage(s)
}

func runLicenseCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.LicenseSpec
	var validity, features string
	var maxActivations optionalInt
	return r.provision(ctx, "license create", args, "", -1,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Product, "product", "", "product short code (required)")
			fs.StringVar(&spec.Key, "key", "", "license key (default: random XXXX-XXXX-XXXX-XXXX; key-based products only)")
			fs.StringVar(&spec.Type, "type", "perpetual", "perpetual, time-limited, subscription or consumption")
			fs.Var(&maxActivations, "max-activations", "devices that may be active at once (default: the product's)")
			fs.StringVar(&validity, "validity", "", "expiry as RFC 3339, e.g. 2031-03-04T00:00:00Z")
			fs.BoolVar(&spec.Disabled, "disabled", false, "create the license disabled")
			fs.StringVar(&spec.Customer, "customer", "", "customer email (created if new)")
			fs.StringVar(&features, "features", "*", "comma-separated feature codes, or * for every feature of the product")
			fs.Usage = settingsUsage(fs, "license create --product CODE [flags] [key=value ...]", "license")
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
			spec.MaxActivations = maxActivations.v
			if features != "*" {
				spec.Features = splitList(features)
				if spec.Features == nil {
					spec.Features = []string{}
				}
			}
			spec.Settings = p.args
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

// printLicense prints a license as the License API shows it.
func printLicense(ctx context.Context, r *runner, p provisioning, id int64) error {
	v, err := p.app.Service.ShowLicense(ctx, p.company, id)
	if err != nil {
		return fmt.Errorf("no license with id %d", id)
	}
	l := wire.NewLicense(v, wire.LicenseOptions{IncludeExpiredFeatures: true})
	if p.json {
		b, err := signing.MarshalJSON(l)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(r.stdout, string(b))
		return err
	}
	key := "(user-based)"
	if l.LicenseKey != nil {
		key = *l.LicenseKey
	}
	validity := "none"
	if l.ValidityPeriod != nil {
		validity = *l.ValidityPeriod
	}
	return r.print(false, nil,
		fmt.Sprintf("license %d: %s, %s of %s", l.ID, key, l.LicenseType, l.ProductDetails.ShortCode),
		fmt.Sprintf("enabled=%t active=%t expired=%t validity=%s", l.LicenseEnabled, l.LicenseActive, l.IsExpired, validity),
		fmt.Sprintf("activations %d/%d (unlimited=%t), transfers %d/%d", l.TimesActivated, l.MaxActivations,
			l.AllowUnlimitedActivations, l.TransferCount, l.MaxTransfers))
}

// runLicenseShow prints a license by id or by key, as the License API shows
// it, with its devices.
func runLicenseShow(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "license show", args, "one license id or license key", 1, nil, func(p provisioning) error {
		id, err := licenseArg(ctx, p, p.args[0])
		if err != nil {
			return err
		}
		return printLicenseWithDevices(ctx, r, p, id)
	})
}

// licenseArg resolves a license id or key.
func licenseArg(ctx context.Context, p provisioning, arg string) (int64, error) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	f, err := mgmtapi.Filters("licenses", map[string]string{"license_key": arg})
	if err != nil {
		return 0, err
	}
	_, lics, err := p.app.Catalog.Licenses(ctx, p.company, f, store.Page{Limit: 1, OrderBy: "id"})
	if err != nil {
		return 0, err
	}
	if len(lics) == 0 {
		return 0, fmt.Errorf("no license with id or key %q", arg)
	}
	return lics[0].License.ID, nil
}

func runLicenseSet(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "license set", args, "", -1,
		func(fs *flag.FlagSet) { fs.Usage = settingsUsage(fs, "license set ID key=value ...", "license") },
		func(p provisioning) error {
			id, settings, err := idAndSettings(p.args, "license")
			if err != nil {
				return err
			}
			if len(settings) == 0 {
				return usagef("expected key=value settings (known: %s)", strings.Join(licensing.SettingNames("license"), ", "))
			}
			if _, err := p.app.Service.SetLicense(ctx, p.company, id, settings); err != nil {
				return err
			}
			return printLicense(ctx, r, p, id)
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

func runLicenseFeatureAdd(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "license feature add", args, "a license id and a feature code", 2, nil, func(p provisioning) error {
		id, err := idArg(p.args[0], "the license id")
		if err != nil {
			return err
		}
		if err := p.app.Service.AddLicenseFeature(ctx, p.company, id, p.args[1]); err != nil {
			return err
		}
		return printLicense(ctx, r, p, id)
	})
}

func runLicenseFeatureSet(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "license feature set", args, "", -1,
		func(fs *flag.FlagSet) {
			fs.Usage = settingsUsage(fs, "license feature set ID CODE key=value ...", "feature")
		},
		func(p provisioning) error {
			id, rest, err := idAndSettings(p.args, "license")
			if err != nil {
				return err
			}
			if len(rest) < 2 {
				return usagef("expected a license id, a feature code and key=value settings (known: %s)", strings.Join(licensing.SettingNames("feature"), ", "))
			}
			if err := p.app.Service.SetLicenseFeature(ctx, p.company, id, rest[0], rest[1:]); err != nil {
				return err
			}
			return printLicense(ctx, r, p, id)
		})
}

func runLicenseField(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "license field", args, "", -1, nil, func(p provisioning) error {
		id, pairs, err := idAndSettings(p.args, "license")
		if err != nil {
			return err
		}
		if len(pairs) == 0 {
			return usagef("expected a license id and NAME=VALUE custom field values")
		}
		for _, pair := range pairs {
			if _, _, ok := strings.Cut(pair, "="); !ok {
				return usagef("%q is not NAME=VALUE", pair)
			}
		}
		for _, pair := range pairs {
			name, value, _ := strings.Cut(pair, "=")
			if err := p.app.Service.SetLicenseCustomField(ctx, p.company, id, name, value); err != nil {
				return err
			}
		}
		return printLicense(ctx, r, p, id)
	})
}

// optionalInt is an integer flag that knows whether it was given.
type optionalInt struct{ v *int64 }

func (o *optionalInt) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatInt(*o.v, 10)
}

func (o *optionalInt) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an integer", s)
	}
	o.v = &n
	return nil
}
