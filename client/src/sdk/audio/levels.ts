/**
 * Pure level arithmetic for meters and tone checks, kept apart from WebAudio
 * so that it can be unit-tested.
 */

/** Floor of every level in dBFS: silence reads as this. */
export const SILENCE_DB = -120;

/** RMS of samples in dBFS (full-scale sine ≈ -3 dBFS). */
export function rmsDb(samples: ArrayLike<number>): number {
  if (samples.length === 0) return SILENCE_DB;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    sum += v * v;
  }
  const rms = Math.sqrt(sum / samples.length);
  if (rms <= 0) return SILENCE_DB;
  return Math.max(SILENCE_DB, 20 * Math.log10(rms));
}

/** Maps dBFS onto a 0..1 meter scale: -60 dB and below is empty, 0 dB full. */
export function meterFraction(db: number, floorDb = -60): number {
  if (!Number.isFinite(db) || db <= floorDb) return 0;
  if (db >= 0) return 1;
  return (db - floorDb) / -floorDb;
}

/**
 * Highest value (dB) of an AnalyserNode's frequency data within
 * freq ± halfWidthHz. Bin i covers i * sampleRate / fftSize.
 */
export function bandPeakDb(freqData: ArrayLike<number>, sampleRate: number, fftSize: number, freq: number, halfWidthHz = 15): number {
  const binHz = sampleRate / fftSize;
  const lo = Math.max(0, Math.floor((freq - halfWidthHz) / binHz));
  const hi = Math.min(freqData.length - 1, Math.ceil((freq + halfWidthHz) / binHz));
  let peak = -Infinity;
  for (let i = lo; i <= hi; i++) {
    const v = freqData[i]!;
    if (v > peak) peak = v;
  }
  return Number.isFinite(peak) ? Math.max(SILENCE_DB, peak) : SILENCE_DB;
}
