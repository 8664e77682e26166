package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 10}
	_, _ = b.Write([]byte("0123456789"))
	_, _ = b.Write([]byte("abc"))
	if got := b.String(); got != "3456789abc" {
		t.Fatalf("%q", got)
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "server", "main.go")); err != nil {
		t.Fatalf("root %s: %v", root, err)
	}
}

func TestFreePort(t *testing.T) {
	p, err := freePort()
	if err != nil || p <= 0 || p > 65535 {
		t.Fatalf("%d %v", p, err)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"-calls", "0", "-chats", "0"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errOut.String(), "not both 0") {
		t.Fatalf("stderr %q", errOut.String())
	}
	errOut.Reset()
	if code := run(t.Context(), []string{"-h"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "-find-max") {
		t.Fatalf("help: exit %d, %q", code, errOut.String())
	}
}
