package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/mgmtapi"
)

// runOrderCreate issues an order from a create_order body in a file, as
// POST /api/v1/orders/create_order/ does (management-api.md §5.1).
func runOrderCreate(ctx context.Context, r *runner, args []string) error {
	var file string
	return r.provision(ctx, "order create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&file, "file", "", "a JSON file holding a create_order body: id, customer, items (required)")
		},
		func(p provisioning) error {
			if file == "" {
				return usagef("--file ORDER.json is required")
			}
			body, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			in, err := mgmtapi.ReadOrder(body)
			if err != nil {
				return err
			}
			id, replayed, err := p.app.Catalog.CreateOrder(ctx, cliActor(p), in)
			if err != nil {
				return err
			}
			o, err := p.app.Catalog.Order(ctx, p.company, id)
			if err != nil {
				return err
			}
			var lics []*catalog.License
			lines := []string{fmt.Sprintf("order %d (%s): %d licenses", o.ID, o.StoreID, len(o.LicenseIDs))}
			if replayed {
				lines[0] += " (the same order was issued before: nothing new)"
			}
			for _, lid := range o.LicenseIDs {
				l, err := p.app.Catalog.License(ctx, p.company, lid)
				if err != nil {
					return err
				}
				lics = append(lics, l)
				key := "(user-based)"
				if l.License.LicenseKey != nil {
					key = *l.License.LicenseKey
				}
				lines = append(lines, fmt.Sprintf("license %d  %s  %s", l.License.ID, key, l.Product.ShortCode))
			}
			return r.print(p.json, mgmtapi.OrderObject(o, lics), lines...)
		})
}
