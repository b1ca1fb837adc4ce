// Package seal encrypts the few secrets licensor must be able to read back —
// API shared keys (needed to recompute request HMACs), the response-signing
// private key and license users' initial passwords (shown to the vendor until
// changed) — with a server secret that never enters the database. A stolen
// database file alone therefore reveals none of them.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length in bytes of a server secret.
const KeySize = 32

// version prefixes every sealed value so the format can change later.
const version = "v1:"

// ErrOpen is returned when a sealed value cannot be decrypted: wrong server
// secret, wrong associated data, or tampering.
var ErrOpen = errors.New("seal: cannot open sealed value (wrong server secret or corrupted data)")

// Box seals and opens values with one server secret. It is safe for
// concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box keyed by secret, which must be KeySize bytes.
func New(secret []byte) (*Box, error) {
	if len(secret) != KeySize {
		return nil, fmt.Errorf("seal: server secret must be %d bytes, got %d", KeySize, len(secret))
	}
	// Derive the AEAD key rather than using the secret directly, so the same
	// secret can key other purposes later without reuse.
	k := sha256.Sum256(append([]byte("licensor seal v1\x00"), secret...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext. aad binds the ciphertext to its owner (for
// example "api_credential:<api key>") so that a value copied to another row
// does not open.
func (b *Box) Seal(plaintext []byte, aad string) string {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("seal: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	out := b.aead.Seal(nonce, nonce, plaintext, []byte(aad))
	return version + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts a value produced by Seal with the same aad.
func (b *Box) Open(sealed, aad string) ([]byte, error) {
	raw, ok := strings.CutPrefix(sealed, version)
	if !ok {
		return nil, ErrOpen
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return nil, ErrOpen
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, data[:n], data[n:], []byte(aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// ParseSecret decodes a base64 (standard or URL alphabet, padded or not)
// server secret.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("server secret must decode to %d bytes, got %d", KeySize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("server secret is not valid base64")
}

// ErrNoSecretFile is returned (wrapped) by LoadSecretFile when the file does
// not exist.
var ErrNoSecretFile = errors.New("no server secret file")

// LoadSecretFile reads the base64 server secret at path.
func LoadSecretFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoSecretFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read server secret: %w", err)
	}
	s, err := ParseSecret(string(data))
	if err != nil {
		return nil, fmt.Errorf("read server secret %s: %w", path, err)
	}
	return s, nil
}

// LoadOrCreateSecretFile reads the base64 server secret at path, creating it
// (mode 0600) with a fresh random secret when it does not exist. created
// reports whether a new secret was written. Only call it where nothing is
// sealed yet: a new secret cannot open what an old one sealed.
func LoadOrCreateSecretFile(path string) (secret []byte, created bool, err error) {
	secret, err = LoadSecretFile(path)
	if err == nil || !errors.Is(err, ErrNoSecretFile) {
		return secret, false, err
	}
	secret = make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create data directory: %w", err)
	}
	// Write a temporary file and hard-link it into place: the link fails if
	// another process won the race, and nobody ever reads a half-written file.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return nil, false, fmt.Errorf("create server secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(base64.StdEncoding.EncodeToString(secret) + "\n")
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o600)); err != nil {
		return nil, false, fmt.Errorf("write server secret: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateSecretFile(path)
		}
		return nil, false, fmt.Errorf("install server secret: %w", err)
	}
	return secret, true, nil
}
