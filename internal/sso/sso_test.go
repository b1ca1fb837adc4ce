package sso_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/licensor/licensor/internal/oidctest"
	"github.com/licensor/licensor/internal/sso"
)

func TestVerifyUsesOneCachedKeySet(t *testing.T) {
	idp, err := oidctest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer idp.Close()
	c := sso.New(nil, time.Now)
	for i := range 3 {
		tok, err := idp.IDToken(idp.Claims("app", "ann@acme.example", "n"))
		if err != nil {
			t.Fatal(err)
		}
		who, err := c.Verify(context.Background(), idp.URL, "app", tok)
		if err != nil || who.Email != "ann@acme.example" || who.Nonce != "n" {
			t.Fatalf("verify %d: %v %v", i, who, err)
		}
	}
	if n := idp.JWKSFetches.Load(); n != 1 {
		t.Fatalf("the key set was fetched %d times for 3 sign-ins, want 1", n)
	}
	// A token for another client is invalid, not unavailable.
	tok, _ := idp.IDToken(idp.Claims("other-app", "ann@acme.example", "n"))
	if _, err := c.Verify(context.Background(), idp.URL, "app", tok); !errors.Is(err, sso.ErrInvalid) {
		t.Fatalf("a token for another client: %v", err)
	}
}

// A provider cannot make licensor read without end: its answers are cut
// at 1 MiB, and a discovery document that large is refused.
func TestProviderAnswersAreBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"` + strings.Repeat("a", 4<<20) + `"}`))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	_, err = sso.New(nil, time.Now).Discover(context.Background(), "http://"+ln.Addr().String())
	if !errors.Is(err, sso.ErrUnavailable) {
		t.Fatalf("a 4 MiB discovery document: %v", err)
	}
}
