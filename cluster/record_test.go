package cluster

import "testing"

func TestDecodeNode(t *testing.T) {
	if _, err := decodeNode("a", []byte(`{"id":"a","state":"serving"}`)); err != nil {
		t.Fatalf("a good record: %v", err)
	}
	if _, err := decodeNode("a", []byte(`{"id":`)); err == nil {
		t.Fatal("decoded truncated JSON")
	}
	// A record must sit at its own key: another node cannot be
	// impersonated (or shadowed) by writing under a different key.
	if _, err := decodeNode("a", []byte(`{"id":"b","state":"serving"}`)); err == nil {
		t.Fatal("decoded a record naming another node")
	}
}
