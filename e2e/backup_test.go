package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/testkit"
)

// A backup taken while the server answers writes holds every write
// acknowledged before it started, and restores into a server that every
// deployed client still trusts: the same public key, API credentials and
// license users' passwords.
func TestBackupWhileServingThenRestore(t *testing.T) {
	in := start(t)
	in.cliJSON(&struct{}{}, "product", "create", "--code", "APP", "--name", "App", "--json")
	in.cliJSON(&struct{}{}, "license", "create", "--product", "APP", "--key", "BACKUP-0001", "--max-activations", "100000", "--json")
	in.cliJSON(&struct{}{}, "product", "create", "--code", "SEAT", "--name", "Seat", "--auth", "user", "--json")
	var ul struct{ ID int64 }
	in.cliJSON(&ul, "license", "create", "--product", "SEAT", "--json")
	in.cliJSON(&struct{}{}, "user", "create", "--license", fmt.Sprint(ul.ID), "--email", "kept@example.com", "--password", "kept password", "--json")

	// Writes keep landing while the backup runs.
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				hw := fmt.Sprintf("backup-w%d-%d", w, i)
				if r := in.api(http.MethodPost, "activate_license", map[string]any{"product": "APP", "license_key": "BACKUP-0001", "hardware_id": hw}); r.Status == 200 {
					mu.Lock()
					acked = append(acked, hw)
					mu.Unlock()
				}
			}
		}()
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30 {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling for the writers, not timing them
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	var again *instance
	if in.dbURL != "" {
		again = pgDumpAndRestore(t, in)
		close(stop)
		wg.Wait()
	} else {
		again = backupAndRestore(t, in, stop, &wg)
	}
	again.serve()
	for _, hw := range before {
		var lic map[string]any
		wantOK(t, again.api(http.MethodGet, "check_license", map[string]any{"product": "APP", "license_key": "BACKUP-0001", "hardware_id": hw}), &lic)
		if lic["license_active"] != true {
			t.Fatalf("device %s after restore: %v", hw, lic)
		}
	}
	wantOK(t, again.api(http.MethodGet, "user_licenses", map[string]any{"product": "SEAT", "username": "kept@example.com", "password": "kept password"}), nil)
	if key, err := again.cli("public-key"); err != nil || key != in.publicKey {
		t.Fatalf("the restored server signs with another key (%v)", err)
	}
	t.Logf("%d writes acknowledged before the backup, %d in all", len(before), len(acked))
}

// backupAndRestore is the SQLite half: licensor backup while the writers
// run (stopped once it is done), then licensor restore in another data
// directory with the kept secret.
func backupAndRestore(t *testing.T, in *instance, stop chan struct{}, wg *sync.WaitGroup) *instance {
	file := filepath.Join(t.TempDir(), "licensor-backup.db")
	var out struct {
		Backup string `json:"backup"`
		Bytes  int64  `json:"bytes"`
	}
	in.cliJSON(&out, "backup", "--to", file, "--json")
	close(stop)
	wg.Wait()
	if out.Backup != file || out.Bytes == 0 {
		t.Fatalf("backup printed %+v", out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v (mode %v), want 0600", err, fi.Mode())
	}
	if _, err := in.cli("backup", "--to", file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a second backup onto the same file = %v", err)
	}

	// Restore on another machine: the backup plus the kept secret.key.
	dir := filepath.Join(t.TempDir(), "restored")
	must(t, os.MkdirAll(dir, 0o700))
	secret, err := os.ReadFile(filepath.Join(in.data, "secret.key"))
	must(t, err)
	// Without the secret, or with another one, nothing is restored.
	if _, err := in.cli("restore", "--from", file, "--data", dir); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("restore without a secret = %v", err)
	}
	if _, err := in.cliEnv([]string{"LICENSOR_SECRET=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "restore", "--from", file, "--data", dir); err == nil ||
		!strings.Contains(err.Error(), "does not open") {
		t.Fatalf("restore with another secret = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "licensor.db")); !os.IsNotExist(err) {
		t.Fatal("a refused restore left a database behind")
	}
	must(t, os.WriteFile(filepath.Join(dir, "secret.key"), secret, 0o600))
	var restored struct {
		Restored string `json:"restored"`
	}
	in.cliJSON(&restored, "restore", "--from", file, "--data", dir, "--json")
	if _, err := in.cli("restore", "--from", file, "--data", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over a database = %v", err)
	}

	return &instance{t: t, data: dir, logs: &testkit.SyncBuffer{}, apiKey: in.apiKey, sharedKey: in.sharedKey, publicKey: in.publicKey}
}

// pgDumpAndRestore is the PostgreSQL half, as the README tells a vendor:
// licensor's own backup commands refuse and point at PostgreSQL's tools;
// pg_dump runs while the writers do, pg_restore fills a new database, and
// an instance with the same secret serves it.
func pgDumpAndRestore(t *testing.T, in *instance) *instance {
	file := filepath.Join(t.TempDir(), "licensor.dump")
	for _, args := range [][]string{{"backup", "--to", file}, {"restore", "--from", file}} {
		if _, err := in.cli(args...); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("licensor %s on PostgreSQL = %v, want a pointer to pg_dump", args[0], err)
		}
	}
	if out, err := exec.Command(pgTool(t, "pg_dump"), "--format=custom", "--file", file, in.dbURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	again := newInstance(t)
	if out, err := exec.Command(pgTool(t, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", again.dbURL, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	again.apiKey, again.sharedKey, again.publicKey = in.apiKey, in.sharedKey, in.publicKey
	return again
}

// pgTool finds a PostgreSQL client program.
func pgTool(t *testing.T, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) == 0 {
		t.Fatalf("%s not found", name)
	}
	return m[len(m)-1]
}

// A data directory whose secret.key is gone is refused by every command,
// and no new secret is written next to the database.
func TestMissingSecretIsRefusedByTheCLI(t *testing.T) {
	in := start(t)
	if in.dbURL != "" {
		// With a database URL the secret is never on disk: without it, or
		// with another, every command refuses and names the fix.
		for _, args := range [][]string{{"public-key"}, {"company", "show"}, {"init"}, {"serve"}} {
			_, err := in.cliEnv([]string{"LICENSOR_SECRET="}, args...)
			if err == nil || !strings.Contains(err.Error(), "LICENSOR_SECRET or --secret-file") {
				t.Fatalf("licensor %v without a secret = %v", args, err)
			}
			_, err = in.cliEnv([]string{"LICENSOR_SECRET=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, args...)
			if err == nil || !strings.Contains(err.Error(), "is this the server secret") {
				t.Fatalf("licensor %v with another secret = %v", args, err)
			}
		}
		if entries, _ := os.ReadDir(in.data); len(entries) > 0 {
			t.Fatalf("commands on PostgreSQL wrote to the data directory: %v", entries)
		}
		return
	}
	secret := filepath.Join(in.data, "secret.key")
	must(t, os.Remove(secret))
	for _, args := range [][]string{{"public-key"}, {"company", "show"}, {"init"}} {
		_, err := in.cli(args...)
		if err == nil || !strings.Contains(err.Error(), "restore secret.key") || !strings.Contains(err.Error(), "LICENSOR_SECRET") {
			t.Fatalf("licensor %v without secret.key = %v", args, err)
		}
		if _, err := os.Stat(secret); !os.IsNotExist(err) {
			t.Fatalf("licensor %v wrote a new secret.key", args)
		}
	}
}

// Whatever the umask, the data directory is 0700 and every file in it
// 0600.
func TestDataFilesArePrivateWhateverTheUmask(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "open")
	must(t, os.MkdirAll(dir, 0o777))
	must(t, os.Chmod(dir, 0o777))
	for _, args := range [][]string{{"init", "--json"}, {"product", "create", "--code", "P", "--name", "P"}} {
		cmd := exec.Command("sh", append([]string{"-c", `umask 000 && exec "$0" "$@"`, binary}, args...)...)
		cmd.Env = append(os.Environ(), "LICENSOR_DATA="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	fi, err := os.Stat(dir)
	must(t, err)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode %04o, want 0700", fi.Mode().Perm())
	}
	for _, e := range entries {
		info, err := e.Info()
		must(t, err)
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", e.Name(), info.Mode().Perm())
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
