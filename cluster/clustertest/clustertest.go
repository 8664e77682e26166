// Package clustertest gives tests a real NATS server and cluster names of
// their own, cleaned up afterwards. Like the PostgreSQL tests, a test skips
// with the reason when no NATS server is reachable, unless
// EARSHOT_REQUIRE_NATS=1 (CI), where it fails.
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/cluster"
)

// defaultURL is the NATS server (JetStream on) of the project's machines.
const defaultURL = "nats://127.0.0.1:4222"

// URL is the NATS server tests use: EARSHOT_TEST_NATS_URL, or the local one.
func URL() string {
	if u := os.Getenv("EARSHOT_TEST_NATS_URL"); u != "" {
		return u
	}
	return defaultURL
}

// Require returns the NATS URL, or skips the test (fails it under
// EARSHOT_REQUIRE_NATS=1) when no NATS server with JetStream answers there.
func Require(t testing.TB) string {
	t.Helper()
	url := URL()
	err := probe(url)
	if err == nil {
		return url
	}
	msg := "NATS with JetStream not reachable at " + url + " (set EARSHOT_TEST_NATS_URL): " + err.Error()
	if os.Getenv("EARSHOT_REQUIRE_NATS") == "1" {
		t.Fatalf("%s; EARSHOT_REQUIRE_NATS=1 requires it", msg)
	}
	t.Skipf("SKIP: %s; set EARSHOT_REQUIRE_NATS=1 to make this a failure", msg)
	return ""
}

func probe(url string) error {
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err
}

// Name returns a cluster name no other test uses, and deletes the
// cluster's buckets when the test ends (after the cleanups registered
// later, such as closing the test's nodes).
func Name(t testing.TB, url string) string {
	t.Helper()
	var b [5]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
		if err != nil {
			t.Errorf("clean up cluster %s: %v", name, err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Errorf("clean up cluster %s: %v", name, err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, bucket := range []string{cluster.NodesBucket(name), cluster.ConversationsBucket(name), cluster.TenantsBucket(name), cluster.SessionsBucket(name)} {
			if err := js.DeleteKeyValue(ctx, bucket); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
				t.Errorf("delete bucket %s: %v", bucket, err)
			}
		}
	})
	return name
}

// Bucket opens one of a cluster's buckets on a connection of the test's
// own (closed when the test ends), to read what the nodes wrote.
func Bucket(t testing.TB, url, bucket string) jetstream.KeyValue {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatalf("open bucket %s: %v", bucket, err)
	}
	return kv
}
