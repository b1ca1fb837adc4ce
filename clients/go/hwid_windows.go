//go:build windows

package licensor

import (
	"os/exec"
	"syscall"
)

// machineID is MachineGuid under HKLM\SOFTWARE\Microsoft\Cryptography, read
// with `reg query` (standard library only). /reg:64 reads the 64-bit view
// from a 32-bit process too.
func machineID() (string, error) {
	cmd := exec.Command("reg", "query", `HKLM\SOFTWARE\Microsoft\Cryptography`, "/v", "MachineGuid", "/reg:64")
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true}
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	return parseRegQuery(string(out))
}
