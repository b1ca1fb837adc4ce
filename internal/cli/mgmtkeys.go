package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// The Management API's keys are made only here, on the server's own data
// (management-api.md §2.1): the API itself cannot mint keys.

func cliActor(p provisioning) catalog.Actor { return catalog.Actor{CompanyID: p.company} }

func keyJSON(k *store.ManagementKey) map[string]any {
	var used, revoked any
	if k.LastUsedAt != nil {
		used = signing.FormatTime(*k.LastUsedAt)
	}
	if k.RevokedAt != nil {
		revoked = signing.FormatTime(*k.RevokedAt)
	}
	return map[string]any{"id": k.ID, "prefix": k.Prefix, "label": k.Label, "read_only": k.ReadOnly,
		"created_at": signing.FormatTime(k.CreatedAt), "last_used_at": used, "revoked_at": revoked}
}

func runManagementKeyCreate(ctx context.Context, r *runner, args []string) error {
	var label string
	var readOnly bool
	return r.provision(ctx, "management-key create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&label, "label", "", "what the key is for (shown in the audit log)")
			fs.BoolVar(&readOnly, "read-only", false, "the key may only read (GET)")
		},
		func(p provisioning) error {
			k, err := p.app.Catalog.CreateManagementKey(ctx, cliActor(p), label, readOnly)
			if err != nil {
				return err
			}
			out := map[string]any{"id": k.ID, "prefix": k.Prefix, "key": k.Key, "label": k.Label, "read_only": k.ReadOnly,
				"created_at": signing.FormatTime(k.CreatedAt)}
			return r.print(p.json, out,
				"management key: "+k.Key+"   (shown once; keep it secret)",
				"Send it as: Authorization: Api-Key "+k.Prefix+".…")
		})
}

func runManagementKeyList(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "management-key list", args, "", 0, nil, func(p provisioning) error {
		keys, err := p.app.Catalog.ManagementKeys(ctx, p.company)
		if err != nil {
			return err
		}
		list := make([]map[string]any, len(keys))
		lines := make([]string, len(keys))
		for i := range keys {
			list[i] = keyJSON(&keys[i])
			state := "live"
			if keys[i].RevokedAt != nil {
				state = "revoked"
			}
			lines[i] = fmt.Sprintf("%d  %s  read_only=%t  %s  %q", keys[i].ID, keys[i].Prefix, keys[i].ReadOnly, state, keys[i].Label)
		}
		return r.print(p.json, map[string]any{"keys": list}, lines...)
	})
}

func runManagementKeyRevoke(ctx context.Context, r *runner, args []string) error {
	return r.provision(ctx, "management-key revoke", args, "one key prefix (or the whole key)", 1, nil, func(p provisioning) error {
		if err := p.app.Catalog.RevokeManagementKey(ctx, cliActor(p), p.args[0]); err != nil {
			return err
		}
		return r.print(p.json, map[string]any{"revoked": true}, "revoked")
	})
}
