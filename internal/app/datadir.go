package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/licensor/licensor/internal/seal"
)

// DatabasePath is where the SQLite database lives in a data directory.
func DatabasePath(dataDir string) string { return filepath.Join(dataDir, "licensor.db") }

// SecretPath is where the server secret lives in a data directory.
func SecretPath(dataDir string) string { return filepath.Join(dataDir, "secret.key") }

// serverSecret returns the secret that seals the database's secrets: the
// configured one, or the data directory's secret.key. A new secret is made
// only for a data directory without a database: next to an existing
// database it could open none of the sealed values (the signing key, API
// shared keys), so a missing secret.key is an error to fix, not to paper
// over.
func serverSecret(cfg Config) ([]byte, error) {
	if cfg.Secret != "" {
		return seal.ParseSecret(cfg.Secret)
	}
	if cfg.SecretFile != "" {
		return seal.LoadSecretFile(cfg.SecretFile)
	}
	if cfg.DatabaseURL != "" {
		return nil, errors.New("with a database URL the server secret comes from LICENSOR_SECRET or --secret-file " +
			"(every instance needs the same one; make one with `licensor secret new`)")
	}
	path := SecretPath(cfg.DataDir)
	secret, err := seal.LoadSecretFile(path)
	if !errors.Is(err, seal.ErrNoSecretFile) {
		return secret, err
	}
	if _, serr := os.Stat(DatabasePath(cfg.DataDir)); serr == nil {
		return nil, fmt.Errorf("%s is missing, but %s exists and needs the secret it was created with: "+
			"restore secret.key from your backup, or set LICENSOR_SECRET (a new secret cannot open the signing key or the API shared keys)",
			path, DatabasePath(cfg.DataDir))
	}
	secret, created, err := seal.LoadOrCreateSecretFile(path)
	if created {
		cfg.Log.Info("created server secret", "path", path)
	}
	return secret, err
}

// privateDir creates the data directory, or tightens an existing one, to
// mode 0700: it holds the database and the server secret.
func privateDir(dir string, log *slog.Logger) error {
	_, statErr := os.Stat(dir)
	existed := statErr == nil
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		// MkdirAll's mode is cut by the umask, and an existing directory
		// keeps whatever mode it had.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict data directory %s to 0700: %w", dir, err)
		}
		if existed {
			log.Info("restricted the data directory to its owner", "path", dir, "was", fmt.Sprintf("%04o", perm))
		}
	}
	return nil
}
