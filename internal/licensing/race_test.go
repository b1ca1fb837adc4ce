package licensing

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/licensor/licensor/internal/password"
)

// raceN runs fn n times at once and returns how many returned nil.
func raceN(n int, fn func(i int) error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if fn(i) == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return won
}

// Of concurrent inits on one database exactly one creates the company.
func TestConcurrentInitHasOneWinner(t *testing.T) {
	st := openStore(t)
	s := newService(t, st, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	ctx := context.Background()
	if won := raceN(40, func(int) error { _, _, err := s.Init(ctx, "c"); return err }); won != 1 {
		t.Fatalf("%d inits succeeded, want 1", won)
	}
	cs, err := st.Reader().Companies(ctx)
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d companies (%v), want 1", len(cs), err)
	}
}

// max_license_users holds when users are attached at once.
func TestConcurrentAttachKeepsMaxLicenseUsers(t *testing.T) {
	st := openStore(t)
	s := newService(t, st, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	ctx := context.Background()
	company, _, err := s.Init(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateProduct(ctx, company, ProductSpec{Code: "U", Name: "U", AuthorizationMethod: "user"}); err != nil {
		t.Fatal(err)
	}
	lic, err := s.CreateLicense(ctx, company, LicenseSpec{Product: "U", Settings: []string{"max_license_users=3"}})
	if err != nil {
		t.Fatal(err)
	}
	won := raceN(40, func(i int) error {
		_, err := s.CreateLicenseUser(ctx, company, UserSpec{LicenseID: lic.ID, Email: fmt.Sprintf("u%d@example.com", i), Password: "a fine password"})
		return err
	})
	users, _, err := st.Reader().LicenseUsersOf(ctx, lic.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 3 || len(users) != 3 {
		t.Fatalf("%d users created, %d on the license; want 3 (max_license_users)", won, len(users))
	}
}
