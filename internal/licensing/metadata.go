package licensing

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/licensor/licensor/internal/signing"
)

// CanonicalMetadata checks that text is a JSON object and returns it in the
// form JavaScript would print it, the form stored and sent (see
// signing.CanonicalJSON).
func CanonicalMetadata(text string) (string, error) {
	t := bytes.TrimSpace([]byte(text))
	if len(t) == 0 || t[0] != '{' {
		return "", errors.New("metadata must be a JSON object")
	}
	out, err := signing.CanonicalJSON(t)
	if err != nil {
		return "", fmt.Errorf("metadata is not valid JSON: %w", err)
	}
	return string(out), nil
}
