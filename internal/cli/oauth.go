package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/licensor/licensor/internal/licensing"
)

func runOAuthClientCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.OAuthClientSpec
	return r.provision(ctx, "oauth-client create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.Int64Var(&spec.LicenseID, "license", 0, "scope the client to this license id")
			fs.StringVar(&spec.CustomerEmail, "customer", "", "scope the client to the licenses of the customer with this e-mail")
			fs.StringVar(&spec.Label, "label", "", "a note on what the client is for")
		},
		func(p provisioning) error {
			c, err := p.app.Service.CreateOAuthClient(ctx, p.company, spec)
			if err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"id": c.ID, "company_id": p.company, "client_id": c.ClientID, "client_secret": c.ClientSecret},
				"client id:     "+c.ClientID,
				"client secret: "+c.ClientSecret+"   (shown once; keep it secret)",
				"Tokens: POST /oauth/token with grant_type=client_credentials (GET /api/v4/oauth_url gives its absolute URL).")
		})
}

func runOAuthClientRotate(ctx context.Context, r *runner, args []string) error {
	grace := 24 * time.Hour
	return r.provision(ctx, "oauth-client rotate", args, "one client id", 1,
		func(fs *flag.FlagSet) {
			fs.DurationVar(&grace, "grace", grace, "how long the current secret keeps working")
		},
		func(p provisioning) error {
			secret, err := p.app.Service.RotateOAuthSecret(ctx, p.company, p.args[0], grace)
			if err != nil {
				return fmt.Errorf("no live OAuth client %q in company %d (%w)", p.args[0], p.company, err)
			}
			return r.print(p.json, map[string]any{"client_id": p.args[0], "client_secret": secret, "previous_valid_for": grace.String()},
				"client secret: "+secret+"   (shown once; keep it secret)",
				"The previous secret keeps working for "+grace.String()+".")
		})
}

func runOAuthClientRevoke(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "oauth-client revoke", args, "one client id", 1, nil, func(p provisioning) error {
		if err := p.app.Service.RevokeOAuthClient(ctx, p.company, p.args[0]); err != nil {
			return fmt.Errorf("no live OAuth client %q in company %d", p.args[0], p.company)
		}
		return r.print(p.json, map[string]any{"client_id": p.args[0], "revoked": true}, "revoked "+p.args[0])
	})
}

func runOAuthClientList(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "oauth-client list", args, "", 0, nil, func(p provisioning) error {
		cs, err := p.app.Service.OAuthClients(ctx, p.company)
		if err != nil {
			return err
		}
		rows := make([]map[string]any, 0, len(cs))
		text := []string{}
		for i := range cs {
			c := &cs[i]
			rows = append(rows, map[string]any{"id": c.ID, "client_id": c.ClientID, "scope": licensing.ScopeName(c), "label": c.Label,
				"created_at": c.CreatedAt, "revoked": c.RevokedAt != nil})
			state := "live"
			if c.RevokedAt != nil {
				state = "revoked"
			}
			text = append(text, fmt.Sprintf("%s  %-8s %-20s %s", c.ClientID, state, licensing.ScopeName(c), c.Label))
		}
		return r.print(p.json, map[string]any{"clients": rows}, text...)
	})
}
