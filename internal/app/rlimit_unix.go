//go:build unix

package app

import "syscall"

// openFileLimit is the process's limit on open files (the soft one, which
// Go raises to the hard one at start), or 0 when unknown.
func openFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Cur
}
