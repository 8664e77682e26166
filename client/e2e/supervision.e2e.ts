/**
 * The three screens in real Chromium against the real server: a customer
 * (microphone playing 440 Hz), an agent (660 Hz) and a supervisor (880 Hz),
 * each in its own browser. Every page measures what it hears with WebAudio
 * analysers, and the test checks the promise of docs/hear-matrix.md:
 *
 *   connected: customer and agent hear each other;
 *   Listen:    the supervisor hears both; nobody hears 880 Hz (even with the
 *              supervisor's microphone forced on: the server gates it);
 *   Whisper:   the agent hears 880 Hz; the customer never does;
 *   Barge:     the customer hears 880 Hz;
 *   Listen:    880 Hz stops again;
 *   PCI pause: the supervisor stops hearing 440 Hz while agent and customer
 *              still hear each other, and hears it again after the resume.
 *
 * Chat: a whisper shows on the agent's page and never on the customer's,
 * neither on screen nor in any WebSocket frame the customer receives. A help
 * request raised on the agent's page appears on the supervisor's and is
 * accepted there. The audit page finds every supervisor action.
 *
 * Take-over and transfer, driven in the pages: the supervisor's meters are
 * labelled by the server's slot map; the supervisor takes a call over (the
 * customer now hears 880 Hz, not the agent's 660 Hz) and transfers it back
 * to the agent picked from the list of Ready agents; the agent transfers it
 * to Bea (signed in in the supervisor's browser, so 880 Hz) picked from the
 * list. A second sign-in of the agent closes the first tab with "Signed in
 * elsewhere", and the new tab dials the customer (outbound).
 * Screenshots of each screen go to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchParticipant, signIn as openAs, type Participant } from './harness/browser';
import { buildServer, repoRoot, startServer, waitFor, type RunningServer } from './harness/server';
import { expectHears, expectSilent, hears, sampleTones, silent, waitSample, type Tone, type ToneSample } from './harness/tones';

const SHOTS = join(repoRoot, 'docs', 'screenshots');
const T = 60_000; // UI waits: generous for a loaded 2-core machine

let server: RunningServer;
let customer: Participant;
let agent: Participant;
let supervisor: Participant;
/** Tone levels per phase and page, printed at the end. */
const measured: { phase: string; page: string; sample: ToneSample }[] = [];

const WHISPER_VOICE_CHAT = 'Coach: offer the loyalty discount now';
const WHISPER_CHAT = 'Whisper: check the March invoice first';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A short long-silence rule, so that the call-health alert can be shown.
  server = await startServer(buildServer(), '127.0.0.1', ['-health-long-silence', '3s']);
  [customer, agent, supervisor] = await Promise.all([
    launchParticipant('customer', 440, server.base),
    launchParticipant('agent', 660, server.base),
    launchParticipant('supervisor', 880, server.base),
  ]);
});

afterAll(async () => {
  printLevels();
  const serverTrouble = server?.log().split('\n').filter((l) => /level=(WARN|ERROR)/.test(l)) ?? [];
  if (serverTrouble.length) console.log(`server warnings and errors:\n  ${serverTrouble.slice(-30).join('\n  ')}`);
  for (const p of [customer, agent, supervisor]) {
    if (p?.errors.length) console.log(`${p.name} page errors:\n  ${p.errors.join('\n  ')}`);
    await p?.close();
  }
  await server?.stop();
});

/** Opens a demo user's screen from the start page, optionally with a screenshot of the start page. */
async function signIn(p: Participant, user: string, shot?: string): Promise<void> {
  await openAs(p, user, shot ? () => screenshot(p.page, shot) : undefined);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Waits until a page's text contains s. */
async function waitText(p: Participant, s: string | RegExp, timeout = T): Promise<void> {
  await p.page.getByText(s).first().waitFor({ timeout });
}

/** Records a window of each page's levels for the report and returns them. */
async function record(phase: string, pages: Participant[]): Promise<Record<string, ToneSample>> {
  const out: Record<string, ToneSample> = {};
  for (const p of pages) {
    const s = await sampleTones(p.page, 1500);
    measured.push({ phase, page: p.name, sample: s });
    out[p.name] = s;
  }
  return out;
}

function printLevels(): void {
  if (measured.length === 0) return;
  const lines = ['', 'Tone levels heard (median dBFS over 1.5 s; max; frames where the tone stood out as a narrow peak):'];
  lines.push('phase                 page         440 Hz (customer)          660 Hz (agent)             880 Hz (supervisor)');
  for (const m of measured) {
    const cell = (t: Tone): string => `${m.sample.median[t].toFixed(1)} (max ${m.sample.max[t].toFixed(1)}, ${m.sample.tonalFrames[t]}/${m.sample.frames})`.padEnd(27);
    lines.push(`${m.phase.padEnd(21)} ${m.page.padEnd(12)} ${cell(440)}${cell(660)}${cell(880)}`);
  }
  console.log(lines.join('\n'));
}

describe('browser clients end to end', () => {
  let convRow = '';

  it('voice: Listen, Whisper, Barge and back, measured in each page', async () => {
    await signIn(supervisor, 'sam', 'start');
    await signIn(agent, 'alex');
    await signIn(customer, 'carla');

    await agent.page.getByRole('button', { name: 'Ready', exact: true }).click();
    await agent.page.locator('[data-testid="agent-state"]', { hasText: 'Ready' }).waitFor({ timeout: T });
    await screenshot(customer.page, 'customer-start');

    // The customer calls: the permission step, then the call.
    await customer.page.getByRole('button', { name: 'Call us' }).click();
    await customer.page.getByRole('button', { name: 'Allow microphone and call' }).click();
    await agent.page.getByRole('alertdialog').waitFor({ timeout: T });
    await screenshot(agent.page, 'agent-incoming');
    await agent.page.getByRole('button', { name: 'Accept' }).click();
    await waitText(customer, 'Connected with Alex Agent');
    await waitText(agent, /Connected · support/);

    await waitSample(customer.page, 'customer to hear the agent', (s) => hears(s, 660));
    await waitSample(agent.page, 'agent to hear the customer', (s) => hears(s, 440));
    const connected = await record('connected', [customer, agent]);
    expectHears(connected.customer!, 'customer', 660);
    expectHears(connected.agent!, 'agent', 440);
    expectSilent(connected.customer!, 'customer', 880);
    expectSilent(connected.agent!, 'agent', 880);
    await screenshot(customer.page, 'customer-call');

    // The dashboard shows the call live; the supervisor starts monitoring (Listen).
    const row = supervisor.page.locator('tr[data-conversation]', { hasText: 'Carla Customer' });
    await row.locator('.badge', { hasText: 'active' }).waitFor({ timeout: T });
    convRow = (await row.getAttribute('data-conversation')) ?? '';
    const customerFramesBefore = customer.framesReceived.length;
    await supervisor.page.getByLabel('Reason for monitoring').fill('quality check');
    await supervisor.page.getByRole('button', { name: 'Monitor Carla Customer with Alex Agent' }).click();
    await supervisor.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });
    await row.locator('svg[aria-label="Monitored by Sam Supervisor in Listen"]').waitFor({ timeout: T });

    await waitSample(supervisor.page, 'supervisor to hear customer and agent', (s) => hears(s, 440) && hears(s, 660));
    const listen = await record('listen', [supervisor, customer, agent]);
    expectHears(listen.supervisor!, 'supervisor', 440);
    expectHears(listen.supervisor!, 'supervisor', 660);
    expectSilent(listen.customer!, 'customer', 880);
    expectSilent(listen.agent!, 'agent', 880);
    await screenshot(supervisor.page, 'supervisor-listen');

    // Call health: customer and agent fall silent (their microphones off in
    // the browsers: the server still receives packets, at silence level).
    // The console raises "long silence" on the row, and clears it when the
    // customer speaks again.
    const mic = (on: boolean) => window.earshotClient!.conversations.find((c) => c.call)!.call!.setMicrophoneEnabled(on);
    await customer.page.evaluate(mic, false);
    await agent.page.evaluate(mic, false);
    await row.locator('[data-testid="health-alert"].health-long_silence').waitFor({ timeout: T });
    await screenshot(supervisor.page, 'supervisor-health');
    await customer.page.evaluate(mic, true);
    await agent.page.evaluate(mic, true);
    await row.locator('[data-testid="health-alert"].health-long_silence').waitFor({ state: 'detached', timeout: T });
    await waitSample(supervisor.page, 'supervisor to hear customer and agent again', (s) => hears(s, 440) && hears(s, 660));

    // The server gates a Listen supervisor whatever the browser sends:
    // switch the supervisor's microphone on behind the UI's back.
    await supervisor.page.evaluate(() => window.earshotClient!.conversations.find((c) => c.call)!.call!.setMicrophoneEnabled(true));
    const forced = await record('listen, mic forced on', [customer, agent]);
    expectSilent(forced.customer!, 'customer', 880);
    expectSilent(forced.agent!, 'agent', 880);
    await supervisor.page.evaluate(() => window.earshotClient!.conversations.find((c) => c.call)!.call!.setMicrophoneEnabled(false));

    // The dial pad sends real RFC 4733 digits on the supervisor's leg: *2
    // switches to Whisper, *1 back to Listen (star codes, decided by the
    // server from the digits it received).
    const dial = async (keys: string): Promise<void> => {
      for (const k of keys) await supervisor.page.getByRole('group', { name: 'Dial pad' }).getByRole('button', { name: `Key ${k}`, exact: true }).click();
    };
    await dial('*2');
    await supervisor.page.locator('.monitor[data-mode="whisper"]').waitFor({ timeout: T });
    await agent.page.locator('[data-testid="monitoring-indicator"]', { hasText: 'Coached' }).waitFor({ timeout: T });
    await dial('*1');
    await supervisor.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });

    // Whisper: the agent hears the supervisor, the customer never does.
    await supervisor.page.getByRole('group', { name: 'Monitoring mode' }).getByRole('button', { name: 'Whisper' }).click();
    await supervisor.page.locator('.monitor[data-mode="whisper"]').waitFor({ timeout: T });
    await agent.page.locator('[data-testid="monitoring-indicator"]', { hasText: 'Coached' }).waitFor({ timeout: T });
    await waitSample(agent.page, 'agent to hear the whisper', (s) => hears(s, 880));
    const whisper = await record('whisper', [agent, customer, supervisor]);
    expectHears(whisper.agent!, 'agent', 880);
    expectHears(whisper.agent!, 'agent', 440);
    expectSilent(whisper.customer!, 'customer', 880);
    expectHears(whisper.customer!, 'customer', 660);

    // A chat whisper during the call reaches the agent's whisper pane.
    await supervisor.page.getByRole('tab', { name: /Whisper/ }).click();
    await supervisor.page.getByLabel('Message for the Whisper thread').fill(WHISPER_VOICE_CHAT);
    await supervisor.page.getByLabel('Message for the Whisper thread').press('Enter');
    await agent.page.locator('[data-thread="agent-whisper"]').getByText(WHISPER_VOICE_CHAT).waitFor({ timeout: T });
    await screenshot(supervisor.page, 'supervisor-whisper');
    await screenshot(agent.page, 'agent-coached');

    // Talk-back (keyboard: hold Space on the key): only the coach hears the agent.
    const key = agent.page.getByRole('button', { name: /talk to coach/ });
    await key.focus();
    await agent.page.keyboard.down(' ');
    await agent.page.getByRole('button', { name: 'Talking to coach…' }).waitFor({ timeout: T });
    await waitSample(customer.page, 'customer to stop hearing the talking-back agent', (s) => silent(s, 660));
    const talkBack = await record('whisper + talk-back', [customer, supervisor]);
    expectSilent(talkBack.customer!, 'customer', 660);
    expectSilent(talkBack.customer!, 'customer', 880);
    expectHears(talkBack.supervisor!, 'supervisor', 660);
    await agent.page.keyboard.up(' ');
    await agent.page.getByRole('button', { name: 'Hold to talk to coach' }).waitFor({ timeout: T });
    await waitSample(customer.page, 'customer to hear the agent again', (s) => hears(s, 660));

    // Nothing of the above reached the customer: not one frame names the
    // supervisor, a mode, a whisper or monitoring.
    const quiet = customer.framesReceived.slice(customerFramesBefore);
    for (const f of quiet) expect(f).not.toMatch(/Sam|supervisor|whisper|monitor|coach|listen|quality check/i);

    // Barge: everyone hears the supervisor; the customer is told.
    await supervisor.page.getByRole('group', { name: 'Monitoring mode' }).getByRole('button', { name: 'Barge' }).click();
    await supervisor.page.locator('.monitor[data-mode="barge"]').waitFor({ timeout: T });
    await waitText(customer, 'Sam Supervisor joined the conversation.');
    await waitSample(customer.page, 'customer to hear the barged-in supervisor', (s) => hears(s, 880));
    const barge = await record('barge', [customer, agent, supervisor]);
    expectHears(barge.customer!, 'customer', 880);
    expectHears(barge.customer!, 'customer', 660);
    expectHears(barge.agent!, 'agent', 880);
    await screenshot(customer.page, 'customer-barge');
    await screenshot(supervisor.page, 'supervisor-barge');

    // Back to Listen: the supervisor goes silent for both.
    await supervisor.page.getByRole('group', { name: 'Monitoring mode' }).getByRole('button', { name: 'Listen' }).click();
    await supervisor.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });
    await waitSample(customer.page, 'customer to stop hearing the supervisor', (s) => silent(s, 880));
    await waitSample(agent.page, 'agent to stop hearing the supervisor', (s) => silent(s, 880));
    const back = await record('back to listen', [customer, agent, supervisor]);
    expectSilent(back.customer!, 'customer', 880);
    expectSilent(back.agent!, 'agent', 880);
    expectHears(back.customer!, 'customer', 660);
    expectHears(back.supervisor!, 'supervisor', 440);

    // PCI pause (the agent takes a payment): the supervisor stops hearing
    // the customer (440 Hz) and still hears the agent; customer and agent
    // keep hearing each other; the console says "paused (PCI)"; the
    // customer is told nothing. After the resume 440 Hz returns.
    const customerFramesBeforePause = customer.framesReceived.length;
    await agent.page.getByRole('button', { name: 'Pause for payment (PCI)' }).click();
    await agent.page.locator('[data-testid="pci-indicator"]').waitFor({ timeout: T });
    await row.locator('[data-testid="pci-badge"]', { hasText: 'paused (PCI)' }).waitFor({ timeout: T });
    await supervisor.page.locator('[data-testid="pci-status"]').waitFor({ timeout: T });
    await waitSample(supervisor.page, 'supervisor to stop hearing the customer during the PCI pause', (s) => silent(s, 440));
    const pci = await record('pci pause', [supervisor, customer, agent]);
    expectSilent(pci.supervisor!, 'supervisor', 440);
    expectHears(pci.supervisor!, 'supervisor', 660);
    expectHears(pci.agent!, 'agent', 440);
    expectHears(pci.customer!, 'customer', 660);
    await screenshot(supervisor.page, 'supervisor-pci-pause');
    await agent.page.getByRole('button', { name: 'Resume monitoring (PCI)' }).click();
    await row.locator('[data-testid="pci-badge"]').waitFor({ state: 'detached', timeout: T });
    await waitSample(supervisor.page, 'supervisor to hear the customer again after the resume', (s) => hears(s, 440));
    const resumed = await record('pci resumed', [supervisor]);
    expectHears(resumed.supervisor!, 'supervisor', 440);
    for (const f of customer.framesReceived.slice(customerFramesBeforePause)) expect(f).not.toMatch(/pci|pause|payment/i);
    expect(await customer.page.locator('body').innerText()).not.toMatch(/PCI|paus/i);

    // The whisper text never reached the customer, on screen or on the wire.
    expect(customer.framesReceived.join('\n')).not.toContain(WHISPER_VOICE_CHAT);
    expect(await customer.page.locator('body').innerText()).not.toContain(WHISPER_VOICE_CHAT);

    // A dropped socket resumes with visible status; the call goes on.
    await agent.page.evaluate(() => {
      const w = window as unknown as { states: string[] };
      w.states = [];
      window.earshotClient!.on('connectionStateChanged' as never, ((s: string) => w.states.push(s)) as never);
      window.earshotClient!.dropConnection();
    });
    await waitFor('the agent to resume', async () => {
      const states = await agent.page.evaluate(() => (window as unknown as { states: string[] }).states);
      return states.join(',') === 'reconnecting,connected';
    }, T);
    await waitSample(agent.page, 'agent to still hear the customer after resuming', (s) => hears(s, 440));

    // Wrap up: the supervisor leaves, the customer hangs up.
    await supervisor.page.getByRole('button', { name: 'Leave' }).click();
    await supervisor.page.getByText('Not monitoring.').waitFor({ timeout: T });
    await customer.page.getByRole('button', { name: 'End call' }).click();
    await waitText(customer, 'You ended the conversation.');
    await waitText(agent, /ended/);
    await agent.page.getByRole('button', { name: 'Close' }).click();
    await supervisor.page.locator(`tr[data-conversation="${convRow}"]`).waitFor({ state: 'detached', timeout: T });
  });

  it('chat and help: a whisper reaches the agent, never the customer; a help request is accepted', async () => {
    await customer.page.getByRole('button', { name: 'Start a new conversation' }).click();
    await customer.page.getByRole('button', { name: 'Chat with us' }).click();
    await agent.page.getByRole('alertdialog').waitFor({ timeout: T });
    await agent.page.getByRole('button', { name: 'Accept' }).click();
    await waitText(customer, 'Chatting with Alex Agent');

    const custInput = customer.page.getByLabel('Message for the Chat thread');
    await custInput.fill('Hello, my invoice looks wrong <b>twice</b>');
    await custInput.press('Enter');
    await agent.page.locator('[data-thread="agent-public"]').getByText('Hello, my invoice looks wrong <b>twice</b>').waitFor({ timeout: T });
    await agent.page.getByLabel('Message for the Customer thread').fill('Let me check that for you.');
    await agent.page.getByLabel('Message for the Customer thread').press('Enter');
    await customer.page.getByText('Let me check that for you.').waitFor({ timeout: T });

    // The agent asks for help: the supervisor is alerted (the dashboard row
    // gets a badge) and accepts; the customer learns nothing of it.
    const row = supervisor.page.locator('tr[data-conversation]', { hasText: 'Chat' });
    await row.locator('.badge', { hasText: 'active' }).waitFor({ timeout: T });
    const framesBefore = customer.framesReceived.length;
    await agent.page.getByRole('button', { name: 'Ask a supervisor for help' }).click();
    await agent.page.getByLabel('Reason (required)').fill('Customer asks for a refund');
    await agent.page.getByLabel('Comment (optional)').fill('wants to talk to a manager');
    await agent.page.getByRole('button', { name: 'Send help request' }).click();
    await agent.page.locator('[data-testid="help-status"]', { hasText: 'waiting for a supervisor' }).waitFor({ timeout: T });
    const helpItem = supervisor.page.locator('li[data-help]', { hasText: 'Customer asks for a refund' });
    await helpItem.waitFor({ timeout: T });
    await row.locator('[data-testid="help-badge"]', { hasText: 'Help requested' }).waitFor({ timeout: T });
    await screenshot(supervisor.page, 'supervisor-help');
    await helpItem.getByRole('button', { name: 'Accept help request from Alex Agent' }).click();
    await helpItem.getByText('You are helping.').waitFor({ timeout: T });
    await agent.page.locator('[data-testid="help-status"]', { hasText: 'Sam Supervisor is helping you' }).waitFor({ timeout: T });
    await row.locator('[data-testid="help-badge"]', { hasText: 'Helped by Sam Supervisor' }).waitFor({ timeout: T });
    await screenshot(agent.page, 'agent-help');

    // The supervisor monitors the chat from the help request, and whispers.
    await helpItem.getByRole('button', { name: /^Monitor/ }).click();
    await supervisor.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });
    await supervisor.page.getByRole('tab', { name: /Whisper/ }).click();
    await supervisor.page.getByLabel('Message for the Whisper thread').fill(WHISPER_CHAT);
    await supervisor.page.getByLabel('Message for the Whisper thread').press('Enter');
    await agent.page.locator('[data-thread="agent-whisper"]').getByText(WHISPER_CHAT).waitFor({ timeout: T });

    // The agent answers the customer; by the time that reaches the customer,
    // the whisper (sent before it) would have too.
    await agent.page.getByLabel('Message for the Customer thread').fill('Found it, one moment.');
    await agent.page.getByLabel('Message for the Customer thread').press('Enter');
    await customer.page.getByText('Found it, one moment.').waitFor({ timeout: T });
    expect(await customer.page.locator('body').innerText()).not.toContain(WHISPER_CHAT);
    expect(customer.framesReceived.join('\n')).not.toContain(WHISPER_CHAT);
    for (const f of customer.framesReceived.slice(framesBefore)) expect(f).not.toMatch(/Sam|supervisor|whisper|monitor|help|refund|manager/i);
    expect(await customer.page.locator('body').innerText()).not.toMatch(/refund|manager|help request/i);

    // The agent closes the help request; the alert goes away.
    await agent.page.getByRole('button', { name: 'Close help request' }).click();
    await agent.page.getByRole('button', { name: 'Ask a supervisor for help' }).waitFor({ timeout: T });
    await supervisor.page.getByText('No open help requests.').waitFor({ timeout: T });
    // Markup in a message is shown as text.
    expect(await agent.page.locator('[data-thread="agent-public"] b').count()).toBe(0);

    // The customer thread is read-only for a silent monitor; Barge opens it.
    await supervisor.page.getByRole('tab', { name: /Customer/ }).click();
    expect(await supervisor.page.getByLabel('Message for the Customer thread').isDisabled()).toBe(true);
    await screenshot(supervisor.page, 'supervisor-chat');
    await screenshot(agent.page, 'agent-chat');
    await screenshot(customer.page, 'customer-chat');
    await supervisor.page.getByRole('group', { name: 'Monitoring mode' }).getByRole('button', { name: 'Barge' }).click();
    await supervisor.page.locator('.monitor[data-mode="barge"]').waitFor({ timeout: T });
    await supervisor.page.getByLabel('Message for the Customer thread').fill('Hi, I am the team lead, happy to help.');
    await supervisor.page.getByLabel('Message for the Customer thread').press('Enter');
    await customer.page.getByText('Hi, I am the team lead, happy to help.').waitFor({ timeout: T });
    expect(await customer.page.locator('body').innerText()).not.toContain(WHISPER_CHAT);

    await customer.page.getByRole('button', { name: 'End chat' }).click();
    await waitText(customer, 'You ended the conversation.');

    // The customer page loaded nothing of the other apps and called no API.
    expect(customer.requests.length).toBeGreaterThan(0);
    expect(customer.requests.filter((u) => /supervisor|agent-|ConversationPanel|audit|\/api\//.test(u))).toEqual([]);
  });

  it('audit: every supervisor action is searchable and exportable', async () => {
    const href = await supervisor.page.getByRole('link', { name: 'Audit trail' }).getAttribute('href');
    const page = await supervisor.context.newPage();
    try {
      await page.goto(href!);
      await page.getByLabel('Actor (user ID)').fill('sam');
      await page.getByRole('button', { name: 'Search' }).click();
      for (const action of ['monitor.start', 'monitor.whisper', 'monitor.barge', 'monitor.listen', 'chat.whisper', 'monitor.leave']) {
        await page.locator(`tr[data-action="${action}"]`).first().waitFor({ timeout: T });
      }
      await page.locator('tr[data-action="monitor.start"]', { hasText: 'quality check' }).first().waitFor({ timeout: T });
      await screenshot(page, 'audit');
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: T }), page.getByRole('button', { name: 'Export CSV' }).click()]);
      const path = await download.path();
      const csv = (await import('node:fs')).readFileSync(path, 'utf8');
      expect(csv.split('\n')[0]).toContain('action');
      expect(csv).toContain('monitor.whisper');
      expect(csv).toContain('chat.whisper');
    } finally {
      await page.close();
    }
  });

  it('take over and transfers from the list, measured in each page; a second sign-in closes the first tab; outbound', async () => {
    // A new call: customer (440 Hz) with Alex (660 Hz).
    await agent.page.getByRole('button', { name: 'Close' }).click();
    await customer.page.getByRole('button', { name: 'Start a new conversation' }).click();
    await customer.page.getByRole('button', { name: 'Call us' }).click();
    await customer.page.getByRole('button', { name: 'Allow microphone and call' }).click();
    await agent.page.getByRole('alertdialog').waitFor({ timeout: T });
    await agent.page.getByRole('button', { name: 'Accept' }).click();
    await waitText(customer, 'Connected with Alex Agent');
    await waitSample(customer.page, 'customer to hear the agent', (s) => hears(s, 660));

    // The supervisor listens; the meters are labelled by the server's slot map.
    const row = supervisor.page.locator('tr[data-conversation]', { hasText: 'Carla Customer' });
    await row.locator('.badge', { hasText: 'active' }).waitFor({ timeout: T });
    await supervisor.page.getByRole('button', { name: 'Monitor Carla Customer with Alex Agent' }).click();
    await supervisor.page.locator('.monitor[data-mode="listen"]').waitFor({ timeout: T });
    const meters = supervisor.page.locator('.monitor .meter-row label');
    await meters.filter({ hasText: 'Customer · Carla Customer' }).waitFor({ timeout: T });
    await meters.filter({ hasText: 'Agent · Alex Agent' }).waitFor({ timeout: T });
    const slots = await supervisor.page.evaluate(() => {
      const c = window.earshotClient!;
      const conv = c.conversations.find((x) => x.part === 'supervisor' && !x.ended)!;
      return { table: c.slotTable(conv.id), announced: c.mediaSlots };
    });
    expect(slots.announced).toBe(3);
    expect(slots.table.filter((k) => k !== null).sort()).toEqual(['agent', 'customer']);
    await waitSample(supervisor.page, 'supervisor to hear customer and agent', (s) => hears(s, 440) && hears(s, 660));

    // Take over: the agent is dropped; the customer hears the supervisor now.
    await supervisor.page.getByRole('button', { name: 'Take over' }).click();
    await waitText(agent, 'A supervisor took the conversation over.');
    await waitSample(customer.page, 'customer to hear the supervisor who took over', (s) => hears(s, 880) && silent(s, 660));
    const takenOver = await record('taken over', [customer, supervisor]);
    expectHears(takenOver.customer!, 'customer', 880);
    expectSilent(takenOver.customer!, 'customer', 660);
    expectHears(takenOver.supervisor!, 'supervisor', 440);
    expectSilent(takenOver.supervisor!, 'supervisor', 660);
    await screenshot(supervisor.page, 'supervisor-taken-over');

    // The supervisor, now the call's agent, transfers it back to Alex, picked
    // from the list of Ready agents of the team.
    await agent.page.getByRole('button', { name: 'Close' }).click();
    const supPicker = supervisor.page.getByTestId('transfer-target');
    await supervisor.page.locator('form.transfer').getByRole('button', { name: 'Refresh' }).click();
    await supPicker.locator('option', { hasText: 'Alex Agent · team-a' }).waitFor({ state: 'attached', timeout: T });
    await supPicker.selectOption({ label: 'Alex Agent · team-a' });
    await supervisor.page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await agent.page.getByRole('alertdialog').waitFor({ timeout: T });
    await agent.page.getByRole('button', { name: 'Accept' }).click();
    await waitSample(customer.page, 'customer to hear the agent again after the transfer', (s) => hears(s, 660) && silent(s, 880));
    const back = await record('transferred to alex', [customer, agent]);
    expectHears(back.customer!, 'customer', 660);
    expectSilent(back.customer!, 'customer', 880);
    expectHears(back.agent!, 'agent', 440);

    // Bea signs in in the supervisor's browser (its microphone plays 880 Hz)
    // and becomes Ready; Alex transfers to her, picked from the list.
    await signIn(supervisor, 'bea');
    await supervisor.page.getByRole('button', { name: 'Ready', exact: true }).click();
    await supervisor.page.locator('[data-testid="agent-state"]', { hasText: 'Ready' }).waitFor({ timeout: T });
    const picker = agent.page.getByTestId('transfer-target');
    await agent.page.locator('form.transfer').getByRole('button', { name: 'Refresh' }).click();
    await picker.locator('option', { hasText: 'Bea Agent · team-a' }).waitFor({ state: 'attached', timeout: T });
    await screenshot(agent.page, 'agent-transfer');
    await picker.selectOption({ label: 'Bea Agent · team-a' });
    await agent.page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await waitText(agent, 'The conversation was transferred.');
    await supervisor.page.getByRole('alertdialog').waitFor({ timeout: T });
    await supervisor.page.getByRole('button', { name: 'Accept' }).click();
    await waitSample(customer.page, 'customer to hear Bea after the transfer', (s) => hears(s, 880) && silent(s, 660));
    const toBea = await record('transferred to bea', [customer, supervisor]);
    expectHears(toBea.customer!, 'customer', 880);
    expectSilent(toBea.customer!, 'customer', 660);
    expectHears(toBea.supervisor!, 'bea', 440);
    await supervisor.page.getByRole('button', { name: 'End', exact: true }).click();
    await waitText(customer, 'The agent ended the conversation.');

    // Alex signs in again in another tab: the first tab is told and stays
    // closed (it does not reconnect and take the desk back).
    const first = agent.page;
    const second = await agent.context.newPage();
    const tab2: Participant = { ...agent, page: second };
    await signIn(tab2, 'alex');
    await first.getByTestId('signed-in-elsewhere').waitFor({ timeout: T });
    await first.getByText('You signed in elsewhere (another tab or device), so this one was closed.').waitFor({ timeout: T });
    await screenshot(first, 'agent-signed-in-elsewhere');
    await second.getByRole('button', { name: 'Ready', exact: true }).click();
    await second.locator('[data-testid="agent-state"]', { hasText: 'Ready' }).waitFor({ timeout: T });
    expect(await first.locator('.conn').count()).toBe(0);
    expect(await second.locator('.conn').getAttribute('data-state')).toBe('connected');

    // Outbound: the agent's new tab calls the customer, who answers.
    await customer.page.getByRole('button', { name: 'Start a new conversation' }).click();
    await second.getByLabel('Customer user ID').fill('carla');
    await second.getByRole('button', { name: 'Call', exact: true }).click();
    await customer.page.getByTestId('customer-incoming').filter({ hasText: 'Alex Agent is calling you' }).waitFor({ timeout: T });
    await screenshot(customer.page, 'customer-incoming');
    await customer.page.getByRole('button', { name: 'Answer' }).click();
    await waitText(customer, 'Connected with Alex Agent');
    await waitSample(customer.page, 'customer to hear the agent who called', (s) => hears(s, 660));
    await waitSample(second, 'agent to hear the customer it called', (s) => hears(s, 440));
    await customer.page.getByRole('button', { name: 'End call' }).click();
    await waitText(customer, 'You ended the conversation.');
    await second.close();
  });
});
