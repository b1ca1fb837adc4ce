package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/signing"
)

// runOfflineActivate answers an offline activation request file a vendor
// received (by e-mail, from a customer's air-gapped machine) without the
// HTTP API: the same checks and the same answer as activate_offline.
func runOfflineActivate(ctx context.Context, r *runner, args []string) error {
	var request, out string
	return r.provision(ctx, "offline activate", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&request, "request", "", "the request file the application wrote (required)")
			fs.StringVar(&out, "out", "", "write the answer file here (a new file; required)")
		},
		func(p provisioning) error {
			if request == "" || out == "" {
				return usagef("--request FILE and --out FILE are required")
			}
			body, err := os.ReadFile(request)
			if err != nil {
				return err
			}
			req, signer, err := licenseapi.ReadOfflineFile(ctx, p.app.Service, body, "activation")
			if err != nil {
				return err
			}
			act, err := p.app.Service.ActivateOffline(ctx, licensing.SignerCaller(signer), req)
			if err != nil {
				return err
			}
			answer, err := licenseapi.OfflineAnswer(p.app.Signer, act)
			if err != nil {
				return err
			}
			text, err := signing.MarshalJSON(answer)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			_, werr := f.WriteString(base64.StdEncoding.EncodeToString(text))
			if err := errors.Join(werr, f.Close()); err != nil {
				os.Remove(out)
				return fmt.Errorf("--out: %w", err)
			}
			return r.print(p.json, map[string]any{"answer": out, "license_id": act.View.License.ID, "hardware_id": act.Identity.HardwareID},
				fmt.Sprintf("activated license %d on %s; answer written to %s (send it back to the application)", act.View.License.ID, act.Identity.HardwareID, out))
		})
}

// runOfflineDeactivate applies an offline deactivation request file.
func runOfflineDeactivate(ctx context.Context, r *runner, args []string) error {
	var request string
	return r.provision(ctx, "offline deactivate", args, "", 0,
		func(fs *flag.FlagSet) {
			fs.StringVar(&request, "request", "", "the deactivation request file the application wrote (required)")
		},
		func(p provisioning) error {
			if request == "" {
				return usagef("--request FILE is required")
			}
			body, err := os.ReadFile(request)
			if err != nil {
				return err
			}
			req, signer, err := licenseapi.ReadOfflineFile(ctx, p.app.Service, body, "deactivation")
			if err != nil {
				return err
			}
			if err := p.app.Service.DeactivateOffline(ctx, licensing.SignerCaller(signer), req); err != nil {
				return err
			}
			return r.print(p.json, map[string]any{"deactivated": true, "hardware_id": req.HardwareID}, "deactivated "+req.HardwareID)
		})
}
