package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/store"
)

func productJSON(p *store.Product) map[string]any {
	return map[string]any{"id": p.ID, "code": p.ShortCode, "name": p.Name, "authorization_method": p.AuthorizationMethod,
		"is_bundle": p.IsBundle, "allow_trial": p.AllowTrial, "trial_days": p.TrialDays,
		"trial_max_activations": p.TrialMaxActivations, "default_license_type": p.DefaultLicenseType,
		"max_activations": p.MaxActivations, "prevent_vm": p.PreventVM, "is_disabled": p.IsDisabled,
		"is_archived": p.IsArchived, "floating_timeout": p.FloatingTimeout, "allow_overages": p.AllowOverages,
		"max_overages": p.MaxOverages, "metadata": rawJSON(p.Metadata)}
}

func runProductCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.ProductSpec
	var includes string
	return r.provision(ctx, "product create", args, "", -1,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Code, "code", "", "short code clients send as product (required)")
			fs.StringVar(&spec.Name, "name", "", "product name (required)")
			fs.StringVar(&spec.AuthorizationMethod, "auth", "license-key", "authorization method: license-key or user")
			fs.BoolVar(&spec.Bundle, "bundle", false, "a bundle of the products --includes names")
			fs.StringVar(&includes, "includes", "", "comma-separated product codes a bundle holds")
			fs.Usage = settingsUsage(fs, "product create [flags] [key=value ...]", "product")
		},
		func(p provisioning) error {
			spec.Includes, spec.Settings = splitList(includes), p.args
			prod, err := p.app.Service.CreateProduct(ctx, p.company, spec)
			if err != nil {
				return err
			}
			return r.print(p.json, productJSON(prod), fmt.Sprintf("product %d: %s (%s)", prod.ID, prod.ShortCode, prod.AuthorizationMethod))
		})
}

func runProductSet(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "product set", args, "", -1,
		func(fs *flag.FlagSet) { fs.Usage = settingsUsage(fs, "product set CODE key=value ...", "product") },
		func(p provisioning) error {
			if len(p.args) < 2 {
				return usagef("expected a product code and key=value settings (known: %s)", strings.Join(licensing.SettingNames("product"), ", "))
			}
			prod, err := p.app.Service.SetProduct(ctx, p.company, p.args[0], p.args[1:])
			if err != nil {
				return err
			}
			return r.print(p.json, productJSON(prod), fmt.Sprintf("product %d: %s updated", prod.ID, prod.ShortCode))
		})
}

func runFeatureCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.FeatureSpec
	return r.provision(ctx, "feature create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Product, "product", "", "product short code (required)")
			fs.StringVar(&spec.Code, "code", "", "feature code (required)")
			fs.StringVar(&spec.Name, "name", "", "feature name (default: the code)")
			fs.StringVar(&spec.Type, "type", "activation", "activation or consumption")
			fs.Int64Var(&spec.MaxConsumption, "max-consumption", 0, "consumption features: the default limit")
			fs.StringVar(&spec.Metadata, "metadata", "", "a JSON object")
			fs.BoolVar(&spec.IsFloatingCloud, "floating-cloud", false, "the feature has floating seats of its own, taken by check_license_feature")
			fs.Int64Var(&spec.FloatingUsers, "floating-users", 0, "floating cloud features: seats")
			fs.Int64Var(&spec.FloatingTimeout, "floating-timeout", 0, "floating cloud features: minutes a seat is kept without a check (default: the product's)")
		},
		func(p provisioning) error {
			f, err := p.app.Service.CreateFeature(ctx, p.company, spec)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": f.ID, "code": f.Code, "feature_type": f.FeatureType},
				fmt.Sprintf("feature %d: %s (%s)", f.ID, f.Code, f.FeatureType))
		})
}

func runCustomFieldCreate(ctx context.Context, r *runner, args []string) error {
	var product, name, dataType, def string
	return r.provision(ctx, "custom-field create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&product, "product", "", "product short code (required)")
			fs.StringVar(&name, "name", "", "field name (required)")
			fs.StringVar(&dataType, "type", "", "number, text or date/time (default: none)")
			fs.StringVar(&def, "default", "", "default value")
		},
		func(p provisioning) error {
			id, err := p.app.Service.CreateCustomField(ctx, p.company, product, name, dataType, def)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": id, "name": name}, fmt.Sprintf("custom field %d: %s", id, name))
		})
}

func runVersionAdd(ctx context.Context, r *runner, args []string) error {
	var v licensing.VersionSpec
	var release string
	return r.provision(ctx, "version add", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&v.Product, "product", "", "product short code (required)")
			fs.StringVar(&v.Version, "version", "", "version, e.g. 1.2.3 (required)")
			fs.StringVar(&v.Environment, "env", "", "environment, e.g. win64")
			fs.StringVar(&v.Channel, "channel", "", "release channel")
			fs.StringVar(&release, "release-date", "", "RFC 3339")
			fs.StringVar(&v.FullLink, "link", "", "download URL")
			fs.StringVar(&v.Filename, "filename", "", "file name")
			fs.StringVar(&v.HashMD5, "md5", "", "MD5 of the file")
			fs.StringVar(&v.EulaLink, "eula", "", "EULA URL")
			fs.StringVar(&v.ReleaseNotesLink, "release-notes", "", "release notes URL")
			fs.StringVar(&v.Size, "size", "", "file size")
			fs.StringVar(&v.RequiresVersion, "requires", "", "version it requires")
		},
		func(p provisioning) error {
			if release != "" {
				t, err := time.Parse(time.RFC3339, release)
				if err != nil {
					return usagef("--release-date %q is not RFC 3339", release)
				}
				v.ReleaseDate = &t
			}
			id, err := p.app.Service.AddVersion(ctx, p.company, v)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": id, "version": v.Version}, fmt.Sprintf("version %d: %s", id, v.Version))
		})
}

func runCustomerCreate(ctx context.Context, r *runner, args []string) error {
	var c licensing.CustomerSpec
	return r.provision(ctx, "customer create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&c.Email, "email", "", "email (required)")
			fs.StringVar(&c.FirstName, "first-name", "", "")
			fs.StringVar(&c.LastName, "last-name", "", "")
			fs.StringVar(&c.CompanyName, "company-name", "", "")
			fs.StringVar(&c.Phone, "phone", "", "")
			fs.StringVar(&c.Reference, "reference", "", "")
			fs.StringVar(&c.Address, "address", "", "")
			fs.StringVar(&c.City, "city", "", "")
			fs.StringVar(&c.Postcode, "postcode", "", "")
			fs.StringVar(&c.State, "state", "", "")
			fs.StringVar(&c.Country, "country", "", "")
			fs.StringVar(&c.Metadata, "metadata", "", "a JSON object")
			fs.StringVar(&c.AccountCode, "customer-account", "", "put the customer in the customer account with this code")
		},
		func(p provisioning) error {
			cust, err := p.app.Service.CreateCustomer(ctx, p.company, c)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": cust.ID, "email": cust.Email}, fmt.Sprintf("customer %d: %s", cust.ID, cust.Email))
		})
}

func runDeviceBlacklist(ctx context.Context, r *runner, args []string) error {
	var reason string
	return r.provision(ctx, "device blacklist", args, "one hardware id", 1,
		func(fs *flag.FlagSet) { fs.StringVar(&reason, "reason", "", "why, for the record") },
		func(p provisioning) error {
			if err := p.app.Service.BlacklistDevice(ctx, p.company, p.args[0], reason); err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"hardware_id": p.args[0], "blacklisted": true}, "blacklisted "+p.args[0])
		})
}

func runDeviceUnblacklist(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "device unblacklist", args, "one hardware id", 1, nil, func(p provisioning) error {
		if err := p.app.Service.UnblacklistDevice(ctx, p.company, p.args[0]); err != nil {
			return err
		}
		return r.print(p.json, map[string]any{"hardware_id": p.args[0], "blacklisted": false}, "unblacklisted "+p.args[0])
	})
}

// settingsUsage prints a command's flags and the key=value settings it
// takes.
func settingsUsage(fs *flag.FlagSet, synopsis, table string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "Usage: licensor %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nSettings (key=value): %s\n", strings.Join(licensing.SettingNames(table), ", "))
	}
}
