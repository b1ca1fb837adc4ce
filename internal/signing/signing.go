// Package signing produces the two response signatures License API v4 clients
// verify (license-api.md §3): the v2 LicenseSignature header over the exact
// response bytes, and the v1 license_signature field over
// lower(hardware_id#identity#validity). Both are RSA PKCS#1 v1.5 with SHA-256.
package signing

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MinKeyBits is the smallest RSA key licensor accepts; 2048 is the default.
const MinKeyBits = 2048

// Signer signs response bytes with the server's RSA private key. It is safe
// for concurrent use.
type Signer struct {
	key       *rsa.PrivateKey
	publicPEM string
	cache     *sigCache
}

// DefaultCacheSize is how many signatures a Signer remembers by default
// (about 450 bytes each).
const DefaultCacheSize = 1 << 16

// GenerateKey returns a new RSA key of the given size.
func GenerateKey(bits int) (*rsa.PrivateKey, error) {
	if bits < MinKeyBits || bits > 8192 {
		return nil, fmt.Errorf("RSA key size must be between %d and 8192 bits, got %d", MinKeyBits, bits)
	}
	return rsa.GenerateKey(rand.Reader, bits)
}

// New returns a Signer for key that remembers up to cacheSize signatures
// (0 disables the cache).
func New(key *rsa.PrivateKey, cacheSize int) (*Signer, error) {
	pub, err := PublicKeyPEM(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	key.Precompute()
	return &Signer{key: key, publicPEM: pub, cache: newSigCache(cacheSize)}, nil
}

// PublicKeyPEM returns the SPKI "BEGIN PUBLIC KEY" PEM the SDKs are
// configured with (Node: publicKey; Python: SignatureVerifier.PUBLIC_KEY).
func (s *Signer) PublicKeyPEM() string { return s.publicPEM }

// Sign returns base64(RSA-PKCS1v15-SHA256(data)). PKCS#1 v1.5 signatures
// are deterministic, so a remembered signature of the same bytes is the
// signature a fresh computation would give.
func (s *Signer) Sign(data []byte) (string, error) {
	sum := digest(data)
	if sig, ok := s.cache.get(sum); ok {
		return sig, nil
	}
	raw, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign response: %w", err)
	}
	sig := base64.StdEncoding.EncodeToString(raw)
	s.cache.put(sum, sig)
	return sig, nil
}

// CacheStats reports the signature cache's size, hits and misses.
func (s *Signer) CacheStats() (size int, hits, misses uint64) {
	if s.cache.disabled {
		return 0, 0, 0
	}
	s.cache.mu.Lock()
	hits, misses = s.cache.hits, s.cache.misses
	s.cache.mu.Unlock()
	return s.cache.len(), hits, misses
}

// LicenseSignatureV1 signs lower(hardwareID + "#" + identity + "#" + validity)
// as license-api.md §3.1 describes. identity is the username (up to the first
// "|") or the license key; validity is nil for licenses without an expiry.
func (s *Signer) LicenseSignatureV1(hardwareID, identity string, validity *time.Time) (string, error) {
	if i := strings.IndexByte(identity, '|'); i >= 0 {
		identity = identity[:i]
	}
	v := ""
	if validity != nil {
		v = FormatTime(*validity)
	}
	return s.Sign([]byte(strings.ToLower(hardwareID + "#" + identity + "#" + v)))
}

// FormatTime renders t as JavaScript's Date.toISOString does
// (YYYY-MM-DDTHH:mm:ss.sssZ), the only form whose v1 signature verifies in
// every SDK and time zone.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// PublicKeyPEM encodes pub as an SPKI PEM block.
func PublicKeyPEM(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// MarshalPrivateKey encodes key as PKCS#8 DER, the form stored (sealed) in
// the database.
func MarshalPrivateKey(key *rsa.PrivateKey) ([]byte, error) {
	return x509.MarshalPKCS8PrivateKey(key)
}

// ParsePrivateKey decodes PKCS#8 DER produced by MarshalPrivateKey.
func ParsePrivateKey(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("parse signing key: not an RSA key")
	}
	return rk, nil
}
