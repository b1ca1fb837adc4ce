package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/licensor/licensor/internal/licensing"
)

func runUserCreate(ctx context.Context, r *runner, args []string) error {
	var spec licensing.UserSpec
	return r.provision(ctx, "user create", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.Int64Var(&spec.LicenseID, "license", 0, "id of a user-based license (required)")
			fs.StringVar(&spec.Email, "email", "", "the user's email, their username (required)")
			fs.StringVar(&spec.Password, "password", "", "password (default: a generated initial password)")
			fs.StringVar(&spec.FirstName, "first-name", "", "")
			fs.StringVar(&spec.LastName, "last-name", "", "")
			fs.StringVar(&spec.Phone, "phone", "", "")
			fs.Int64Var(&spec.MaxActivations, "max-activations", 0, "the user's activations on the license (0: unlimited)")
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

func runUserAttach(ctx context.Context, r *runner, args []string) error {
	var licenseID, maxActivations int64
	var email string
	return r.provision(ctx, "user attach", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.Int64Var(&licenseID, "license", 0, "id of a user-based license (required)")
			fs.StringVar(&email, "email", "", "the license user's email (required)")
			fs.Int64Var(&maxActivations, "max-activations", 0, "the user's activations on the license (0: unlimited)")
		},
		func(p provisioning) error {
			if licenseID <= 0 || email == "" {
				return usagef("--license and --email are required")
			}
			if err := p.app.Service.AttachLicenseUser(ctx, p.company, licenseID, email, maxActivations); err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"license_id": licenseID, "email": email},
				fmt.Sprintf("%s is on license %d", email, licenseID))
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
