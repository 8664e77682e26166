package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earshot/earshot/store/sqlite"
)

func TestStoreConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "earshot.yaml")
	yaml := "store:\n  driver: postgres\n  dsn: postgres://db/earshot\n  schema: cc\n  retention: 2160h\n  retention_interval: 30m\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig([]string{"-config", file}, envOf(map[string]string{"EARSHOT_RETENTION": "720h"}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Store
	if s.Driver != "postgres" || s.DSN != "postgres://db/earshot" || s.Schema != "cc" || s.Retention != 720*time.Hour || s.RetentionInterval != 30*time.Minute {
		t.Fatalf("store config %+v", s)
	}
	def, err := LoadConfig(nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if def.Store.Driver != "sqlite" || def.Store.Retention != 0 || def.Store.SQLiteSynchronous != "full" {
		t.Fatalf("defaults %+v: make run must need nothing but a file", def.Store)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-store", "mysql"}, nil, "use sqlite or postgres"},
		{[]string{"-store", "postgres"}, nil, "needs a DSN"},
		{nil, map[string]string{"EARSHOT_RETENTION": "-1h"}, "negative"},
		{[]string{"-retention", "10m"}, nil, "under an hour"},
		{[]string{"-retention", "90d"}, nil, "-retention"},
	} {
		_, err := LoadConfig(tc.args, envOf(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
}

// The embedded default opens a SQLite file in the data directory, private
// to the server's user.
func TestOpenStoreDefault(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	st, err := openStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, err := os.Stat(filepath.Join(cfg.DataDir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("store file mode %v", fi.Mode().Perm())
	}
}

func TestTakeFlags(t *testing.T) {
	own, rest, err := takeFlags([]string{"-data", "d", "-tenant", "t1", "--older-than=24h", "-x"}, "tenant", "older-than")
	if err != nil || own["tenant"] != "t1" || own["older-than"] != "24h" || strings.Join(rest, " ") != "-data d -x" {
		t.Fatalf("%v %v %v", own, rest, err)
	}
	if _, _, err := takeFlags([]string{"-tenant"}, "tenant"); err == nil {
		t.Fatal("a flag without value was accepted")
	}
}
