package auth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateSecret(t *testing.T) {
	t.Run("creates dir and file with tight permissions, then reloads", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "nested")
		first, err := LoadOrCreateSecret(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 32 {
			t.Fatalf("secret is %d bytes, want 32", len(first))
		}
		assertPerm(t, dir, 0o700)
		path := filepath.Join(dir, SecretFileName)
		assertPerm(t, path, 0o600)
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(text)); got != hex.EncodeToString(first) {
			t.Fatalf("file holds %d chars, not the hex of the secret", len(got))
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("dir holds %d entries, want only the secret (no temp files left)", len(entries))
		}

		second, err := LoadOrCreateSecret(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatal("second load returned a different secret")
		}
	})

	t.Run("two directories get different secrets", func(t *testing.T) {
		a, err := LoadOrCreateSecret(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		b, err := LoadOrCreateSecret(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a, b) {
			t.Fatal("two fresh secrets are equal")
		}
	})

	t.Run("accepts an existing longer secret without trailing newline", func(t *testing.T) {
		dir := t.TempDir()
		want := bytes.Repeat([]byte{0xab}, 48)
		writeSecretFile(t, dir, hex.EncodeToString(want), 0o600)
		got, err := LoadOrCreateSecret(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("loaded secret differs from the file")
		}
	})

	refusals := []struct {
		name    string
		content string
		perm    os.FileMode
		wantErr error
	}{
		{"world readable", hex.EncodeToString(make([]byte, 32)), 0o604, errSecretPermission},
		{"group readable", hex.EncodeToString(make([]byte, 32)), 0o640, errSecretPermission},
		{"group writable", hex.EncodeToString(make([]byte, 32)), 0o620, errSecretPermission},
		{"too short", hex.EncodeToString(make([]byte, 31)), 0o600, errSecretTooShort},
		{"empty", "", 0o600, errSecretTooShort},
		{"not hex", strings.Repeat("zz", 32), 0o600, errSecretNotHex},
	}
	for _, tc := range refusals {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeSecretFile(t, dir, tc.content, tc.perm)
			_, err := LoadOrCreateSecret(dir)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.content != "" && strings.Contains(err.Error(), tc.content) {
				t.Fatal("error quotes the secret")
			}
			// A refused file is left for the operator to fix, never replaced.
			after, readErr := os.ReadFile(path)
			if readErr != nil || string(after) != tc.content {
				t.Fatalf("refused file was changed (read err %v)", readErr)
			}
		})
	}

	t.Run("refuses a directory in place of the file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, SecretFileName), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateSecret(dir); !errors.Is(err, errSecretNotRegular) {
			t.Fatalf("err = %v, want %v", err, errSecretNotRegular)
		}
	})

	t.Run("reports an uncreatable dir", func(t *testing.T) {
		parent := t.TempDir()
		file := filepath.Join(parent, "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateSecret(filepath.Join(file, "sub")); err == nil {
			t.Fatal("LoadOrCreateSecret under a regular file succeeded")
		}
	})
}

func writeSecretFile(t *testing.T, dir, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, SecretFileName)
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

func assertPerm(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %v, want %v", path, got, want)
	}
}
