package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/licensor/licensor/internal/app"
)

func runInit(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet("init")
	s.dataFlag(fs)
	fs.IntVar(&s.keyBits, "key-bits", s.keyBits, "RSA key size of the response-signing key [LICENSOR_KEY_BITS]")
	name := fs.String("company-name", "Default company", "name of the company")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := s.appConfig(slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	companyID, cred, err := a.Service.Init(ctx, *name)
	if err != nil {
		return fmt.Errorf("%s: %w", s.data, err)
	}
	return r.print(*asJSON, map[string]any{
		"company_id":     companyID,
		"api_key":        cred.APIKey,
		"shared_key":     cred.SharedKey,
		"public_key_pem": a.Signer.PublicKeyPEM(),
	},
		fmt.Sprintf("initialized %s", s.data),
		fmt.Sprintf("company id:  %d", companyID),
		fmt.Sprintf("API key:     %s", cred.APIKey),
		fmt.Sprintf("shared key:  %s   (shown once; keep it secret)", cred.SharedKey),
		"public key (pin it in your applications' License API client):",
		a.Signer.PublicKeyPEM(),
	)
}

func runPublicKey(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet("public-key")
	s.dataFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	a, err := r.openExisting(ctx, s)
	if err != nil {
		return err
	}
	defer a.Close()
	if *asJSON {
		return r.print(true, map[string]any{"public_key_pem": a.Signer.PublicKeyPEM()})
	}
	_, err = fmt.Fprint(r.stdout, a.Signer.PublicKeyPEM())
	return err
}
