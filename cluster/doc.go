// Package cluster joins an Earshot node to a cluster of nodes on NATS.
//
// What exists (docs/cluster.md): a node directory in JetStream KV (each node
// writes its record on a heartbeat; a node that stops heartbeating drops out
// within the heartbeat TTL), a conversation directory (the hosting node
// writes the routing-relevant state of each live conversation on every
// change and deletes it at the end), a Placer that picks the serving node a
// new conversation should go to, and drain. Cross-node request bridging,
// cluster-wide routing and failover are not built yet.
//
// The domain (callcenter) never imports this package: the conversation
// directory implements callcenter.Mirror, the interface the domain defines.
package cluster
