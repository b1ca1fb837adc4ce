package licensing

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

const (
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// licenseKeyChars leaves out 0/O and 1/I, which people misread when
	// typing a key from an invoice.
	licenseKeyChars = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	passwordChars   = alnum + "-_.@" // nothing a shell or a URL treats specially
)

// randomString draws n characters uniformly from set.
func randomString(set string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(set)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
		}
		b[i] = set[v.Int64()]
	}
	return string(b)
}

// newAPIKey returns a random UUID (version 4), the API key form upstream
// uses.
func newAPIKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newSharedKey returns a 40-character secret like upstream's shared keys.
func newSharedKey() string { return randomString(alnum, 40) }

// newLicenseKey returns a key in XXXX-XXXX-XXXX-XXXX form (80 bits).
func newLicenseKey() string {
	s := randomString(licenseKeyChars, 16)
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// newInitialPassword returns a 12-character password that passes the policy.
func newInitialPassword() string { return randomString(passwordChars, 12) }
