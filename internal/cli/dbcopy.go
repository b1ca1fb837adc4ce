package cli

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/store"
)

// runDBCopy moves an embedded install to PostgreSQL (store.CopyTo).
func runDBCopy(ctx context.Context, r *runner, args []string) error {
	s, err := envDefaults(r.env)
	if err != nil {
		return err
	}
	fs := r.newFlagSet("db copy")
	from := fs.String("from", "", "data directory of the SQLite install to copy (required; stop its server first)")
	var to hiddenString
	fs.Var(&to, "to", "the empty PostgreSQL database to copy into, as postgres://USER:PASSWORD@HOST:PORT/DATABASE (required)")
	fs.StringVar(&s.secretFile, "secret-file", s.secretFile, "the install's server secret, if it is not DATA_DIR/secret.key nor LICENSOR_SECRET [LICENSOR_SECRET_FILE]")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *from == "" || to == "" {
		return usagef("--from DATA_DIR and --to postgres://... are both required")
	}
	if s.secret == "" && s.secretFile == "" {
		// The secret travels with the data: tell the target to use the
		// very file the source uses.
		s.secretFile = app.SecretPath(*from)
	}
	s.data, s.databaseURL = *from, ""
	warn := slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := s.appConfig(warn)
	if err != nil {
		return err
	}
	cfg.Existing = true
	// Opening the source through app checks that the secret opens its
	// signing key: a copy with a secret that cannot would be useless.
	src, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.OpenPostgres(ctx, string(to), cfg.Postgres)
	if err != nil {
		return err
	}
	defer dst.Close()
	counts, err := src.Store.CopyTo(ctx, dst)
	if err != nil {
		return fmt.Errorf("copy to %s: %w", store.DescribeURL(string(to)), err)
	}
	// Serve the copy once, as an instance would, to prove it opens.
	cfg.DatabaseURL = string(to)
	check, err := app.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	check.Close()

	var total int64
	tables := make([]string, 0, len(counts))
	for t, n := range counts {
		tables = append(tables, t)
		total += n
	}
	sort.Strings(tables)
	secretHint := "LICENSOR_SECRET (the same value this install uses)"
	if s.secret == "" {
		secretHint = "--secret-file " + s.secretFile + " (or LICENSOR_SECRET=<its contents>)"
	}
	text := []string{fmt.Sprintf("copied %d rows from %s to %s:", total, *from, store.DescribeURL(string(to)))}
	for _, t := range tables {
		text = append(text, fmt.Sprintf("  %-24s %d", t, counts[t]))
	}
	text = append(text,
		"Every instance must use the same server secret: "+secretHint+".",
		"Serve from PostgreSQL with: licensor serve --database-url URL "+secretHintFlag(s.secretFile),
		"The signing key, API credentials and license users' passwords moved unchanged; "+*from+" is no longer updated.")
	return r.print(*asJSON, map[string]any{"rows": counts, "total": total, "secret_file": s.secretFile}, text...)
}

func secretHintFlag(file string) string {
	if file == "" {
		return "(with LICENSOR_SECRET set)"
	}
	return "--secret-file " + file
}
