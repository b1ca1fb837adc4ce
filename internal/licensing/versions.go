package licensing

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/licensor/licensor/internal/problem"
	"github.com/licensor/licensor/internal/store"
)

// Versions and installation files (license-api.md §5.14, §6.2): env and
// channel filter both; "latest" is the newest release (the release date,
// or when the version was added if it has none), ties broken by the higher
// version number.

// compareVersions orders version strings by their numeric parts, so that
// 1.10 comes after 1.9 and 2.0.1 after 2.0; parts that are not numbers
// compare as text.
func compareVersions(a, b string) int {
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '-' || r == '+' || r == '_' })
	}
	pa, pb := split(a), split(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.ParseUint(pa[i], 10, 64)
		nb, eb := strconv.ParseUint(pb[i], 10, 64)
		var c int
		if ea == nil && eb == nil {
			c = cmpUint(na, nb)
		} else {
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	return len(pa) - len(pb)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func released(v *store.ProductVersion) time.Time {
	if v.ReleaseDate != nil {
		return *v.ReleaseDate
	}
	return v.CreatedAt
}

// newestFirst sorts versions, latest first.
func newestFirst(vs []store.ProductVersion) {
	slices.SortStableFunc(vs, func(a, b store.ProductVersion) int {
		if c := released(&b).Compare(released(&a)); c != 0 {
			return c
		}
		return compareVersions(b.Version, a.Version)
	})
}

// latestVersion returns the latest enabled version, or nil when there is
// none.
func (s *Service) latestVersion(ctx context.Context, productID int64, env, channel string) (*store.ProductVersion, error) {
	vs, err := s.store.Reader().ProductVersions(ctx, productID, env, channel)
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	newestFirst(vs)
	return &vs[0], nil
}

// Versions lists the versions a device active on the license can install,
// latest first.
func (s *Service) Versions(ctx context.Context, c Caller, id Identity, env, channel string) ([]store.ProductVersion, error) {
	f, err := s.activeLicense(ctx, c, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.Reader().ProductVersions(ctx, f.product.ID, env, channel)
	if err != nil {
		return nil, err
	}
	newestFirst(vs)
	return vs, nil
}

// InstallationFile returns one version (the latest when version is empty)
// for a device active on the license.
func (s *Service) InstallationFile(ctx context.Context, c Caller, id Identity, env, channel, version string) (*store.ProductVersion, error) {
	f, err := s.activeLicense(ctx, c, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.Reader().ProductVersions(ctx, f.product.ID, env, channel)
	if err != nil {
		return nil, err
	}
	newestFirst(vs)
	for i := range vs {
		if version == "" || vs[i].Version == version {
			return &vs[i], nil
		}
	}
	if version == "" {
		return nil, problem.New(problem.CodeVersionNotFound, "the product has no version to install here")
	}
	return nil, problem.Newf(problem.CodeVersionNotFound, "the product has no version %q here", version)
}

// activeLicense finds the request's license and requires the device to be
// active on it: downloads are for licensed devices.
func (s *Service) activeLicense(ctx context.Context, c Caller, id Identity) (*found, error) {
	id.Password = ""
	f, err := s.findLicense(ctx, c, id, false)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkOne(ctx, c, f, CheckInput{Identity: id}, s.now()); err != nil {
		if pe, ok := problem.As(err); ok && (pe.Code == problem.CodeDeviceNotFound || pe.Code == problem.CodeLicenseNotActive) {
			return nil, problem.New(problem.CodeActiveLicenseRequired, "the license must be active on this device")
		}
		return nil, err
	}
	return f, nil
}
