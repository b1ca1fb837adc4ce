package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Management keys (management-api.md §2.1): "<prefix>.<secret>", an
// 8-character prefix kept in clear and a 32-character secret kept as
// SHA-256. They are made only with the CLI, so a leaked key cannot mint
// more.

const (
	keyAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	prefixLen    = 8
	secretLen    = 32
	maxLabelSize = 255
)

// NewManagementKey is a created key; Key is shown once.
type NewManagementKey struct {
	store.ManagementKey
	Key string
}

// Principal is a management key that authenticated a request.
type Principal struct {
	KeyID, CompanyID int64
	Prefix, Label    string
	ReadOnly         bool
}

func randomText(n int) string {
	b := make([]byte, n)
	for i := range b {
		// rand.Text's alphabet is base32; the key alphabet is the one
		// the spec shows, so draw from it without bias.
		for {
			var x [1]byte
			_, _ = rand.Read(x[:])
			if int(x[0]) < 256-256%len(keyAlphabet) {
				b[i] = keyAlphabet[int(x[0])%len(keyAlphabet)]
				break
			}
		}
	}
	return string(b)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateManagementKey makes a key for the company (`licensor
// management-key create`).
func (c *Catalog) CreateManagementKey(ctx context.Context, a Actor, label string, readOnly bool) (*NewManagementKey, error) {
	if len(label) > maxLabelSize || !store.StorableText(label) {
		return nil, problem.New(problem.CodeValidationError, "label: at most 255 characters of text")
	}
	for {
		prefix, secret := randomText(prefixLen), randomText(secretLen)
		k := store.ManagementKey{CompanyID: a.CompanyID, Prefix: prefix, SecretHash: hashSecret(secret), Label: label,
			ReadOnly: readOnly, CreatedAt: c.now().UTC().Truncate(time.Millisecond)}
		err := c.store.WithTx(ctx, func(q *store.Queries) error {
			id, err := q.CreateManagementKey(ctx, k)
			if err != nil {
				return err
			}
			k.ID = id
			return c.audit(ctx, q, a, "management_key.created", "management_key", id, map[string]any{"prefix": prefix, "read_only": readOnly})
		})
		if errors.Is(err, store.ErrConflict) {
			continue // a prefix drawn twice: draw again
		}
		if err != nil {
			return nil, err
		}
		return &NewManagementKey{ManagementKey: k, Key: prefix + "." + secret}, nil
	}
}

// ManagementKeys lists the company's keys (never a secret).
func (c *Catalog) ManagementKeys(ctx context.Context, companyID int64) ([]store.ManagementKey, error) {
	return c.store.Reader().ManagementKeys(ctx, companyID)
}

// RevokeManagementKey revokes the key with prefix (or given whole).
func (c *Catalog) RevokeManagementKey(ctx context.Context, a Actor, prefixOrKey string) error {
	prefix, _, _ := strings.Cut(prefixOrKey, ".")
	return c.store.WithTx(ctx, func(q *store.Queries) error {
		k, err := q.LiveManagementKey(ctx, prefix)
		if errors.Is(err, store.ErrNotFound) || err == nil && k.CompanyID != a.CompanyID {
			return problem.Newf(problem.CodeNotFound, "no live management key with prefix %q", prefix)
		}
		if err != nil {
			return err
		}
		if err := q.RevokeManagementKey(ctx, a.CompanyID, prefix, c.now()); err != nil {
			return err
		}
		return c.audit(ctx, q, a, "management_key.revoked", "management_key", k.ID, map[string]any{"prefix": prefix})
	})
}

// ErrBadKey is every reason a presented key does not authenticate: the
// caller answers them all alike, so that the answer does not tell whether
// a prefix exists.
var ErrBadKey = errors.New("catalog: not a live management key")

// Authenticate checks a presented key and records its use (at most once a
// minute).
func (c *Catalog) Authenticate(ctx context.Context, key string) (*Principal, error) {
	prefix, secret, ok := strings.Cut(key, ".")
	if !ok || len(prefix) != prefixLen || len(secret) != secretLen || !validKeyText(prefix) || !validKeyText(secret) {
		return nil, ErrBadKey
	}
	k, err := c.store.Reader().LiveManagementKey(ctx, prefix)
	if errors.Is(err, store.ErrNotFound) {
		// Hash anyway, so an unknown prefix costs what a known one does.
		_ = subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(hashSecret(prefix)))
		return nil, ErrBadKey
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(k.SecretHash)) != 1 {
		return nil, ErrBadKey
	}
	if k.LastUsedAt == nil || c.now().Sub(*k.LastUsedAt) >= time.Minute {
		if err := c.store.Writer().TouchManagementKey(ctx, k.ID, c.now()); err != nil {
			return nil, err
		}
	}
	return &Principal{KeyID: k.ID, CompanyID: k.CompanyID, Prefix: k.Prefix, Label: k.Label, ReadOnly: k.ReadOnly}, nil
}

func validKeyText(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(keyAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
