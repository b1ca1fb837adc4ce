package licensor

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// fileVersion is the version of the license file format.
const fileVersion = 1

// licenseFile is the license file: the request and the server's answer
// verbatim, so that it verifies offline with the public key (DESIGN.md
// "License manager"). With OfflineAnswer set, the body is an
// activate_offline answer, which carries its signatures inside
// (license_signature_v2 for the whole) instead of a header, and
// LastServerContact is the answer's signed date.
type licenseFile struct {
	Version                int         `json:"version"`
	Request                fileRequest `json:"request"`
	BodyBase64             string      `json:"body_base64"`
	LicenseSignatureHeader string      `json:"license_signature_header"`
	OfflineAnswer          bool        `json:"offline_answer,omitempty"`
	LastServerContact      string      `json:"last_server_contact"`
}

// fileRequest is what the answer was asked with: what its license_signature
// covers, and what a later check sends.
type fileRequest struct {
	Product    string `json:"product"`
	HardwareID string `json:"hardware_id"`
	LicenseKey string `json:"license_key,omitempty"`
	Username   string `json:"username,omitempty"`
}

// storedLicense is a license file that verified.
type storedLicense struct {
	request     fileRequest
	license     *License
	lastContact time.Time
	offline     bool // activated offline: no offline grace applies
}

// identity is the Identity the stored license was activated with.
func (r fileRequest) identity() Identity {
	return Identity{Product: r.Product, HardwareID: r.HardwareID, LicenseKey: r.LicenseKey, Username: r.Username}
}

// encodeLicenseFile renders a license file for a verified answer: an
// online one with its header, or (header "") an offline answer.
func encodeLicenseFile(id Identity, body []byte, header string, contact time.Time) ([]byte, error) {
	f := licenseFile{
		Version:                fileVersion,
		Request:                fileRequest{Product: id.Product, HardwareID: id.HardwareID, LicenseKey: id.LicenseKey, Username: id.Username},
		BodyBase64:             base64.StdEncoding.EncodeToString(body),
		LicenseSignatureHeader: header,
		OfflineAnswer:          header == "",
		LastServerContact:      contact.UTC().Format(time.RFC3339Nano),
	}
	return json.MarshalIndent(f, "", "  ")
}

// readLicenseFile loads and verifies a license file: both signatures, with
// the public key of c.
func (c *Client) readLicenseFile(path string) (*storedLicense, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &LocalLicenseError{Code: CodeLicenseFileMissing, Message: "no license file at " + path}
	}
	if err != nil {
		return nil, &LocalLicenseError{Code: CodeLicenseFileInvalid, Message: "cannot read " + path, Err: err}
	}
	invalid := func(msg string, err error) error {
		return &LocalLicenseError{Code: CodeLicenseFileInvalid, Message: path + ": " + msg, Err: err}
	}
	var f licenseFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, invalid("not a license file", err)
	}
	if f.Version != fileVersion {
		return nil, invalid("unknown version", nil)
	}
	body, err := base64.StdEncoding.DecodeString(f.BodyBase64)
	if err != nil {
		return nil, invalid("body_base64 is not base64", err)
	}
	contact, err := time.Parse(time.RFC3339Nano, f.LastServerContact)
	if err != nil {
		return nil, invalid("last_server_contact is not an RFC 3339 time", err)
	}
	var l *License
	if f.OfflineAnswer {
		l, err = c.verifyStoredOfflineAnswer(body, f.Request)
	} else {
		l, err = c.verifyStoredAnswer(body, f.LicenseSignatureHeader, f.Request)
	}
	if err != nil {
		return nil, invalid("the license does not verify", err)
	}
	return &storedLicense{request: f.Request, license: l, lastContact: contact, offline: f.OfflineAnswer}, nil
}

// verifyStoredAnswer checks a stored online answer: the header over the
// body, and license_signature over the request.
func (c *Client) verifyStoredAnswer(body []byte, header string, r fileRequest) (*License, error) {
	if err := verifyBody(c.publicKey, body, header); err != nil {
		return nil, err
	}
	ls, err := c.decodeLicenses(body, r.identity(), false)
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// verifyStoredOfflineAnswer checks a stored offline answer with the public
// key (its offline_signature was checked on loading; it is an HMAC of a
// key the application holds, which proves nothing more later).
func (c *Client) verifyStoredOfflineAnswer(body []byte, r fileRequest) (*License, error) {
	f, err := verifyOfflineBody(c.publicKey, body, r.HardwareID, r.Product)
	if err != nil {
		return nil, err
	}
	if f.identity() != r.LicenseKey+r.Username {
		return nil, &SignatureError{Reason: "the offline answer is for another license"}
	}
	return parseLicense(body)
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, written, fsynced and renamed over path, mode 0600. A reader
// sees the old file or the new one, never a part.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if runtime.GOOS != "windows" { // Windows has no Unix modes
		if err = tmp.Chmod(0o600); err != nil {
			return err
		}
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows it
// (Windows cannot open a directory for sync; the rename is still atomic).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
