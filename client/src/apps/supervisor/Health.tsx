/** Call health on the console: who talks now, ratio, silences, alerts, and the last minute as a timeline (docs/call-health.md). */
import { floor, type HealthRule, type HealthView, type PartyHealth, type PartyTimeline } from '../../sdk';

const ruleText: Record<HealthRule, string> = {
  long_silence: 'Long silence',
  over_talk: 'Over-talk',
  agent_talk_ratio: 'Agent talks most',
  raised_voice: 'Raised voice',
};

/** The label of a health rule. */
export function healthRuleText(r: HealthRule): string {
  return ruleText[r] ?? r;
}

function partyLabel(p: { role: string; name: string }): string {
  return p.role === 'customer' ? `Customer ${p.name}` : p.role === 'agent' ? `Agent ${p.name}` : `${p.name} (barged in)`;
}

const stateText: Record<PartyHealth['state'], string> = { talking: 'talking', quiet: 'quiet', held: 'on hold', muted: 'muted', no_audio: 'no audio' };

/** Who is talking now: one chip per audible party, lit while it talks. */
export function TalkingNow({ h }: { h: HealthView | undefined }) {
  if (!h) return <span class="muted">–</span>;
  return (
    <span class="talking-now" data-testid="talking-now">
      {h.parties.map((p) => (
        <span key={`${p.role}-${p.name}`} class={`talk-chip talk-${p.state}`} title={`${partyLabel(p)}: ${stateText[p.state]}`}>
          {p.role === 'customer' ? 'C' : p.role === 'agent' ? 'A' : 'S'}
          <span class="visually-hidden">
            {' '}
            {partyLabel(p)} {stateText[p.state]}
          </span>
        </span>
      ))}
    </span>
  );
}

/** The raised rules as badges. */
export function HealthAlerts({ h }: { h: HealthView | undefined }) {
  if (!h || h.alerts.length === 0) return null;
  return (
    <>
      {h.alerts.map((r) => (
        <span key={r} class={`badge health-alert health-${r}`} data-testid="health-alert">
          {healthRuleText(r)}
          {r === 'long_silence' ? ` ${h.silence_s}s` : ''}
        </span>
      ))}
    </>
  );
}

/** Seconds as "12s" or "2m05s". */
export function secs(s: number): string {
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The monitored call's health: the numbers, then the last minute of who spoke when. */
export function HealthPanel({ h, timeline }: { h: HealthView | undefined; timeline: PartyTimeline[] | undefined }) {
  if (!h) return null;
  return (
    <div class="health-panel" data-testid="health-panel">
      <h3>Call health</h3>
      <p>
        <TalkingNow h={h} /> <HealthAlerts h={h} />
      </p>
      <dl class="health-numbers">
        <dt>Talk ratio (customer:agent)</dt>
        <dd>
          {floor.talkRatio(h)} ({secs(h.customer_talk_s)} / {secs(h.agent_talk_s)})
        </dd>
        <dt>Silence now / longest</dt>
        <dd>
          {secs(h.silence_s)} / {secs(h.longest_silence_s)}
        </dd>
        <dt>Over-talk</dt>
        <dd>
          {secs(h.over_talk_s)} ({h.over_talk_count}×)
        </dd>
      </dl>
      {timeline && timeline.length > 0 && <Timeline tracks={timeline} />}
    </div>
  );
}

/** The last 60 s of who talked, one row per party, drawn in SVG (newest on the right). */
export function Timeline({ tracks }: { tracks: PartyTimeline[] }) {
  const rowH = 14;
  const labelW = 90;
  const secW = 4;
  const width = labelW + 60 * secW;
  return (
    <svg class="health-timeline" role="img" aria-label="Who talked in the last 60 seconds" width={width} height={tracks.length * rowH + 12} viewBox={`0 0 ${width} ${tracks.length * rowH + 12}`}>
      {tracks.map((t, row) => (
        <g key={`${t.role}-${t.name}`} transform={`translate(0 ${row * rowH})`}>
          <text x={0} y={rowH - 4} class="tl-label">
            {t.role === 'customer' ? 'Customer' : t.role === 'agent' ? 'Agent' : t.name}
          </text>
          <rect x={labelW} y={2} width={60 * secW} height={rowH - 4} class="tl-track" />
          {[...t.talked].map((c, i) =>
            c === '1' ? <rect key={i} x={labelW + i * secW} y={2} width={secW} height={rowH - 4} class={`tl-talk tl-${t.role}`} /> : null,
          )}
        </g>
      ))}
      <text x={labelW} y={tracks.length * rowH + 10} class="tl-axis">
        −60 s
      </text>
      <text x={width} y={tracks.length * rowH + 10} class="tl-axis" text-anchor="end">
        now
      </text>
    </svg>
  );
}
