//go:build darwin

package licensor

import "os/exec"

// machineID is IOPlatformUUID, from
// `ioreg -rd1 -c IOPlatformExpertDevice`.
func machineID() (string, error) {
	out, err := exec.Command("/usr/sbin/ioreg", "-rd1", "-c", "IOPlatformExpertDevice").Output()
	if err != nil {
		return "", err
	}
	return parseIoreg(string(out))
}
