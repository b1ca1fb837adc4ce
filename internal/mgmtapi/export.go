package mgmtapi

import (
	"github.com/licensor/licensor/internal/catalog"
	"github.com/licensor/licensor/internal/problem"
)

// The CLI prints the same objects with --json as the API answers.

// LicenseObject renders a license as GET licenses/{id}/ does.
func LicenseObject(l *catalog.License) any { return newLicense(l) }

// DeviceObject renders a device as GET devices/{id}/ does.
func DeviceObject(d *catalog.Device) any { return newDevice(d) }

// UserObject renders a license user as GET license-users/{id}/ does.
func UserObject(u *catalog.User) any { return newUser(u) }

func notFound(what string) error { return problem.New(problem.CodeNotFound, what+" not found") }
