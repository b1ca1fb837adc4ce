// Package licensor is the Go client of licensor, a self-hosted server of
// the License API v4 (the wire protocol LicenseSpring documents).
//
// It has three layers:
//
//   - [Client]: one method per endpoint. Every request is signed with the
//     API key and shared key (license-api.md §2.1), or carries an OAuth
//     bearer token got with a client id and secret (§2.2), and every answer is
//     verified with the server's pinned public key before it is parsed:
//     the LicenseSignature header over the exact body bytes, and the
//     license_signature of every License object over what the client sent.
//     There is no way to turn verification off.
//   - [Manager]: what an application embeds. It keeps the activated license
//     in a file that verifies offline, checks it online, and falls back to
//     the file within an offline grace period when the server cannot be
//     reached. It also counts consumption locally and sends it in batches,
//     keeps a floating seat ([Manager.StartFloating]), and activates a
//     device with no connection through request and answer files.
//   - [HardwareID]: a salted hash of the machine id.
//
// Errors come in four kinds, told apart with errors.As: [*APIError] (the
// server answered with an error), [*SignatureError] (an answer failed
// verification), [*NetworkError] (no answer) and [*LocalLicenseError] (the
// license file).
//
// The package uses the standard library only and has no package-level
// mutable state.
package licensor

// Version is the version of this client, sent in the User-Agent and as
// sdk_ver.
const Version = "0.1.0"
