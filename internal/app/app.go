// Package app is licensor's composition root: it turns a Config into the
// running parts (server secret, database, signing key, password hasher,
// rules, HTTP handler) in one place, so that the CLI, the server and the
// tests are wired identically.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/ratelimit"
	"github.com/licensor/licensor/internal/seal"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// Config is everything licensor can be told. The CLI fills it from flags and
// LICENSOR_* environment variables.
type Config struct {
	DataDir string // SQLite database and server secret live here
	// DatabaseURL, when set, is a PostgreSQL database used instead of the
	// data directory's SQLite; nothing is kept in DataDir then.
	DatabaseURL string
	Postgres    store.PostgresOptions
	// Secret, when set, is the base64 server secret; otherwise it is read
	// from SecretFile, or from (or created in) DataDir/secret.key on
	// SQLite. Instances sharing one database must share the secret.
	Secret     string
	SecretFile string
	KeyBits    int // RSA key size when the signing key is first created
	// SignatureCache is how many response signatures to remember (0: the
	// default; negative: none).
	SignatureCache int
	// ResponseCacheBytes bounds the check response cache (0: the default;
	// negative: none).
	ResponseCacheBytes int
	// SQLite tunes the embedded database (durability, lock waits).
	SQLite store.SQLiteOptions

	Argon2   password.Params
	HashPool password.PoolConfig
	Throttle licensing.ThrottleConfig
	Trials   licensing.TrialLimit // zero: licensing.DefaultTrialLimit

	MaxSkew        time.Duration
	MaxBodyBytes   int64
	TrustedProxies []netip.Prefix
	// PublicURL is the URL clients reach the server at (behind a proxy);
	// empty: each request's own scheme and host.
	PublicURL string

	// RateLimits limit requests per address, company and credential, in
	// this instance's memory (zero rules: off).
	RateLimits licenseapi.RateLimits
	// ManagementRate limits each management key on /api/v1 (zero: the
	// default; a negative Limit: off).
	ManagementRate ratelimit.Rule
	// ManagementAddr moves /api/v1 to a listener of its own (the main one
	// then answers 404 there); ManagementOff turns the Management API off.
	ManagementAddr string
	ManagementOff  bool
	// MaxConnections caps open connections (0: DefaultMaxConnections, or
	// fewer where the open-file limit is lower).
	MaxConnections int
	// RequestTimeout bounds a request's wait for the database and the
	// hashing pool (0: licenseapi.DefaultRequestTimeout).
	RequestTimeout time.Duration
	// ReadTimeout bounds how long a client may take to send a whole
	// request (0: DefaultReadTimeout).
	ReadTimeout time.Duration

	// Existing makes Open fail instead of creating a data directory or
	// database that is not there yet (provisioning commands).
	Existing bool

	Log *slog.Logger
	Now func() time.Time // nil: time.Now
}

// DefaultMaxConnections is the cap on open connections unless the
// open-file limit is lower.
const DefaultMaxConnections = 4096

// reservedFiles are the open files kept for the database, logs and backups
// when the open-file limit sets the connection cap.
const reservedFiles = 128

// maxConnections is the connection cap: the configured one, or the default
// within the open-file limit, so that connections can never use up the
// descriptors the database and the listener need.
func maxConnections(configured int, log *slog.Logger) int {
	nofile := openFileLimit()
	fit := DefaultMaxConnections
	if nofile > 0 && nofile < uint64(DefaultMaxConnections+reservedFiles) {
		fit = max(int(nofile)-reservedFiles, 16)
	}
	if configured == 0 {
		return fit
	}
	if nofile > 0 && uint64(configured+reservedFiles) > nofile {
		log.Warn("--max-connections is above what the open-file limit leaves for connections; raise the limit (ulimit -n, LimitNOFILE=)",
			"max_connections", configured, "open_file_limit", nofile)
	}
	return configured
}

// DefaultReadTimeout is how long a client may take to send a request.
const DefaultReadTimeout = 15 * time.Second

// ErrNotInitialized is returned by Open with Existing set when the data
// directory holds no database.
var ErrNotInitialized = errors.New("no licensor database here: run `licensor init` first (or pass --data)")

// App holds the opened parts.
type App struct {
	cfg     Config
	Store   *store.Store
	Box     *seal.Box
	Signer  *signing.Signer
	Hasher  *password.Hasher
	Service *licensing.Service
	// Catalog holds the vendor operations of the CLI and the Management
	// API.
	Catalog *catalog.Catalog
}

// Open prepares the data directory (creating it, the server secret, the
// database schema and the signing key on first use) and builds the parts.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.DatabaseURL != "" {
		return openPostgres(ctx, cfg)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("a data directory is required")
	}
	if cfg.Existing {
		if _, err := os.Stat(DatabasePath(cfg.DataDir)); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.DataDir, ErrNotInitialized)
		}
	}
	if err := privateDir(cfg.DataDir, cfg.Log); err != nil {
		return nil, err
	}
	secret, err := serverSecret(cfg)
	if err != nil {
		return nil, err
	}
	box, err := seal.New(secret)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenSQLite(ctx, DatabasePath(cfg.DataDir), cfg.SQLite)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, cfg, st, box)
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// openPostgres is Open for a PostgreSQL database: the secret must be given
// (every instance needs the same one), and nothing touches the disk.
func openPostgres(ctx context.Context, cfg Config) (*App, error) {
	secret, err := serverSecret(cfg)
	if err != nil {
		return nil, err
	}
	box, err := seal.New(secret)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenPostgres(ctx, cfg.DatabaseURL, cfg.Postgres)
	if err != nil {
		return nil, err
	}
	if cfg.Existing {
		if ok, err := st.Initialized(ctx); err != nil || !ok {
			st.Close()
			return nil, errors.Join(fmt.Errorf("the PostgreSQL database: %w", ErrNotInitialized), err)
		}
	}
	a, err := build(ctx, cfg, st, box)
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, cfg Config, st *store.Store, box *seal.Box) (*App, error) {
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	signer, err := loadSigner(ctx, cfg, st, box)
	if err != nil {
		return nil, err
	}
	hasher, err := password.NewHasher(cfg.Argon2, cfg.HashPool)
	if err != nil {
		return nil, err
	}
	svc, err := licensing.New(st, hasher, box, licensing.Config{Throttle: cfg.Throttle, Trials: cfg.Trials}, cfg.Log, cfg.Now)
	if err != nil {
		return nil, err
	}
	return &App{cfg: cfg, Store: st, Box: box, Signer: signer, Hasher: hasher, Service: svc, Catalog: catalog.New(st, svc, cfg.Now)}, nil
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }

const signingKeyName = "response-signing"

// loadSigner loads the response-signing key from the database, creating it
// on first use. It lives in the database, not the data directory, so that
// every instance sharing the database signs with the same key.
func loadSigner(ctx context.Context, cfg Config, st *store.Store, box *seal.Box) (*signing.Signer, error) {
	k, err := st.Reader().ServerKey(ctx, signingKeyName)
	if errors.Is(err, store.ErrNotFound) {
		if err := createSigningKey(ctx, cfg, st, box); err != nil {
			return nil, err
		}
		k, err = st.Writer().ServerKey(ctx, signingKeyName)
	}
	if err != nil {
		return nil, err
	}
	der, err := box.Open(k.PrivateSealed, "server_key:"+k.Name)
	if err != nil {
		return nil, fmt.Errorf("open the response-signing key: %w (is this the server secret the database was created with?)", err)
	}
	key, err := signing.ParsePrivateKey(der)
	if err != nil {
		return nil, err
	}
	size := cfg.SignatureCache
	if size == 0 {
		size = signing.DefaultCacheSize
	}
	return signing.New(key, max(size, 0))
}

func createSigningKey(ctx context.Context, cfg Config, st *store.Store, box *seal.Box) error {
	bits := cfg.KeyBits
	if bits == 0 {
		bits = 2048
	}
	key, err := signing.GenerateKey(bits)
	if err != nil {
		return err
	}
	der, err := signing.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	pub, err := signing.PublicKeyPEM(&key.PublicKey)
	if err != nil {
		return err
	}
	created, err := st.Writer().InsertServerKeyIfAbsent(ctx, store.ServerKey{
		Name:          signingKeyName,
		Algorithm:     fmt.Sprintf("RSA-%d PKCS1v15 SHA-256", bits),
		PublicPEM:     pub,
		PrivateSealed: box.Seal(der, "server_key:"+signingKeyName),
		CreatedAt:     time.Now(),
	})
	if created {
		cfg.Log.Info("created response-signing key", "bits", bits)
	}
	return err
}
