/**
 * The one SDP shape Earshot negotiates: exactly `slots` audio m-lines, the
 * first sendrecv (microphone and receive slot 0), the others recvonly. The
 * server refuses anything else with bad_offer; checking here first turns a
 * browser quirk into a clear client-side error.
 */

/** Direction of each m-line of an SDP, in order. */
export function mediaDirections(sdp: string): { kind: string; direction: string }[] {
  const out: { kind: string; direction: string }[] = [];
  let sessionDir = 'sendrecv';
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      out.push({ kind: line.slice(2).split(' ')[0] ?? '', direction: sessionDir });
      continue;
    }
    const m = /^a=(sendrecv|recvonly|sendonly|inactive)\s*$/.exec(line);
    if (!m) continue;
    const last = out[out.length - 1];
    if (last) last.direction = m[1]!;
    else sessionDir = m[1]!;
  }
  return out;
}

/** Returns null when sdp has Earshot's shape, else why not. */
export function checkOfferShape(sdp: string, slots: number): string | null {
  const lines = mediaDirections(sdp);
  if (lines.length !== slots) return `${lines.length} m-lines, want ${slots}`;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.kind !== 'audio') return `m-line ${i} is ${l.kind}, want audio`;
    const want = i === 0 ? 'sendrecv' : 'recvonly';
    if (l.direction !== want) return `m-line ${i} is ${l.direction}, want ${want}`;
  }
  return null;
}
