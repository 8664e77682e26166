package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// SecretFileName is the file in the data directory that holds the HS256
// secret, hex encoded.
const SecretFileName = "jwt-secret"

// LoadOrCreateSecret returns the HS256 secret kept in <dir>/jwt-secret,
// creating dir (0700) and a fresh 32-byte random secret (0600) on first
// start, so that tokens survive restarts without any setup.
//
// It refuses a file that group or others may read or write: whoever reads
// the secret can mint an admin token. It also refuses one that is not
// valid hex or decodes to fewer than 32 bytes.
func LoadOrCreateSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, SecretFileName)
	secret, err := readSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create secret dir %s: %w", dir, err)
	}
	secret = make([]byte, minSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate secret: %w", err)
	}
	if err := writeFileAtomic(path, []byte(hex.EncodeToString(secret)+"\n")); err != nil {
		return nil, fmt.Errorf("write secret %s: %w", path, err)
	}
	return secret, nil
}

// readSecret opens before checking the mode so the checks apply to the
// file actually read, not to whatever the path named a moment earlier.
func readSecret(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat secret %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secret %s: %w", path, errSecretNotRegular)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret %s mode %v (want 0600): %w", path, info.Mode().Perm(), errSecretPermission)
	}
	// Far more than any hex secret; bounds what a wrong path could make us read.
	text, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	secret, err := hex.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil {
		// The decode error would quote secret material; leave it out.
		return nil, fmt.Errorf("secret %s: %w", path, errSecretNotHex)
	}
	if len(secret) < minSecretBytes {
		return nil, fmt.Errorf("secret %s: %d bytes: %w", path, len(secret), errSecretTooShort)
	}
	return secret, nil
}

// writeFileAtomic writes data to a 0600 temporary file beside path, syncs
// it, and renames it into place, so a crash never leaves a half-written
// secret that would refuse to load.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod states the requirement here.
	if err = tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes the rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
