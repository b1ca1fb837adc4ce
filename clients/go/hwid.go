package licensor

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// HardwareID is this device's hardware id for a salt (use the product
// code): the hex SHA-256 of salt + ":" + the machine id, so that the raw
// machine id never leaves the device. The machine id is /etc/machine-id
// (else /var/lib/dbus/machine-id) on Linux, IOPlatformUUID on macOS, and
// MachineGuid under HKLM\SOFTWARE\Microsoft\Cryptography on Windows. An
// application may use its own hardware id instead.
func HardwareID(salt string) (string, error) {
	id, err := machineID()
	if err != nil {
		return "", errors.New("licensor: no machine id: " + err.Error())
	}
	return hashMachineID(salt, id), nil
}

// hashMachineID is the hardware id of a machine id.
func hashMachineID(salt, machineID string) string {
	sum := sha256.Sum256([]byte(salt + ":" + machineID))
	return hex.EncodeToString(sum[:])
}

// parseIoreg finds IOPlatformUUID in the output of
// `ioreg -rd1 -c IOPlatformExpertDevice`, a line like
// `"IOPlatformUUID" = "564D…"`.
func parseIoreg(out string) (string, error) {
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(key) != `"IOPlatformUUID"` {
			continue
		}
		if id := strings.Trim(strings.TrimSpace(val), `"`); id != "" {
			return id, nil
		}
	}
	return "", errors.New("IOPlatformUUID not found in ioreg output")
}

// parseRegQuery finds MachineGuid in the output of `reg query
// HKLM\SOFTWARE\Microsoft\Cryptography /v MachineGuid`, a line like
// `    MachineGuid    REG_SZ    6d2e…`.
func parseRegQuery(out string) (string, error) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.EqualFold(f[0], "MachineGuid") && strings.HasPrefix(f[1], "REG_") {
			return f[2], nil
		}
	}
	return "", errors.New("MachineGuid not found in reg query output")
}

// parseMachineIDFile reads the content of a machine-id file.
func parseMachineIDFile(data []byte) (string, error) {
	id := strings.TrimSpace(string(data))
	if id == "" {
		return "", errors.New("empty machine-id")
	}
	return id, nil
}
