package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to dest while it is in
// use: VACUUM INTO reads one snapshot, committed WAL frames included, and
// does not stop writers. A copy of the database file alone is not a backup
// in WAL mode: it misses every write still in the -wal file. dest must not
// exist; it is written beside itself first and renamed into place, so it
// is never seen half-written, and it is readable by the owner only.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.dialect != SQLite {
		return fmt.Errorf("backup: %s databases are backed up with their own tools", s.dialect)
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	tmp, err := privateTemp(filepath.Dir(dest), ".licensor-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	// A connection of its own: the read pool is query-only and the writer
	// must stay free for requests while the copy runs.
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkFile(ctx, tmp); err != nil {
		return fmt.Errorf("backup: the copy does not check: %w", err)
	}
	return install(tmp, dest)
}

// RestoreSQLite copies a backup made by Backup to path, which must not
// exist, after checking the backup's integrity.
func RestoreSQLite(ctx context.Context, from, path string) error {
	if err := checkFile(ctx, from); err != nil {
		return fmt.Errorf("restore: %s: %w", from, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("restore: %s already exists: move it away first", path)
	}
	tmp, err := privateTemp(filepath.Dir(path), ".licensor-restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return install(tmp, path)
}

// CheckIntegrity runs SQLite's integrity check on the open database.
func (s *Store) CheckIntegrity(ctx context.Context) error {
	return integrity(ctx, s.read)
}

func checkFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	return integrity(ctx, db)
}

func integrity(ctx context.Context, db *sql.DB) error {
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// privateTemp creates an empty file, mode 0600, in dir and returns its name.
func privateTemp(dir, pattern string) (string, error) {
	f, err := os.CreateTemp(dir, pattern) // CreateTemp uses 0600
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}

// install moves a finished temporary file to dest without replacing
// anything that appeared there meanwhile, and syncs the directory.
func install(tmp, dest string) error {
	f, err := os.Open(tmp)
	if err == nil {
		err = errors.Join(f.Sync(), f.Close())
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, dest); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists", dest)
		}
		return err
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
