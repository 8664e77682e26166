package cluster

// Kill cuts the node's NATS connection without a goodbye, as a crash does:
// its record stays until it expires. Call Close afterwards to stop its
// goroutines.
func Kill(n *Node) { n.nc.Close() }
