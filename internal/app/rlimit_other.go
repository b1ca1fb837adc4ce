//go:build !unix

package app

// openFileLimit is unknown here.
func openFileLimit() uint64 { return 0 }
