package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/earshot/earshot/auth"
	"github.com/earshot/earshot/store"
)

const auditUsage = `Usage:
  earshot audit verify [-tenant T] [server flags]
      walk each tenant's audit hash chain and report the first broken link
      (a modified, deleted or inserted row); exit status 1 if any is broken
  earshot audit purge [-older-than 2160h] [server flags]
      delete history and audit rows older than the age (default: the
      configured retention); the deletion is itself audited

Server flags (-data, -store, -store-dsn, -config, ...) select the store as
for "earshot serve".
`

// auditCommand runs "earshot audit verify|purge".
func auditCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stdout, auditUsage)
		return 2
	}
	sub, rest := args[0], args[1:]
	own, rest, err := takeFlags(rest, "tenant", "older-than")
	if err != nil {
		fmt.Fprintf(stderr, "earshot audit: %v\n", err)
		return 2
	}
	cfg, err := LoadConfig(rest, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "earshot audit: %v\n", err)
		return 2
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "earshot audit: %v\n", err)
		return 1
	}
	defer st.Close()
	switch sub {
	case "verify":
		return auditVerify(ctx, st, own["tenant"], stdout, stderr)
	case "purge":
		age := cfg.Store.Retention
		if v := own["older-than"]; v != "" {
			if age, err = time.ParseDuration(v); err != nil || age <= 0 {
				fmt.Fprintf(stderr, "earshot audit purge: -older-than %q: a positive duration such as 2160h\n", v)
				return 2
			}
		}
		if age <= 0 {
			fmt.Fprintln(stderr, "earshot audit purge: no retention configured; give -older-than")
			return 2
		}
		res, err := store.PurgeOnce(ctx, st, age, time.Now(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			fmt.Fprintf(stderr, "earshot audit purge: %v\n", err)
			return 1
		}
		deleteRecordingFiles(cfg.recordingRoot(), slog.New(slog.NewTextHandler(stderr, nil)))(res.Recordings)
		n := 0
		for tenant, c := range res.Tenants {
			if c.Total() > 0 {
				n++
				fmt.Fprintf(stdout, "tenant %s: deleted %d audit events, %d conversations, %d messages, %d help requests, %d recordings (chain now starts after seq %d)\n",
					tenant, c.AuditEvents, c.Conversations, c.Messages, c.HelpRequests, c.Recordings, c.AnchorSeq)
			}
		}
		if n == 0 {
			fmt.Fprintf(stdout, "nothing older than %s\n", age)
		}
		return 0
	}
	fmt.Fprintf(stderr, "earshot audit: unknown command %q\n%s", sub, auditUsage)
	return 2
}

func auditVerify(ctx context.Context, st store.Store, tenant string, stdout, stderr io.Writer) int {
	var tenants []auth.TenantID
	if tenant != "" {
		tenants = []auth.TenantID{auth.TenantID(tenant)}
	}
	reps, err := store.Verify(ctx, st, tenants...)
	if err != nil {
		fmt.Fprintf(stderr, "earshot audit verify: %v\n", err)
		return 1
	}
	if len(reps) == 0 {
		fmt.Fprintln(stdout, "no audit events")
		return 0
	}
	status := 0
	for _, r := range reps {
		if r.OK() {
			fmt.Fprintf(stdout, "tenant %s: %d events (seq %d..%d): chain intact\n", r.Tenant, r.Events, r.Anchor+1, r.Head)
			continue
		}
		status = 1
		fmt.Fprintf(stdout, "tenant %s: BROKEN at seq %d: %s\n", r.Tenant, r.Broken.Seq, r.Broken.Reason)
	}
	return status
}

// takeFlags removes the named flags (-name v, -name=v, --name ...) from args
// and returns their values and the remaining args.
func takeFlags(args []string, names ...string) (map[string]string, []string, error) {
	own := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !contains(names, name) {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag -%s needs a value", name)
			}
			i++
			val = args[i]
		}
		own[name] = val
	}
	return own, rest, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
