//go:build linux

package licensor

import (
	"errors"
	"os"
)

// machineID is /etc/machine-id, else /var/lib/dbus/machine-id.
func machineID() (string, error) {
	var errs []error
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		id, err := parseMachineIDFile(data)
		if err != nil {
			errs = append(errs, errors.New(p+": "+err.Error()))
			continue
		}
		return id, nil
	}
	return "", errors.Join(errs...)
}
