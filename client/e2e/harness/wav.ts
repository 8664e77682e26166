/** Writes a mono 16-bit PCM WAV of a sine tone: Chromium's fake microphone plays it in a loop. */
import { writeFileSync } from 'node:fs';

/** Writes `seconds` of a `freq` Hz sine at `amplitude` (0..1) to path. */
export function writeToneWav(path: string, freq: number, seconds = 10, amplitude = 0.5, sampleRate = 48000): void {
  // A whole number of periods per file, so the loop has no click.
  const n = Math.round((sampleRate * seconds) / (sampleRate / freq)) * Math.round(sampleRate / freq) || sampleRate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    data.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freq * i) / sampleRate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}
