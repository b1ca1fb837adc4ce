package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
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
	var label, products string
	return r.provision(ctx, "credential create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&label, "label", "", "a note on what the credential is for")
			fs.StringVar(&products, "products", "", "comma-separated product codes the key is limited to (default: all)")
		},
		func(p provisioning) error {
			c, err := p.app.Service.CreateCredential(ctx, p.company, label, splitList(products)...)
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
	usage := func(fs *flag.FlagSet) {
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "Usage: licensor company set key=value ...\n\nFlags:\n")
			fs.PrintDefaults()
			fmt.Fprint(fs.Output(), `
Settings (key=true|false):
  allow_change_password     license users may change their password through the License API (default false)
  allow_multiple_trials     a device may get more than one trial of a product (default false)
  expose_initial_passwords  customer_license_users shows license users' initial passwords in clear text (default
                            false). Anyone holding your application's API key could then read them and sign in
                            as those users until they change their password.
`)
		}
	}
	return r.provision(ctx, "company set", args, "", -1, usage, func(p provisioning) error {
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
	return r.print(p.json, map[string]any{"id": c.ID, "name": c.Name, "allow_change_password": c.AllowChangePassword,
		"allow_multiple_trials": c.AllowMultipleTrials, "expose_initial_passwords": c.ExposeInitialPasswords},
		fmt.Sprintf("company %d (%s)", c.ID, c.Name),
		fmt.Sprintf("allow_change_password=%t", c.AllowChangePassword),
		fmt.Sprintf("allow_multiple_trials=%t", c.AllowMultipleTrials),
		fmt.Sprintf("expose_initial_passwords=%t", c.ExposeInitialPasswords))
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// idAndSettings reads "ID key=value..." arguments.
func idAndSettings(args []string, what string) (int64, []string, error) {
	if len(args) == 0 {
		return 0, nil, usagef("expected %s id and key=value settings", what)
	}
	id, err := idArg(args[0], "the "+what+" id")
	return id, args[1:], err
}
