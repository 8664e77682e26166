#!/usr/bin/env bash
# Runs a command (the browser end-to-end tests) in a network namespace of
# its own: loopback plus one veth interface with 198.18.0.1/24 (RFC 2544's
# benchmarking range) and a default route through it. Nothing leaves the
# namespace: the peer address 198.18.0.2 does not exist, and the server and
# the browsers all run inside.
#
# Why: Firefox gathers no ICE candidates on loopback (whatever
# media.peerconnection.ice.loopback says) and none at all without a default
# route, so the Firefox tests need a real interface address for the
# server's media — one that is this test's own, not the machine's network.
# EARSHOT_E2E_MEDIA_IP tells the tests which address that is.
set -euo pipefail
if [ "${EARSHOT_IN_TEST_NETNS:-}" = 1 ]; then
	ip link set lo up
	ip link add es0 type veth peer name es1
	ip addr add 198.18.0.1/24 dev es0
	ip link set es0 up
	ip link set es1 up
	ip route add default via 198.18.0.2 dev es0
	export EARSHOT_E2E_MEDIA_IP=198.18.0.1
	exec "$@"
fi
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
	echo "isolated-net.sh: needs unshare (util-linux) and ip (iproute2)" >&2
	exit 1
fi
as_root=()
[ "$(id -u)" = 0 ] || as_root=(--map-root-user)
EARSHOT_IN_TEST_NETNS=1 exec unshare --net "${as_root[@]}" "$0" "$@"
