// Package password hashes and verifies license users' passwords with Argon2id
// (PHC string format, parameters stored in every hash) and bounds how many
// hashes run at once, since each one costs tens of milliseconds of CPU and
// Memory KiB of RAM.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams is OWASP's minimum recommendation for Argon2id: 19 MiB,
// two iterations, one lane.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Validate rejects parameters that argon2 would panic on or that make no
// sense for password storage.
func (p Params) Validate() error {
	switch {
	case p.Time < 1:
		return errors.New("argon2id: time must be at least 1")
	case p.Threads < 1:
		return errors.New("argon2id: threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("argon2id: memory must be at least %d KiB", 8*uint32(p.Threads))
	case p.SaltLen < 8:
		return errors.New("argon2id: salt must be at least 8 bytes")
	case p.KeyLen < 16:
		return errors.New("argon2id: key must be at least 16 bytes")
	}
	return nil
}

// weakerThan reports whether a hash made with p should be upgraded to q.
func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.Threads < q.Threads || p.KeyLen < q.KeyLen
}

// ErrMalformedHash is returned for stored hashes licensor cannot parse.
var ErrMalformedHash = errors.New("password: malformed argon2id hash")

// hash computes the PHC string $argon2id$v=19$m=..,t=..,p=..$salt$key.
func hash(p Params, pw string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify checks pw against an encoded hash in constant time and returns the
// parameters the hash was made with.
func verify(encoded, pw string) (bool, Params, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, Params{}, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, p, nil
}

func decode(encoded string) (Params, []byte, []byte, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrMalformedHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrMalformedHash
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrMalformedHash
		}
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if p.Validate() != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
