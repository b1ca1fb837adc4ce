package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/store"
)

// runBackup writes a consistent copy of the database while licensor serves.
func runBackup(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet("backup")
	s.dataFlag(fs)
	to := fs.String("to", "", "file to write the backup to; must not exist (required)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *to == "" {
		return usagef("--to FILE is required")
	}
	if s.databaseURL != "" {
		return errPostgresBackup
	}
	if _, err := s.appConfig(nil); err != nil {
		return err
	}
	db := app.DatabasePath(s.data)
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("%s: %w", s.data, app.ErrNotInitialized)
	}
	// The store alone: a backup needs neither the server secret nor the
	// signing key, and must not migrate the database it copies.
	st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{Synchronous: s.sqliteSync})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *to); err != nil {
		return err
	}
	fi, err := os.Stat(*to)
	if err != nil {
		return err
	}
	return r.print(*asJSON, map[string]any{"backup": *to, "bytes": fi.Size(), "secret_file": app.SecretPath(s.data)},
		fmt.Sprintf("backed up %s to %s (%d bytes, checked)", db, *to, fi.Size()),
		fmt.Sprintf("The backup's sealed values (signing key, API shared keys) open only with the server secret: keep a copy of %s", app.SecretPath(s.data)),
		"(or your LICENSOR_SECRET) with your backups; it never changes. Restore with: licensor restore --from "+*to+" --data DIR")
}

// runRestore puts a backup in place as a data directory's database.
func runRestore(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet("restore")
	s.dataFlag(fs)
	from := fs.String("from", "", "backup file written by `licensor backup` (required)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *from == "" {
		return usagef("--from FILE is required")
	}
	if s.databaseURL != "" {
		return errPostgresBackup
	}
	cfg, err := s.appConfig(slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	if err := app.Restore(ctx, cfg, *from); err != nil {
		return err
	}
	return r.print(*asJSON, map[string]any{"restored": app.DatabasePath(s.data), "from": *from},
		fmt.Sprintf("restored %s from %s", app.DatabasePath(s.data), *from),
		"Start the server with: licensor serve --data "+s.data)
}
