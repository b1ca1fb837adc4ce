package wire

import "github.com/licensor/licensor/internal/store"

// VersionEntry is one entry of the versions answer (license-api.md §5.14).
type VersionEntry struct {
	Version     string  `json:"version"`
	ReleaseDate *string `json:"release_date"`
}

// NewVersions renders versions.
func NewVersions(vs []store.ProductVersion) []VersionEntry {
	out := make([]VersionEntry, 0, len(vs))
	for i := range vs {
		out = append(out, VersionEntry{Version: vs[i].Version, ReleaseDate: Time(vs[i].ReleaseDate)})
	}
	return out
}

// InstallationFile is the installation_file answer (license-api.md §5.14).
type InstallationFile struct {
	ID               int64   `json:"id"`
	Version          string  `json:"version"`
	InstallationFile string  `json:"installation_file"` // the download URL
	ReleaseDate      *string `json:"release_date"`
	HashMD5          string  `json:"hash_md5"`
	Environment      string  `json:"environment"`
	EulaLink         string  `json:"eula_link"`
	ReleaseNotesLink string  `json:"release_notes_link"`
	Size             string  `json:"size"`
	RequiresVersion  string  `json:"requires_version"`
	Channel          string  `json:"channel"`
	Company          Company `json:"company"`
}

// NewInstallationFile renders installation_file.
func NewInstallationFile(v *store.ProductVersion, companyID int64) *InstallationFile {
	return &InstallationFile{ID: v.ID, Version: v.Version, InstallationFile: v.FullLink, ReleaseDate: Time(v.ReleaseDate),
		HashMD5: v.HashMD5, Environment: v.Environment, EulaLink: v.EulaLink, ReleaseNotesLink: v.ReleaseNotesLink,
		Size: v.Size, RequiresVersion: v.RequiresVersion, Channel: v.Channel, Company: Company{companyID}}
}
