// Package hostcheck holds the allow-list of host names the HTTP server
// answers to. It is the defence against DNS rebinding: a web page on a
// domain the attacker controls re-points that domain to 127.0.0.1 (or to
// the server's private address), and the victim's browser then talks to
// the server with the attacker's name in Host and Origin. Checking Host and
// Origin against names the operator chose closes that hole; checking them
// against each other does not.
package hostcheck
