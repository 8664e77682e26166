package media

// The package's seams are small and live beside their users: rtpWriter
// (sender.go) is what a slot writes to, datagramSink (batchio.go) is what
// the send batch flushes to. Tests put recorders in their place.
