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
// "License manager").
type licenseFile struct {
	Version                int         `json:"version"`
	Request                fileRequest `json:"request"`
	BodyBase64             string      `json:"body_base64"`
	LicenseSignatureHeader string      `json:"license_signature_header"`
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
}

// identity is the Identity the stored license was activated with.
func (r fileRequest) identity() Identity {
	return Identity{Product: r.Product, HardwareID: r.HardwareID, LicenseKey: r.LicenseKey, Username: r.Username}
}

// encodeLicenseFile renders a license file for a verified answer.
func encodeLicenseFile(id Identity, body []byte, header string, contact time.Time) ([]byte, error) {
	f := licenseFile{
		Version:                fileVersion,
		Request:                fileRequest{Product: id.Product, HardwareID: id.HardwareID, LicenseKey: id.LicenseKey, Username: id.Username},
		BodyBase64:             base64.StdEncoding.EncodeToString(body),
		LicenseSignatureHeader: header,
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
	if err := verifyBody(c.publicKey, body, f.LicenseSignatureHeader); err != nil {
		return nil, invalid("the answer does not verify", err)
	}
	ls, err := c.decodeLicenses(body, f.Request.identity(), false)
	if err != nil {
		return nil, invalid("the license does not verify", err)
	}
	return &storedLicense{request: f.Request, license: ls[0], lastContact: contact}, nil
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
