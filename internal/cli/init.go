package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

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
	out := fs.String("out", "", "also write the JSON object to this new file (mode 0600); refuses an existing file before changing anything")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := s.appConfig(slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	// Claim the output file first: `init --json > init.json` run twice
	// would let the shell empty the only copy of the credential before
	// init refuses the second run.
	var outFile *os.File
	if *out != "" {
		if outFile, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return fmt.Errorf("--out: %w (it keeps a credential: choose a new file)", err)
		}
		defer outFile.Close()
	}
	written := false
	defer func() {
		if outFile != nil && !written {
			os.Remove(*out)
		}
	}()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	companyID, cred, err := a.Service.Init(ctx, *name)
	if err != nil {
		return fmt.Errorf("%s: %w", s.where(), err)
	}
	result := map[string]any{
		"company_id":     companyID,
		"api_key":        cred.APIKey,
		"shared_key":     cred.SharedKey,
		"public_key_pem": a.Signer.PublicKeyPEM(),
	}
	if outFile != nil {
		if err := json.NewEncoder(outFile).Encode(result); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := errors.Join(outFile.Sync(), outFile.Close()); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		outFile, written = nil, true
	}
	return r.print(*asJSON, result,
		fmt.Sprintf("initialized %s", s.where()),
		fmt.Sprintf("company id:  %d", companyID),
		fmt.Sprintf("API key:     %s", cred.APIKey),
		fmt.Sprintf("shared key:  %s   (shown once; keep it secret)", cred.SharedKey),
		"public key (pin it in your applications' License API client):",
		a.Signer.PublicKeyPEM(),
		"Lost the shared key? `licensor credential create` issues another credential; `licensor credential revoke API_KEY` retires one.",
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
