package hostcheck

import "errors"

// ErrBadEntry is returned by New for an allow-list entry that is not a host
// name, an IP, host:port, "*.domain" or "*".
var ErrBadEntry = errors.New("bad allowed host")
