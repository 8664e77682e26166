/**
 * A participant in Debian's Firefox ESR, driven by puppeteer-core over
 * WebDriver BiDi (never a browser downloaded by npm).
 *
 * Firefox's fake microphone plays a sine at media.navigator.audio.
 * fake_frequency, so each participant's tone is a preference; audio output
 * goes to cubeb's mock backend (a headless machine has no sound server, and
 * without an output an AudioContext never leaves "suspended"). WebSocket
 * frames the page receives are recorded by a preload script, since BiDi has
 * no WebSocket frame events.
 *
 * Its page helpers find elements the way a person does — by visible text
 * or accessible name — inside the page, so they need nothing of the
 * driver's selector engines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { waitFor } from './server';
import type { PageEvaluator } from './tones';

const executablePath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const T = 60_000;

/** A Firefox participant. */
export interface FirefoxParticipant {
  name: string;
  tone: number;
  browser: Browser;
  page: Page;
  /** The page for the tone measurements. */
  probe: PageEvaluator;
  /** Text of every WebSocket frame the page received. */
  framesReceived: () => Promise<string[]>;
  close: () => Promise<void>;
}

/** Launches Firefox whose microphone plays a `tone` Hz sine. */
export async function launchFirefox(name: string, tone: number, baseURL: string): Promise<FirefoxParticipant> {
  const profile = mkdtempSync(join(tmpdir(), `earshot-ff-${name}-`));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 1280, height: 720 },
    extraPrefsFirefox: {
      // No permission prompt, and a fake device to grant.
      'media.navigator.permission.disabled': true,
      'media.navigator.streams.fake': true,
      'media.navigator.audio.fake_frequency': tone,
      'media.cubeb.force_mock_context': true,
      // Play audio and run WebAudio without a user gesture.
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
      'media.autoplay.block-webaudio': false,
    },
  });
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __frames: string[] };
    w.__frames = [];
    const NativeWS = window.WebSocket;
    window.WebSocket = class extends NativeWS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e: MessageEvent) => w.__frames.push(String(e.data)));
      }
    };
  });
  return {
    name,
    tone,
    browser,
    page,
    // puppeteer's evaluate is typed for its own handles; the measurements
    // pass plain JSON values, which it sends as they are.
    probe: { evaluate: <R, A>(fn: (arg: A) => Promise<R>, arg: A): Promise<R> => page.evaluate(fn as never, arg as never) as Promise<R> },
    framesReceived: () => page.evaluate(() => [...(window as unknown as { __frames: string[] }).__frames]),
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the page's visible text matches. */
export async function ffWaitText(page: Page, text: string | RegExp, timeout = T): Promise<void> {
  const src = typeof text === 'string' ? { s: text } : { re: text.source, flags: text.flags };
  await waitFor(`text ${String(text)} in Firefox`, () =>
    page.evaluate((q: { s?: string; re?: string; flags?: string }) => {
      const body = document.body?.innerText ?? '';
      return q.s !== undefined ? body.includes(q.s) : new RegExp(q.re!, q.flags).test(body);
    }, src),
  timeout);
}

/** Waits until a CSS selector matches an element. */
export async function ffWaitSelector(page: Page, selector: string, timeout = T): Promise<void> {
  await waitFor(`${selector} in Firefox`, () => page.evaluate((s: string) => document.querySelector(s) !== null, selector), timeout);
}

/**
 * Clicks the enabled button whose accessible name (aria-label, else text)
 * is `name`, inside the first element matching `within` (default: the
 * document), waiting until there is one.
 */
export async function ffClickButton(page: Page, name: string, within = 'body', timeout = T): Promise<void> {
  await waitFor(`button "${name}" in Firefox`, () =>
    page.evaluate(
      (q: { name: string; within: string }) => {
        const scope = document.querySelector(q.within);
        if (!scope) return false;
        for (const b of scope.querySelectorAll<HTMLButtonElement>('button')) {
          const label = (b.getAttribute('aria-label') ?? b.innerText).trim();
          if (label === q.name && !b.disabled) {
            b.click();
            return true;
          }
        }
        return false;
      },
      { name, within },
    ),
  timeout);
}

/** Signs a demo user in from the start page (raw microphone audio, as the Chromium test does). */
export async function ffSignIn(p: FirefoxParticipant, baseURL: string, user: string): Promise<void> {
  await p.page.goto(baseURL + '/');
  let href = '';
  await waitFor(`demo login ${user} in Firefox`, async () => {
    href = await p.page.evaluate((u: string) => document.querySelector(`a[data-user="${u}"]`)?.getAttribute('href') ?? '', user);
    return href !== '';
  }, T);
  await p.page.goto(baseURL + href.replace('/#', '/?audio=raw#'));
  await ffWaitSelector(p.page, '.conn[data-state="connected"]');
}

/** Packet counts of the page's call from RTCPeerConnection.getStats(). */
export interface RTPCounts {
  /** outbound-rtp packetsSent (the microphone). */
  sent: number;
  /** inbound-rtp packetsReceived, summed over the receive slots. */
  received: number;
  /** inbound-rtp packetsLost, summed. */
  lost: number;
}

/** Reads the page's call's RTP packet counts. */
export async function ffRTPCounts(page: Page): Promise<RTPCounts> {
  return page.evaluate(async () => {
    const c = window.earshotClient?.conversations.find((x) => x.call && !x.ended);
    if (!c?.call) throw new Error('no active call on this page');
    const out = { sent: 0, received: 0, lost: 0 };
    (await c.call.leg.pc.getStats()).forEach((s: { type: string; packetsSent?: number; packetsReceived?: number; packetsLost?: number }) => {
      if (s.type === 'outbound-rtp') out.sent += s.packetsSent ?? 0;
      if (s.type === 'inbound-rtp') {
        out.received += s.packetsReceived ?? 0;
        out.lost += s.packetsLost ?? 0;
      }
    });
    return out;
  });
}
