//go:build !linux && !darwin && !windows

package licensor

import (
	"errors"
	"runtime"
)

// machineID has no source on this platform: pass ManagerConfig.HardwareID.
func machineID() (string, error) {
	return "", errors.New("no machine id source on " + runtime.GOOS)
}
