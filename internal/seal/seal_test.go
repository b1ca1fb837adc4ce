package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := b.Seal([]byte("shared key"), "api_credential:k1")
	if strings.Contains(s, "shared key") {
		t.Fatal("sealed value contains the plaintext")
	}
	if s2 := b.Seal([]byte("shared key"), "api_credential:k1"); s2 == s {
		t.Fatal("sealing twice gave the same ciphertext: nonce reuse")
	}
	got, err := b.Open(s, "api_credential:k1")
	if err != nil || string(got) != "shared key" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(s, "api_credential:k2"); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with other associated data = %v, want ErrOpen", err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(s, "api_credential:k1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another secret = %v, want ErrOpen", err)
	}
	for _, bad := range []string{"", "v1:", "v1:!!", "v2:" + s[3:], s[:len(s)-2]} {
		if _, err := b.Open(bad, "api_credential:k1"); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%q) = %v, want ErrOpen", bad, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("New accepted a short secret")
	}
}

func TestSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secret.key")
	s1, created, err := LoadOrCreateSecretFile(path)
	if err != nil || !created || len(s1) != KeySize {
		t.Fatalf("first load = %d bytes, created=%v, %v", len(s1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	s2, created, err := LoadOrCreateSecretFile(path)
	if err != nil || created || !bytes.Equal(s1, s2) {
		t.Fatalf("second load must return the same secret without creating one (created=%v, err=%v)", created, err)
	}
	if err := os.WriteFile(path, []byte("not base64!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateSecretFile(path); err == nil {
		t.Fatal("a corrupt secret file was accepted")
	}
}
