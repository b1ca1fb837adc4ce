package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"

	"github.com/licensor/licensor/internal/seal"
)

// runSecretNew makes a server secret for deployments that keep it outside a
// data directory (PostgreSQL): every instance is given the same one.
func runSecretNew(_ context.Context, r *runner, args []string) error {
	fs := r.newFlagSet("secret new")
	out := fs.String("out", "", "write the secret to this new file (mode 0600) instead of standard output")
	asJSON := fs.Bool("json", false, "print one JSON object (with --out: the file written, never the secret)")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *out == "" {
		secret := make([]byte, seal.KeySize)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		enc := base64.StdEncoding.EncodeToString(secret)
		return r.print(*asJSON, map[string]any{"secret": enc}, enc)
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("--out %s already exists: a new secret cannot open what the old one sealed", *out)
	}
	if _, created, err := seal.LoadOrCreateSecretFile(*out); err != nil {
		return err
	} else if !created {
		return fmt.Errorf("--out %s appeared meanwhile; left it as it is", *out)
	}
	return r.print(*asJSON, map[string]any{"secret_file": *out},
		fmt.Sprintf("wrote a new server secret to %s (mode 0600)", *out),
		"Give every instance the same file (--secret-file) or its contents (LICENSOR_SECRET), and keep a copy with your database backups.")
}
