/**
 * Firefox ESR against the real server, beside Chromium: Earshot's media
 * transport is its own (ICE-lite, DTLS, SRTP), so every browser's offer,
 * ICE, DTLS role and RTP must be proven, not assumed.
 *
 *   1. Firefox is the customer (440 Hz), Chromium the agent (660 Hz) and
 *      the supervisor (880 Hz): audio both ways, then Listen, Whisper,
 *      Barge and back to Listen with the tone assertions of the Chromium
 *      test, measured in the Firefox page; the customer's WebSocket frames
 *      never name the supervisor before Barge. getStats packet counts of
 *      the Firefox leg are printed.
 *   2. Firefox is the supervisor: in Listen it hears both parties, in
 *      Whisper the agent hears it and the customer does not.
 */
import type { Page as FirefoxPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchParticipant, signIn, type Participant } from './harness/browser';
import { ffClickButton, ffRTPCounts, ffSignIn, ffWaitSelector, ffWaitText, launchFirefox, type FirefoxParticipant, type RTPCounts } from './harness/firefox';
import { buildServer, startServer, testNetworkIP, type RunningServer } from './harness/server';
import { expectHears, expectSilent, hears, sampleTones, silent, waitSample, type PageEvaluator, type Tone, type ToneSample } from './harness/tones';

const T = 60_000;

let server: RunningServer;
let agent: Participant;
/** Per phase: who measured what, printed at the end. */
const measured: { phase: string; page: string; sample: ToneSample }[] = [];
const counts: { phase: string; counts: RTPCounts }[] = [];
const open: { close: () => Promise<void> }[] = [];

beforeAll(async () => {
  if (!testNetworkIP) {
    throw new Error('Firefox gathers no loopback ICE candidates: run the browser tests through client/e2e/isolated-net.sh (as `make test` does)');
  }
  server = await startServer(buildServer(), testNetworkIP);
  agent = await launchParticipant('agent', 660, server.base);
  open.push(agent);
  await signIn(agent, 'alex');
  await agent.page.getByRole('button', { name: 'Ready', exact: true }).click();
  await agent.page.locator('[data-testid="agent-state"]', { hasText: 'Ready' }).waitFor({ timeout: T });
});

afterAll(async () => {
  report();
  const trouble = server?.log().split('\n').filter((l) => /level=(WARN|ERROR)/.test(l)) ?? [];
  if (trouble.length) console.log(`server warnings and errors:\n  ${trouble.slice(-30).join('\n  ')}`);
  for (const p of open) await p.close();
  await server?.stop();
});

async function record(phase: string, page: PageEvaluator, name: string): Promise<ToneSample> {
  const s = await sampleTones(page, 1500);
  measured.push({ phase, page: name, sample: s });
  return s;
}

function report(): void {
  const lines = ['', 'Firefox run: tone levels (median dBFS over 1.5 s; frames where the tone stood out):'];
  for (const m of measured) {
    const cell = (t: Tone): string => `${t} Hz ${m.sample.median[t].toFixed(1)} (${m.sample.tonalFrames[t]}/${m.sample.frames})`.padEnd(24);
    lines.push(`  ${m.phase.padEnd(30)} ${m.page.padEnd(20)} ${cell(440)}${cell(660)}${cell(880)}`);
  }
  lines.push('Firefox getStats (RTP packets):');
  for (const c of counts) lines.push(`  ${c.phase.padEnd(30)} sent ${c.counts.sent}, received ${c.counts.received}, lost ${c.counts.lost}`);
  console.log(lines.join('\n'));
}

/** The Chromium agent answers the next offered call. */
async function agentAccepts(): Promise<void> {
  await agent.page.getByRole('alertdialog').waitFor({ timeout: T });
  await agent.page.getByRole('button', { name: 'Accept' }).click();
  await agent.page.getByText(/Connected · support/).first().waitFor({ timeout: T });
}

/** Monitors the customer's call from a Chromium supervisor page. */
async function chromiumMonitors(sup: Participant): Promise<void> {
  const row = sup.page.locator('tr[data-conversation]', { hasText: 'Carla Customer' });
  await row.locator('.badge', { hasText: 'active' }).waitFor({ timeout: T });
  await sup.page.getByRole('button', { name: 'Monitor Carla Customer with Alex Agent' }).click();
  await sup.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });
}

async function chromiumMode(sup: Participant, mode: 'Listen' | 'Whisper' | 'Barge'): Promise<void> {
  await sup.page.getByRole('group', { name: 'Monitoring mode' }).getByRole('button', { name: mode }).click();
  await sup.page.locator(`.monitor[data-mode="${mode.toLowerCase()}"]`).waitFor({ timeout: T });
}

async function firefoxMode(page: FirefoxPage, mode: 'Listen' | 'Whisper' | 'Barge'): Promise<void> {
  await ffClickButton(page, mode, '[role="group"][aria-label="Monitoring mode"]');
  await ffWaitSelector(page, `.monitor[data-mode="${mode.toLowerCase()}"]`);
}

describe('Firefox ESR end to end', () => {
  it('Firefox customer: audio both ways; Listen, Whisper, Barge and back', async () => {
    const customer: FirefoxParticipant = await launchFirefox('customer', 440, server.base);
    const supervisor = await launchParticipant('supervisor', 880, server.base);
    open.push(customer, supervisor);
    await signIn(supervisor, 'sam');
    await ffSignIn(customer, server.base, 'carla');

    await ffClickButton(customer.page, 'Call us');
    await ffClickButton(customer.page, 'Allow microphone and call');
    await agentAccepts();
    await ffWaitText(customer.page, 'Connected with Alex Agent');

    const ff = customer.page;
    const ffEars = customer.probe;
    await waitSample(ffEars, 'the Firefox customer to hear the agent', (s) => hears(s, 660));
    await waitSample(agent.page, 'the agent to hear the Firefox customer', (s) => hears(s, 440));
    const connected = await record('connected', ffEars, 'firefox customer');
    expectHears(connected, 'Firefox customer', 660);
    expectSilent(connected, 'Firefox customer', 880);
    expectHears(await record('connected', agent.page, 'chromium agent'), 'agent', 440);
    counts.push({ phase: 'customer connected', counts: await ffRTPCounts(ff) });

    const framesBefore = (await customer.framesReceived()).length;
    await chromiumMonitors(supervisor);
    await waitSample(supervisor.page, 'the supervisor to hear both', (s) => hears(s, 440) && hears(s, 660));
    expectSilent(await record('listen', ffEars, 'firefox customer'), 'Firefox customer', 880);

    await chromiumMode(supervisor, 'Whisper');
    await waitSample(agent.page, 'the agent to hear the whisper', (s) => hears(s, 880));
    const whisper = await record('whisper', ffEars, 'firefox customer');
    expectSilent(whisper, 'Firefox customer', 880);
    expectHears(whisper, 'Firefox customer', 660);

    // Nothing of Listen or Whisper reached the Firefox customer's socket.
    for (const f of (await customer.framesReceived()).slice(framesBefore)) expect(f).not.toMatch(/Sam|supervisor|whisper|monitor|coach|listen/i);

    await chromiumMode(supervisor, 'Barge');
    await ffWaitText(ff, 'Sam Supervisor joined the conversation.');
    await waitSample(ffEars, 'the Firefox customer to hear the barged-in supervisor', (s) => hears(s, 880));
    expectHears(await record('barge', ffEars, 'firefox customer'), 'Firefox customer', 880);

    await chromiumMode(supervisor, 'Listen');
    await waitSample(ffEars, 'the Firefox customer to stop hearing the supervisor', (s) => silent(s, 880));
    const back = await record('back to listen', ffEars, 'firefox customer');
    expectSilent(back, 'Firefox customer', 880);
    expectHears(back, 'Firefox customer', 660);

    const end = await ffRTPCounts(ff);
    counts.push({ phase: 'customer at the end', counts: end });
    expect(end.sent).toBeGreaterThan(counts[0]!.counts.sent);
    expect(end.received).toBeGreaterThan(counts[0]!.counts.received);

    await supervisor.page.getByRole('button', { name: 'Leave' }).click();
    await supervisor.page.getByText('Not monitoring.').waitFor({ timeout: T });
    await ffClickButton(ff, 'End call');
    await ffWaitText(ff, 'You ended the conversation.');
    await agent.page.getByRole('button', { name: 'Close' }).click();
    await supervisor.close();
    await customer.close();
  });

  it('Firefox supervisor: hears both in Listen; the agent hears it in Whisper, the customer does not', async () => {
    const customer = await launchParticipant('customer', 440, server.base);
    const supervisor = await launchFirefox('supervisor', 880, server.base);
    open.push(customer, supervisor);
    await ffSignIn(supervisor, server.base, 'sam');
    await signIn(customer, 'carla');

    await customer.page.getByRole('button', { name: 'Call us' }).click();
    await customer.page.getByRole('button', { name: 'Allow microphone and call' }).click();
    await agentAccepts();
    await customer.page.getByText('Connected with Alex Agent').first().waitFor({ timeout: T });

    const ff = supervisor.page;
    const ffEars = supervisor.probe;
    await ffWaitText(ff, 'Carla Customer');
    await ffClickButton(ff, 'Monitor Carla Customer with Alex Agent');
    await ffWaitSelector(ff, '.monitor[data-mode="listen"]');
    await waitSample(ffEars, 'the Firefox supervisor to hear both parties', (s) => hears(s, 440) && hears(s, 660));
    const listen = await record('listen', ffEars, 'firefox supervisor');
    expectHears(listen, 'Firefox supervisor', 440);
    expectHears(listen, 'Firefox supervisor', 660);
    expectSilent(await record('listen', customer.page, 'chromium customer'), 'customer', 880);
    counts.push({ phase: 'supervisor in Listen', counts: await ffRTPCounts(ff) });

    await firefoxMode(ff, 'Whisper');
    await waitSample(agent.page, 'the agent to hear the Firefox whisper', (s) => hears(s, 880));
    expectHears(await record('whisper', agent.page, 'chromium agent'), 'agent', 880);
    expectSilent(await record('whisper', customer.page, 'chromium customer'), 'customer', 880);
    counts.push({ phase: 'supervisor in Whisper', counts: await ffRTPCounts(ff) });

    await ffClickButton(ff, 'Leave');
    await ffWaitText(ff, 'Not monitoring.');
    await customer.page.getByRole('button', { name: 'End call' }).click();
    await customer.page.getByText('You ended the conversation.').first().waitFor({ timeout: T });
  });
});
