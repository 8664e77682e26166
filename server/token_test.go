package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/earshot/earshot/auth"
)

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "-data", dir, "-user", "sam", "-name", "Sam S", "-role", "supervisor,agent", "-team", "team-a", "-tenant", "acme"}, envOf(nil), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: "earshot", Audience: "earshot"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := h.Verify(context.Background(), strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "sam" || id.Name != "Sam S" || id.Tenant != "acme" || !id.HasRole(auth.RoleSupervisor) || !id.HasRole(auth.RoleAgent) || !id.InTeam("team-a") {
		t.Fatalf("identity %+v", id)
	}
	t.Run("refuses missing role", func(t *testing.T) {
		var o, e bytes.Buffer
		if code := run(context.Background(), []string{"token", "-data", dir, "-user", "x"}, envOf(nil), &o, &e); code != 2 || !strings.Contains(e.String(), "-role") {
			t.Fatalf("exit %d, stderr %q", code, e.String())
		}
	})
	t.Run("refuses unknown role", func(t *testing.T) {
		var o, e bytes.Buffer
		if code := run(context.Background(), []string{"token", "-data", dir, "-user", "x", "-role", "god"}, envOf(nil), &o, &e); code != 2 {
			t.Fatalf("exit %d, stderr %q", code, e.String())
		}
	})
}
