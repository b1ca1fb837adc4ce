package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/auth"
	"github.com/licensor/licensor/internal/licenseapi"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/mgmtapi"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/ratelimit"
	"github.com/licensor/licensor/internal/signing"
	"github.com/licensor/licensor/internal/store"
)

// settings are the options shared by every command: each is a flag on
// serve, and every command also reads it from its LICENSOR_* variable.
type settings struct {
	data        string
	databaseURL hiddenString // may carry a password: never shown as a default
	dbMaxConns  int
	secret      string
	secretFile  string
	keyBits     int

	argonMemory, argonTime, argonThreads uint
	hashWorkers, hashQueue               int
	hashMaxWait                          time.Duration

	throttleUser, throttleIP int
	throttleWindow           time.Duration

	sqliteSync     string
	rateLimits     bool
	mgmtRate       string
	mgmtAddr       string
	mgmtOn         bool
	rateIP         string
	rateCompany    string
	rateCredential string
	trialLimit     string
	maxConnections int
	requestTimeout time.Duration
	readTimeout    time.Duration

	maxSkew        time.Duration
	maxBody        int64
	responseCache  int // MiB
	signatureCache int // entries
	trustedProxies string
	publicURL      string
	logFormat      string
	logLevel       string
}

// envDefaults reads the LICENSOR_* variables; flags then override them.
func envDefaults(env Env) (settings, error) {
	s := settings{
		data:           "./licensor-data",
		keyBits:        2048,
		argonMemory:    uint(password.DefaultParams.Memory),
		argonTime:      uint(password.DefaultParams.Time),
		argonThreads:   uint(password.DefaultParams.Threads),
		hashWorkers:    runtime.NumCPU(),
		hashQueue:      256,
		hashMaxWait:    10 * time.Second,
		throttleUser:   licensing.DefaultThrottle.PerUser,
		throttleIP:     licensing.DefaultThrottle.PerIP,
		throttleWindow: licensing.DefaultThrottle.Window,
		sqliteSync:     "full",
		rateLimits:     true,
		mgmtRate:       mgmtapi.DefaultRate.String(),
		mgmtOn:         true,
		rateIP:         licenseapi.DefaultRateLimits.PerIP.String(),
		rateCompany:    "off",
		rateCredential: "off",
		trialLimit:     "20/1h", // licensing.DefaultTrialLimit
		maxConnections: 0,       // app.DefaultMaxConnections within the open-file limit
		requestTimeout: licenseapi.DefaultRequestTimeout,
		readTimeout:    app.DefaultReadTimeout,
		maxSkew:        auth.DefaultMaxSkew,
		maxBody:        licenseapi.DefaultMaxBodyBytes,
		responseCache:  licenseapi.DefaultResponseCacheBytes >> 20,
		signatureCache: signing.DefaultCacheSize,
		logFormat:      "text",
		logLevel:       "info",
	}
	var errs []string
	str := func(name string, dst *string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	num := func(name string, set func(int64)) {
		if v := env(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Sprintf("%s=%q is not a non-negative integer", name, v))
				return
			}
			set(n)
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := env(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q is not a duration (e.g. 15m)", name, v))
				return
			}
			*dst = d
		}
	}
	boolean := func(name string, dst *bool) {
		if v := env(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q is not true or false", name, v))
				return
			}
			*dst = b
		}
	}
	str("LICENSOR_DATA", &s.data)
	str("LICENSOR_DATABASE_URL", (*string)(&s.databaseURL))
	num("LICENSOR_DATABASE_MAX_CONNS", func(n int64) { s.dbMaxConns = int(n) })
	str("LICENSOR_SECRET_FILE", &s.secretFile)
	str("LICENSOR_SQLITE_SYNCHRONOUS", &s.sqliteSync)
	boolean("LICENSOR_RATE_LIMITS", &s.rateLimits)
	str("LICENSOR_RATE_LIMIT_IP", &s.rateIP)
	str("LICENSOR_MANAGEMENT_RATE", &s.mgmtRate)
	str("LICENSOR_MANAGEMENT_ADDR", &s.mgmtAddr)
	boolean("LICENSOR_MANAGEMENT_API", &s.mgmtOn)
	str("LICENSOR_RATE_LIMIT_COMPANY", &s.rateCompany)
	str("LICENSOR_RATE_LIMIT_CREDENTIAL", &s.rateCredential)
	str("LICENSOR_TRIAL_LIMIT", &s.trialLimit)
	num("LICENSOR_MAX_CONNECTIONS", func(n int64) { s.maxConnections = int(n) })
	dur("LICENSOR_REQUEST_TIMEOUT", &s.requestTimeout)
	dur("LICENSOR_READ_TIMEOUT", &s.readTimeout)
	str("LICENSOR_SECRET", &s.secret)
	num("LICENSOR_KEY_BITS", func(n int64) { s.keyBits = int(n) })
	num("LICENSOR_ARGON2_MEMORY", func(n int64) { s.argonMemory = uint(n) })
	num("LICENSOR_ARGON2_TIME", func(n int64) { s.argonTime = uint(n) })
	num("LICENSOR_ARGON2_THREADS", func(n int64) { s.argonThreads = uint(n) })
	num("LICENSOR_HASH_WORKERS", func(n int64) { s.hashWorkers = int(n) })
	num("LICENSOR_HASH_QUEUE", func(n int64) { s.hashQueue = int(n) })
	dur("LICENSOR_HASH_MAX_WAIT", &s.hashMaxWait)
	num("LICENSOR_THROTTLE_USER", func(n int64) { s.throttleUser = int(n) })
	num("LICENSOR_THROTTLE_IP", func(n int64) { s.throttleIP = int(n) })
	dur("LICENSOR_THROTTLE_WINDOW", &s.throttleWindow)
	dur("LICENSOR_MAX_SKEW", &s.maxSkew)
	num("LICENSOR_MAX_BODY", func(n int64) { s.maxBody = n })
	num("LICENSOR_RESPONSE_CACHE_MB", func(n int64) { s.responseCache = int(n) })
	num("LICENSOR_SIGNATURE_CACHE", func(n int64) { s.signatureCache = int(n) })
	str("LICENSOR_TRUSTED_PROXIES", &s.trustedProxies)
	str("LICENSOR_PUBLIC_URL", &s.publicURL)
	str("LICENSOR_LOG_FORMAT", &s.logFormat)
	str("LICENSOR_LOG_LEVEL", &s.logLevel)
	if len(errs) > 0 {
		return s, usagef("%s", strings.Join(errs, "; "))
	}
	return s, nil
}

// dataFlag registers where the data is (--data, or --database-url and the
// secret), which every command takes.
func (s *settings) dataFlag(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", s.data, "data directory (SQLite database, server secret) [LICENSOR_DATA]")
	fs.Var(&s.databaseURL, "database-url",
		"PostgreSQL database to use instead of --data, as postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=verify-full; the server secret then comes from LICENSOR_SECRET or --secret-file [LICENSOR_DATABASE_URL]")
	fs.IntVar(&s.dbMaxConns, "database-max-conns", s.dbMaxConns,
		"PostgreSQL connections this process opens at most (0: 4 per CPU core, at least 8); across instances keep the sum under the server's max_connections [LICENSOR_DATABASE_MAX_CONNS]")
	fs.StringVar(&s.secretFile, "secret-file", s.secretFile, "file holding the base64 server secret (instead of DATA/secret.key or LICENSOR_SECRET) [LICENSOR_SECRET_FILE]")
	fs.StringVar(&s.sqliteSync, "sqlite-synchronous", s.sqliteSync,
		"full: every answered write is on disk (survives power loss); normal: about 30% more write throughput, but an OS crash can lose writes already answered [LICENSOR_SQLITE_SYNCHRONOUS]")
}

// serverFlags registers the tuning flags of serve.
func (s *settings) serverFlags(fs *flag.FlagSet) {
	fs.IntVar(&s.keyBits, "key-bits", s.keyBits, "RSA key size when the signing key is first created [LICENSOR_KEY_BITS]")
	fs.UintVar(&s.argonMemory, "argon2-memory", s.argonMemory, "Argon2id memory per hash, KiB [LICENSOR_ARGON2_MEMORY]")
	fs.UintVar(&s.argonTime, "argon2-time", s.argonTime, "Argon2id iterations [LICENSOR_ARGON2_TIME]")
	fs.UintVar(&s.argonThreads, "argon2-threads", s.argonThreads, "Argon2id lanes [LICENSOR_ARGON2_THREADS]")
	fs.IntVar(&s.hashWorkers, "hash-workers", s.hashWorkers, "password hashes run at once (default: CPU cores) [LICENSOR_HASH_WORKERS]")
	fs.IntVar(&s.hashQueue, "hash-queue", s.hashQueue, "requests that may wait for a hashing worker; more get 503 server_busy [LICENSOR_HASH_QUEUE]")
	fs.DurationVar(&s.hashMaxWait, "hash-max-wait", s.hashMaxWait, "longest wait for a hashing worker before 503 server_busy [LICENSOR_HASH_MAX_WAIT]")
	fs.IntVar(&s.throttleUser, "throttle-user", s.throttleUser, "failed password checks allowed per (company, username) in the window [LICENSOR_THROTTLE_USER]")
	fs.IntVar(&s.throttleIP, "throttle-ip", s.throttleIP, "failed password checks allowed per client IP in the window [LICENSOR_THROTTLE_IP]")
	fs.DurationVar(&s.throttleWindow, "throttle-window", s.throttleWindow, "throttle window [LICENSOR_THROTTLE_WINDOW]")
	fs.StringVar(&s.mgmtAddr, "management-addr", s.mgmtAddr, "serve the Management API (/api/v1) on this address of its own (an internal interface) instead of --addr [LICENSOR_MANAGEMENT_ADDR]")
	fs.BoolVar(&s.mgmtOn, "management-api", s.mgmtOn, "serve the Management API; false answers 404 under /api/v1 [LICENSOR_MANAGEMENT_API]")
	fs.StringVar(&s.mgmtRate, "management-rate", s.mgmtRate, "requests per management key on /api/v1, as N/WINDOW (200/2s: 100 a second, bursts of 200), or off [LICENSOR_MANAGEMENT_RATE]")
	fs.BoolVar(&s.rateLimits, "rate-limits", s.rateLimits, "request rate limits per address, company and credential; false turns them off (benchmarks, or limits at a proxy); the password throttle stays on [LICENSOR_RATE_LIMITS]")
	fs.StringVar(&s.rateIP, "rate-limit-ip", s.rateIP, "requests per client address, as LIMIT/WINDOW, or off [LICENSOR_RATE_LIMIT_IP]")
	fs.StringVar(&s.rateCompany, "rate-limit-company", s.rateCompany, "requests per company, as LIMIT/WINDOW (e.g. 6000/1m), or off [LICENSOR_RATE_LIMIT_COMPANY]")
	fs.StringVar(&s.rateCredential, "rate-limit-credential", s.rateCredential, "requests per API credential, as LIMIT/WINDOW, or off [LICENSOR_RATE_LIMIT_CREDENTIAL]")
	fs.StringVar(&s.trialLimit, "trial-limit", s.trialLimit, "new trials per client address and product, as LIMIT/WINDOW [LICENSOR_TRIAL_LIMIT]")
	fs.IntVar(&s.maxConnections, "max-connections", s.maxConnections, "open connections at most; beyond it the longest-idle one is closed, or the new one gets 503 (0: 4096, or fewer where the open-file limit is lower) [LICENSOR_MAX_CONNECTIONS]")
	fs.DurationVar(&s.requestTimeout, "request-timeout", s.requestTimeout, "longest a request may wait for the database and the hashing pool before 503 server_busy [LICENSOR_REQUEST_TIMEOUT]")
	fs.DurationVar(&s.readTimeout, "read-timeout", s.readTimeout, "longest a client may take to send a request, body included, before 408 [LICENSOR_READ_TIMEOUT]")
	fs.DurationVar(&s.maxSkew, "max-skew", s.maxSkew, "allowed difference between the Date header and server time [LICENSOR_MAX_SKEW]")
	fs.Int64Var(&s.maxBody, "max-body", s.maxBody, "request body limit in bytes [LICENSOR_MAX_BODY]")
	fs.IntVar(&s.responseCache, "response-cache-mb", s.responseCache, "memory for cached check responses, MiB; 0 turns the cache off [LICENSOR_RESPONSE_CACHE_MB]")
	fs.IntVar(&s.signatureCache, "signature-cache", s.signatureCache, "response signatures remembered; 0 turns the cache off [LICENSOR_SIGNATURE_CACHE]")
	fs.StringVar(&s.trustedProxies, "trusted-proxies", s.trustedProxies, "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted [LICENSOR_TRUSTED_PROXIES]")
	fs.StringVar(&s.publicURL, "public-url", s.publicURL, "the URL clients reach licensor at, e.g. https://licenses.example.com (default: each request's scheme and host) [LICENSOR_PUBLIC_URL]")
	fs.StringVar(&s.logFormat, "log-format", s.logFormat, "text or json [LICENSOR_LOG_FORMAT]")
	fs.StringVar(&s.logLevel, "log-level", s.logLevel, "debug, info, warn or error [LICENSOR_LOG_LEVEL]")
}

// appConfig validates the settings and turns them into an app.Config.
func (s *settings) appConfig(log *slog.Logger) (app.Config, error) {
	if s.argonThreads < 1 || s.argonThreads > 255 {
		return app.Config{}, usagef("argon2 threads must be between 1 and 255")
	}
	if s.hashWorkers < 1 {
		return app.Config{}, usagef("hash workers must be at least 1")
	}
	if s.maxSkew <= 0 || s.maxBody <= 0 || s.hashMaxWait <= 0 {
		return app.Config{}, usagef("max skew, max body and hash max wait must be positive")
	}
	if s.responseCache < 0 || s.signatureCache < 0 {
		return app.Config{}, usagef("cache sizes cannot be negative")
	}
	limits, trials, err := s.limits()
	if err != nil {
		return app.Config{}, err
	}
	mgmtRate, err := ratelimit.ParseRule(s.mgmtRate)
	if err != nil {
		return app.Config{}, usagef("--management-rate: %v", err)
	}
	if !mgmtRate.Enabled() || !s.rateLimits {
		mgmtRate = ratelimit.Rule{Limit: -1} // off
	}
	if m := strings.ToLower(s.sqliteSync); m != "full" && m != "normal" {
		return app.Config{}, usagef("--sqlite-synchronous %q: use full or normal", s.sqliteSync)
	}
	if s.requestTimeout <= 0 || s.readTimeout <= 0 {
		return app.Config{}, usagef("request timeout and read timeout must be positive")
	}
	if s.maxConnections < 0 {
		return app.Config{}, usagef("max connections cannot be negative (0: the default)")
	}
	var proxies []netip.Prefix
	for _, p := range strings.Split(s.trustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return app.Config{}, usagef("trusted proxy %q is not a CIDR such as 10.0.0.0/8", p)
		}
		proxies = append(proxies, pfx)
	}
	if s.publicURL != "" {
		u, err := url.Parse(s.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return app.Config{}, usagef("--public-url %q: want scheme and host only, such as https://licenses.example.com", s.publicURL)
		}
	}
	return app.Config{
		PublicURL:      strings.TrimSuffix(s.publicURL, "/"),
		DataDir:        s.data,
		DatabaseURL:    string(s.databaseURL),
		Postgres:       store.PostgresOptions{MaxConns: s.dbMaxConns},
		Secret:         s.secret,
		SecretFile:     s.secretFile,
		KeyBits:        s.keyBits,
		SQLite:         store.SQLiteOptions{Synchronous: s.sqliteSync},
		RateLimits:     limits,
		ManagementRate: mgmtRate,
		ManagementAddr: s.mgmtAddr,
		ManagementOff:  !s.mgmtOn,
		Trials:         trials,
		MaxConnections: s.maxConnections,
		RequestTimeout: s.requestTimeout,
		ReadTimeout:    s.readTimeout,
		Argon2: password.Params{
			Memory: uint32(s.argonMemory), Time: uint32(s.argonTime), Threads: uint8(s.argonThreads),
			SaltLen: password.DefaultParams.SaltLen, KeyLen: password.DefaultParams.KeyLen,
		},
		HashPool:     password.PoolConfig{Workers: s.hashWorkers, Queue: s.hashQueue, MaxWait: s.hashMaxWait},
		Throttle:     licensing.ThrottleConfig{PerUser: s.throttleUser, PerIP: s.throttleIP, Window: s.throttleWindow},
		MaxSkew:      s.maxSkew,
		MaxBodyBytes: s.maxBody,
		// In app.Config 0 means the default and negative means off.
		ResponseCacheBytes: orOff(s.responseCache << 20),
		SignatureCache:     orOff(s.signatureCache),
		TrustedProxies:     proxies,
		Log:                log,
	}, nil
}

// limits parses the rate limits and the trial limit.
func (s *settings) limits() (licenseapi.RateLimits, licensing.TrialLimit, error) {
	var rl licenseapi.RateLimits
	for _, r := range []struct {
		flag, value string
		dst         *ratelimit.Rule
	}{{"rate-limit-ip", s.rateIP, &rl.PerIP}, {"rate-limit-company", s.rateCompany, &rl.PerCompany}, {"rate-limit-credential", s.rateCredential, &rl.PerCredential}} {
		rule, err := ratelimit.ParseRule(r.value)
		if err != nil {
			return rl, licensing.TrialLimit{}, usagef("--%s: %v", r.flag, err)
		}
		if s.rateLimits {
			*r.dst = rule
		}
	}
	trial, err := ratelimit.ParseRule(s.trialLimit)
	if err != nil || !trial.Enabled() {
		return rl, licensing.TrialLimit{}, usagef("--trial-limit %q: want LIMIT/WINDOW such as 20/1h", s.trialLimit)
	}
	return rl, licensing.TrialLimit{PerIP: trial.Limit, Window: trial.Window}, nil
}

// logger builds the server log from the settings, writing through a
// buffer that is flushed every 100 ms; close the returned io.Closer last.
func (s *settings) logger(r *runner) (*slog.Logger, io.Closer, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.logLevel)); err != nil {
		return nil, nil, usagef("log level %q: use debug, info, warn or error", s.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if s.logFormat != "text" && s.logFormat != "json" {
		return nil, nil, usagef("log format %q: use text or json", s.logFormat)
	}
	sink := newLogSink(r.stderr, 100*time.Millisecond)
	if s.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(sink, opts)), sink, nil
	}
	return slog.New(slog.NewTextHandler(sink, opts)), sink, nil
}

// openExisting builds the app for a provisioning command on an initialized
// data directory; it never creates one. Only warnings reach stderr.
func (r *runner) openExisting(ctx context.Context, s settings) (*app.App, error) {
	cfg, err := s.appConfig(slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return nil, err
	}
	cfg.Existing = true
	return app.Open(ctx, cfg)
}

// orOff maps a size where 0 means off to app.Config's convention, where 0
// means the default and a negative size means off.
func orOff(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
