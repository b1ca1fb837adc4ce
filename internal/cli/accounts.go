package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/licensor/licensor/internal/licensing"
)

func runCustomerAccountCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.CustomerAccountSpec
	return r.provision(ctx, "customer-account create", args, "", -1,
		func(fs *flag.FlagSet) {
			fs.StringVar(&spec.Code, "code", "", "the account's code, which applications send as customer_account_code (required)")
			fs.StringVar(&spec.Name, "name", "", "the account's name (required)")
			fs.Usage = func() {
				fmt.Fprintf(fs.Output(), "Usage: licensor customer-account create --code CODE --name NAME [sso_issuer=URL sso_client_id=ID]\n\nFlags:\n")
				fs.PrintDefaults()
				fmt.Fprint(fs.Output(), `
Settings (key=value):
  sso_issuer     the account's OpenID Connect issuer URL (https; http only on loopback); licensor reads
                 its /.well-known/openid-configuration
  sso_client_id  the client id registered at that provider for your application
Put customers in the account with: licensor customer create --email EMAIL --customer-account CODE
`)
			}
		},
		func(p provisioning) error {
			for _, a := range p.args {
				k, v, ok := strings.Cut(a, "=")
				switch {
				case !ok:
					return usagef("%q is not key=value", a)
				case k == "sso_issuer":
					spec.SSOIssuer = v
				case k == "sso_client_id":
					spec.SSOClientID = v
				default:
					return usagef("unknown setting %q (known: sso_issuer, sso_client_id)", k)
				}
			}
			if spec.Code == "" || spec.Name == "" {
				return usagef("--code and --name are required")
			}
			a, err := p.app.Service.CreateCustomerAccount(ctx, p.company, spec)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": a.ID, "code": a.Code, "name": a.Name, "sso_issuer": a.SSOIssuer, "sso_client_id": a.SSOClientID},
				fmt.Sprintf("customer account %d: %s (%s)", a.ID, a.Code, a.Name))
		})
}
