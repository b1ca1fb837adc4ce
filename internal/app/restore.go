package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/licensor/licensor/internal/seal"
	"github.com/licensor/licensor/internal/store"
)

// Restore puts a backup made by `licensor backup` in place as the data
// directory's database. It refuses a directory that already has one, and a
// server secret that cannot open the backup's signing key: the restored
// server must sign with the key every deployed application pins.
func Restore(ctx context.Context, cfg Config, from string) error {
	if cfg.DataDir == "" {
		return errors.New("a data directory is required")
	}
	if _, err := os.Stat(DatabasePath(cfg.DataDir)); err == nil {
		return fmt.Errorf("%s already exists: stop licensor and move it away before restoring", DatabasePath(cfg.DataDir))
	}
	if err := privateDir(cfg.DataDir, cfg.Log); err != nil {
		return err
	}
	secret, err := restoreSecret(cfg)
	if err != nil {
		return err
	}
	box, err := seal.New(secret)
	if err != nil {
		return err
	}
	// Check the backup where nobody serves it yet, then move it in.
	staging, err := os.MkdirTemp(cfg.DataDir, ".restore-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	staged := filepath.Join(staging, "licensor.db")
	if err := store.RestoreSQLite(ctx, from, staged); err != nil {
		return err
	}
	if err := checkSigningKey(ctx, cfg, staged, box); err != nil {
		return err
	}
	return store.RestoreSQLite(ctx, staged, DatabasePath(cfg.DataDir))
}

// restoreSecret is the secret the backup was made under: LICENSOR_SECRET or
// the data directory's secret.key. Restore never makes one.
func restoreSecret(cfg Config) ([]byte, error) {
	if cfg.Secret != "" {
		return seal.ParseSecret(cfg.Secret)
	}
	secret, err := seal.LoadSecretFile(SecretPath(cfg.DataDir))
	if errors.Is(err, seal.ErrNoSecretFile) {
		return nil, fmt.Errorf("%w: put the secret.key kept with your backups in %s, or set LICENSOR_SECRET", err, cfg.DataDir)
	}
	return secret, err
}

func checkSigningKey(ctx context.Context, cfg Config, path string, box *seal.Box) error {
	st, err := store.OpenSQLite(ctx, path, cfg.SQLite)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := st.Reader().ServerKey(ctx, signingKeyName)
	if errors.Is(err, store.ErrNotFound) {
		return nil // a backup of a database that never served: nothing sealed yet
	}
	if err != nil {
		return err
	}
	if _, err := box.Open(k.PrivateSealed, "server_key:"+k.Name); err != nil {
		return fmt.Errorf("this server secret does not open the backup's signing key: use the secret.key (or LICENSOR_SECRET) of the installation the backup came from")
	}
	return nil
}
