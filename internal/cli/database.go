package cli

import "github.com/licensor/licensor/internal/store"

// hiddenString is a flag value whose default is never printed by -h: a
// database URL from the environment usually carries a password.
type hiddenString string

func (h *hiddenString) String() string { return "" }

func (h *hiddenString) Set(v string) error { *h = hiddenString(v); return nil }

// where names the database for messages: the data directory, or the
// PostgreSQL database without its credentials.
func (s *settings) where() string {
	if s.databaseURL == "" {
		return s.data
	}
	return store.DescribeURL(string(s.databaseURL))
}

// errPostgresBackup refuses the SQLite-only backup commands on PostgreSQL.
var errPostgresBackup = usageError{"with --database-url, back up and restore with PostgreSQL's own tools (pg_dump, pg_basebackup and WAL archiving); see the README's deployment section"}
