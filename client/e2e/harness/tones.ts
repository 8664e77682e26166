/**
 * What a page hears, measured in the page with WebAudio: the SDK's mix
 * analyser of the page's call (everything its receive slots play), read as
 * the peak level (dBFS) around each test tone, frame by frame.
 *
 * A tone counts as heard when its median level over a window is high. It
 * counts as absent when its median is low AND not a single analyser frame
 * shows it as a narrow peak (well above its neighbouring frequencies): a
 * leak of even one frame is caught, while broadband clicks (jitter-buffer
 * or concealment artefacts, which raise every frequency alike) are not
 * mistaken for a tone.
 */
import { expect } from 'vitest';
import { waitFor } from './server';

/**
 * What the measurements need of a page: running a function in it. Both
 * Playwright's page (Chromium) and puppeteer's (Firefox) have it.
 */
export interface PageEvaluator {
  evaluate<R, A>(fn: (arg: A) => Promise<R>, arg: A): Promise<R>;
}

/** The three microphones. */
export const TONES = { customer: 440, agent: 660, supervisor: 880 } as const;
/** A tone frequency. */
export type Tone = 440 | 660 | 880;
const FREQS: Tone[] = [440, 660, 880];
/** Neighbours of each tone, where a tone has (almost) no energy but a click has as much. */
const SIDE_HZ = 60;

/** A tone is heard when its median level is above this (dBFS). */
export const HEARD_DB = -50;
/** A tone is absent when its median level is below this … */
export const ABSENT_DB = -70;
/** … and no frame shows it this far above its neighbours while louder than TONAL_MIN_DB. */
export const TONAL_PROMINENCE_DB = 20;
export const TONAL_MIN_DB = -65;

/** Measurements of one window. */
export interface ToneSample {
  /** Median level per tone (dBFS). */
  median: Record<Tone, number>;
  /** Loudest frame per tone (dBFS). */
  max: Record<Tone, number>;
  /** Frames in which the tone stood out as a narrow peak. */
  tonalFrames: Record<Tone, number>;
  frames: number;
}

/** Samples the page's call for windowMs. */
export async function sampleTones(page: PageEvaluator, windowMs: number): Promise<ToneSample> {
  const raw = await page.evaluate(
    async ({ freqs, side, windowMs, prominence, minDb }) => {
      const c = window.earshotClient?.conversations.find((x) => x.call && !x.ended);
      if (!c?.call) throw new Error('no active call on this page');
      const call = c.call;
      const probe = freqs.flatMap((f) => [f, f - side, f + side]);
      const levels: number[][] = freqs.map(() => []);
      const tonal = freqs.map(() => 0);
      const end = performance.now() + windowMs;
      let frames = 0;
      do {
        const v = call.audio.toneLevels(probe);
        freqs.forEach((_, i) => {
          const at = v[i * 3]!;
          const neighbours = Math.max(v[i * 3 + 1]!, v[i * 3 + 2]!);
          levels[i]!.push(at);
          if (at > minDb && at - neighbours > prominence) tonal[i]!++;
        });
        frames++;
        await new Promise((r) => setTimeout(r, 40)); // the next analyser frame, not synchronization
      } while (performance.now() < end);
      const median = levels.map((l) => [...l].sort((a, b) => a - b)[Math.floor(l.length / 2)]!);
      const max = levels.map((l) => Math.max(...l));
      return { median, max, tonal, frames };
    },
    { freqs: FREQS, side: SIDE_HZ, windowMs, prominence: TONAL_PROMINENCE_DB, minDb: TONAL_MIN_DB },
  );
  const rec = (a: number[]): Record<Tone, number> => ({ 440: round(a[0]!), 660: round(a[1]!), 880: round(a[2]!) });
  return { median: rec(raw.median), max: rec(raw.max), tonalFrames: rec(raw.tonal), frames: raw.frames };
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** Whether a window shows the tone as heard. */
export const hears = (s: ToneSample, t: Tone): boolean => s.median[t] > HEARD_DB;
/** Whether a window shows the tone as absent (no tonal frame at all). */
export const silent = (s: ToneSample, t: Tone): boolean => s.median[t] < ABSENT_DB && s.tonalFrames[t] === 0;

/** Samples windows until cond holds for one; returns that window. */
export async function waitSample(page: PageEvaluator, what: string, cond: (s: ToneSample) => boolean, timeoutMs = 30_000, windowMs = 600): Promise<ToneSample> {
  let last: ToneSample | undefined;
  await waitFor(
    what,
    async () => {
      last = await sampleTones(page, windowMs);
      return cond(last);
    },
    timeoutMs,
    10,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last window: ${JSON.stringify(last)}`);
  });
  return last!;
}

/** Fails the test unless the window shows the tone as heard. */
export function expectHears(s: ToneSample, who: string, tone: Tone): void {
  expect(hears(s, tone), `${who} should hear ${tone} Hz: ${JSON.stringify(s)}`).toBe(true);
}

/** Fails the test unless the window shows the tone as absent. */
export function expectSilent(s: ToneSample, who: string, tone: Tone): void {
  expect(silent(s, tone), `${who} must not hear ${tone} Hz: ${JSON.stringify(s)}`).toBe(true);
}
