// Package cli is licensor's command line: it parses arguments and the
// environment, builds the parts through package app, and runs one command.
// Every failure is a message on stderr and a non-zero exit status.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Env is how commands read the environment (os.Getenv in main; a map in
// tests).
type Env func(string) string

// command is one CLI command; run gets the arguments after its name.
type command struct {
	name    string // e.g. "license create"
	summary string
	run     func(ctx context.Context, r *runner, args []string) error
}

// runner carries what every command needs.
type runner struct {
	env    Env
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the License API server", runServe},
		{"init", "create the data directory, database, signing key, default company and an API credential", runInit},
		{"public-key", "print the public key PEM that clients verify answers with", runPublicKey},
		{"credential create", "issue a further API key + shared key", runCredentialCreate},
		{"credential revoke", "revoke an API key: KEY", runCredentialRevoke},
		{"credential list", "list API credentials (never a shared key)", runCredentialList},
		{"audit list", "read the audit log [--action A] [--subject-type T --subject-id ID]", runAuditList},
		{"oauth-client create", "issue an OAuth client (client credentials) [--license ID | --customer EMAIL]", runOAuthClientCreate},
		{"oauth-client rotate", "give an OAuth client a new secret, the old one working for --grace: CLIENT_ID", runOAuthClientRotate},
		{"oauth-client revoke", "revoke an OAuth client: CLIENT_ID", runOAuthClientRevoke},
		{"oauth-client list", "list OAuth clients", runOAuthClientList},
		{"company set", "change company settings: key=value ...", runCompanySet},
		{"company show", "print the company and its settings", runCompanyShow},
		{"product create", "create a product (or a bundle) [key=value ...]", runProductCreate},
		{"product set", "change product settings: CODE key=value ...", runProductSet},
		{"feature create", "define a feature on a product", runFeatureCreate},
		{"custom-field create", "define a custom field on a product", runCustomFieldCreate},
		{"version add", "publish a product version", runVersionAdd},
		{"management-key create", "issue a Management API key (shown once) [--label L] [--read-only]", runManagementKeyCreate},
		{"management-key list", "list Management API keys (never their secrets)", runManagementKeyList},
		{"management-key revoke", "revoke a Management API key: PREFIX", runManagementKeyRevoke},
		{"customer create", "create a customer", runCustomerCreate},
		{"customer-account create", "create a customer account, optionally signing in with SSO: --code --name [sso_issuer=URL sso_client_id=ID]", runCustomerAccountCreate},
		{"license create", "create a license of a product [key=value ...]", runLicenseCreate},
		{"license show", "print a license as the API shows it: ID", runLicenseShow},
		{"order create", "issue an order's licenses from a create_order body: --file ORDER.json", runOrderCreate},
		{"license list", "list licenses [--product C] [--customer EMAIL] [--key K] [--status S] [--limit N --offset N]", runLicenseList},
		{"license set", "change license settings: ID key=value ...", runLicenseSet},
		{"license disable", "disable a license: ID", runLicenseDisable},
		{"license enable", "enable a license: ID", runLicenseEnable},
		{"license feature add", "give a license a feature of its product: ID CODE", runLicenseFeatureAdd},
		{"license feature set", "change a license's feature: ID CODE key=value ...", runLicenseFeatureSet},
		{"license field", "set custom field values: ID NAME=VALUE ...", runLicenseField},
		{"user create", "create a license user on a user-based license", runUserCreate},
		{"user list", "list license users [--license ID] [--email E]", runUserList},
		{"user set-password", "set a license user's password: ID|EMAIL --password-file FILE", runUserSetPassword},
		{"user attach", "put an existing license user on another license", runUserAttach},
		{"user deactivate", "deactivate a license user: ID", runUserDeactivate},
		{"user activate", "activate a license user again: ID", runUserActivate},
		{"device list", "list devices [--license ID] [--hardware-id H] [--active true|false]", runDeviceList},
		{"device reset", "deactivate a device for the customer, freeing its slot (no transfer): DEVICE_ID", runDeviceReset},
		{"device blacklist", "blacklist a hardware id: HWID", runDeviceBlacklist},
		{"device unblacklist", "lift a blacklisting: HWID", runDeviceUnblacklist},
		{"offline activate", "answer an offline activation request file: --request FILE --out FILE", runOfflineActivate},
		{"offline deactivate", "apply an offline deactivation request file: --request FILE", runOfflineDeactivate},
		{"backup", "write a consistent copy of the database while licensor serves: --to FILE", runBackup},
		{"restore", "put a backup in place as a data directory's database: --from FILE", runRestore},
		{"db copy", "copy an embedded (SQLite) install into an empty PostgreSQL database: --from DATA_DIR --to URL", runDBCopy},
		{"secret new", "print (or --out FILE) a new server secret for --database-url deployments", runSecretNew},
		{"sign", "print Date and Authorization headers for a License API request", runSign},
		{"call", "send a signed License API request: METHOD PATH [JSON]", runCall},
		{"version", "print the version", runVersion},
	}
}

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// Run runs the command in args (args[0] is the program name) and returns
// the exit status: 0 success, 1 failure, 2 usage error.
func Run(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	r := &runner{env: env, stdout: stdout, stderr: stderr}
	rest := args[1:]
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, cargs, ok := lookup(rest)
	if !ok {
		fmt.Fprintf(stderr, "licensor: unknown command %q\n\n", strings.Join(rest[:min(2, len(rest))], " "))
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, r, cargs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "licensor %s: %v\n", cmd.name, err)
			return 2
		}
		fmt.Fprintf(stderr, "licensor %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

func lookup(args []string) (command, []string, bool) {
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "licensor — a self-hosted License API v4 server\n\nUsage: licensor COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-20s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'licensor COMMAND -h' for a command's flags.")
}

// usageError marks bad arguments (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// parse parses flags that may come before, between or after positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a FlagSet that reports errors through Run, not by
// printing and exiting.
func (r *runner) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("licensor "+name, flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	return fs
}

// print writes v as one JSON object when asJSON, else the text lines.
func (r *runner) print(asJSON bool, v any, text ...string) error {
	if asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	for _, t := range text {
		if _, err := fmt.Fprintln(r.stdout, t); err != nil {
			return err
		}
	}
	return nil
}
