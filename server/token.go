package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
)

// stringList is a repeatable flag (-role agent -role supervisor) that also
// takes comma-separated values.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// tokenCommand mints an HS256 token signed with the data directory's secret,
// for development and for scripts (the load tester uses it too).
func tokenCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("earshot token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := DefaultConfig()
	dataDir := fs.String("data", firstNonEmpty(getenv("EARSHOT_DATA_DIR"), def.DataDir), "data directory holding jwt-secret")
	issuer := fs.String("issuer", firstNonEmpty(getenv("EARSHOT_AUTH_ISSUER"), def.Auth.Issuer), "token issuer")
	audience := fs.String("audience", firstNonEmpty(getenv("EARSHOT_AUTH_AUDIENCE"), def.Auth.Audience), "token audience")
	user := fs.String("user", "", "user id (subject); required")
	name := fs.String("name", "", "display name (default: the user id)")
	tenant := fs.String("tenant", "demo", "tenant")
	ttl := fs.Duration("ttl", 8*time.Hour, "lifetime")
	var roles, teams stringList
	fs.Var(&roles, "role", "role: customer, agent, supervisor, admin (repeatable)")
	fs.Var(&teams, "team", "team (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *user == "" || len(roles) == 0 {
		fmt.Fprintln(stderr, "earshot token: -user and at least one -role are required")
		return 2
	}
	id := auth.Identity{Subject: auth.UserID(*user), Name: firstNonEmpty(*name, *user), Tenant: auth.TenantID(*tenant)}
	for _, r := range roles {
		role, err := auth.ParseRole(r)
		if err != nil {
			fmt.Fprintf(stderr, "earshot token: %v\n", err)
			return 2
		}
		id.Roles = append(id.Roles, role)
	}
	for _, t := range teams {
		id.Teams = append(id.Teams, auth.TeamID(t))
	}
	secret, err := auth.LoadOrCreateSecret(*dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "earshot token: %v\n", err)
		return 1
	}
	h, err := auth.NewHMAC(auth.HMACParams{Secret: secret, Issuer: *issuer, Audience: *audience})
	if err != nil {
		fmt.Fprintf(stderr, "earshot token: %v\n", err)
		return 1
	}
	tok, err := h.Mint(auth.MintParams{Identity: id, TTL: *ttl})
	if err != nil {
		fmt.Fprintf(stderr, "earshot token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
