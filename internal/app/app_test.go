package app_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/licensor/licensor/internal/app"
	"github.com/licensor/licensor/internal/licensing"
	"github.com/licensor/licensor/internal/password"
	"github.com/licensor/licensor/internal/testkit"
)

func config(dir string) app.Config {
	return app.Config{DataDir: dir, KeyBits: 2048, Argon2: testkit.FastArgon2, HashPool: password.PoolConfig{Workers: 1}, Throttle: licensing.DefaultThrottle}
}

// Instances that share a database sign with the same key, created once.
func TestInstancesShareTheSigningKey(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	a, err := app.Open(ctx, config(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := app.Open(ctx, config(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Signer.PublicKeyPEM() != b.Signer.PublicKeyPEM() {
		t.Fatal("two instances on one database sign with different keys")
	}
	// The key survives a restart, and the key size setting only applies at
	// creation.
	a.Close()
	cfg := config(dir)
	cfg.KeyBits = 4096
	c, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Signer.PublicKeyPEM() != b.Signer.PublicKeyPEM() {
		t.Fatal("the signing key changed across a restart")
	}
}

func TestWrongSecretIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := app.Open(ctx, config(dir))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	cfg := config(dir)
	cfg.Secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" // 32 zero bytes, not this directory's secret
	if _, err := app.Open(ctx, cfg); err == nil {
		t.Fatal("opened a database with the wrong server secret")
	}
}

func TestExistingDoesNotCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	cfg := config(dir)
	cfg.Existing = true
	if _, err := app.Open(context.Background(), cfg); !errors.Is(err, app.ErrNotInitialized) {
		t.Fatalf("Open(Existing) on a missing directory = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("Open(Existing) created the directory")
	}
}

func TestKeyBitsAreConfigurable(t *testing.T) {
	cfg := config(t.TempDir())
	cfg.KeyBits = 3072
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	block, _ := pem.Decode([]byte(a.Signer.PublicKeyPEM()))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if bits := pub.(*rsa.PublicKey).N.BitLen(); bits != 3072 {
		t.Fatalf("signing key has %d bits, want 3072", bits)
	}
}
