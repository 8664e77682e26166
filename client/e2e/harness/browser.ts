/**
 * One Chromium per participant, each with its own fake microphone playing a
 * tone file (the flag is per browser process, so three tones need three
 * browsers). Debian's Chromium, never a downloaded one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { artifacts } from './server';

const T = 60_000; // UI waits: generous for a loaded 2-core machine
import { writeToneWav } from './wav';

/** A participant's browser. */
export interface Participant {
  name: string;
  tone: number;
  context: BrowserContext;
  page: Page;
  /** Text of every WebSocket frame the page received. */
  framesReceived: string[];
  /** URL of every HTTP request the page made. */
  requests: string[];
  /** Console errors and page errors, for diagnosis. */
  errors: string[];
  close: () => Promise<void>;
}

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches a browser whose microphone plays a `tone` Hz sine. */
export async function launchParticipant(name: string, tone: number, baseURL: string): Promise<Participant> {
  const wav = join(artifacts, `${name}-${tone}hz.wav`);
  writeToneWav(wav, tone);
  const profile = mkdtempSync(join(tmpdir(), `earshot-${name}-`));
  // A persistent context: its own fresh profile directory, as NOTES.md asks.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    baseURL,
    viewport: { width: 1280, height: 720 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  await context.grantPermissions(['microphone'], { origin: baseURL });
  const page = context.pages()[0] ?? (await context.newPage());
  const framesReceived: string[] = [];
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => framesReceived.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')));
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    name,
    tone,
    context,
    page,
    framesReceived,
    requests,
    errors,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a demo user's screen from the start page, with raw microphone audio
 * (the tone must not be noise-suppressed). beforeOpen runs once the start
 * page shows the user's link (e.g. to take a screenshot of it).
 */
export async function signIn(p: Participant, user: string, beforeOpen?: () => Promise<void>): Promise<void> {
  await p.page.goto('/');
  const link = p.page.locator(`a[data-user="${user}"]`);
  await link.waitFor({ timeout: T });
  await beforeOpen?.();
  const href = await link.getAttribute('href');
  if (!href || !/^\/(customer|agent|supervisor)\/#token=/.test(href)) throw new Error(`unexpected demo link ${href}`);
  p.requests.length = 0; // from here on: what the app's own page loads
  await p.page.goto(href.replace('/#', '/?audio=raw#'));
  await p.page.locator('.conn[data-state="connected"]').waitFor({ timeout: T });
}
