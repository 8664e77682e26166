/**
 * Plays a call's receive slots and measures them. Each slot's remote track
 * plays through its own <audio> element (Chromium feeds remote WebRTC audio
 * into WebAudio only while a media element plays it), and each is tapped by
 * an AnalyserNode for level meters; a mix analyser measures everything the
 * user hears. The microphone gets an analyser too, for a "you are heard"
 * meter. Nothing here is connected to the AudioContext's destination: the
 * elements do the playing, the graph only measures.
 */
import { bandPeakDb, meterFraction, rmsDb, SILENCE_DB } from './levels';

/** One receive slot's playback and meter. */
export interface SlotAudio {
  readonly index: number;
  readonly track: MediaStreamTrack;
  readonly element: HTMLAudioElement;
  readonly analyser: AnalyserNode | null;
}

const FFT_SIZE = 8192;

/** Playback and measurement of one call. */
export class CallAudio {
  readonly slots: SlotAudio[] = [];
  /** Everything the user hears, summed. */
  readonly mix: AnalyserNode | null = null;
  /** The user's own microphone. */
  readonly local: AnalyserNode | null = null;
  private readonly nodes: AudioNode[] = [];
  private readonly timeBuf = new Float32Array(2048);
  private readonly freqBuf = new Float32Array(FFT_SIZE / 2);

  constructor(
    private readonly ctx: AudioContext | null,
    tracks: MediaStreamTrack[],
    microphone: MediaStreamTrack | null,
  ) {
    if (ctx) {
      this.mix = this.analyser();
      if (microphone) {
        this.local = this.analyser();
        this.tap(new MediaStream([microphone]), this.local);
      }
    }
    tracks.forEach((track, index) => {
      const stream = new MediaStream([track]);
      const element = new Audio();
      element.autoplay = true;
      element.srcObject = stream;
      element.setAttribute('data-earshot-slot', String(index));
      void element.play().catch(() => {
        // Autoplay blocked: the app's next user gesture calls resume().
      });
      let analyser: AnalyserNode | null = null;
      if (ctx) {
        analyser = this.analyser();
        const src = this.tap(stream, analyser);
        if (this.mix) src.connect(this.mix);
      }
      this.slots.push({ index, track, element, analyser });
    });
  }

  /** Resumes playback after an autoplay block (call from a user gesture). */
  async resume(): Promise<void> {
    await this.ctx?.resume().catch(() => undefined);
    await Promise.all(this.slots.map((s) => s.element.play().catch(() => undefined)));
  }

  /** Silences or restores playback (e.g. a supervisor's local "deafen"); measurement goes on. */
  setPlaybackMuted(muted: boolean): void {
    for (const s of this.slots) s.element.muted = muted;
  }

  /** Level of a slot in dBFS. */
  slotDb(index: number): number {
    const a = this.slots[index]?.analyser;
    return a ? this.db(a) : SILENCE_DB;
  }

  /** Level of a slot on a 0..1 meter scale. */
  slotLevel(index: number): number {
    return meterFraction(this.slotDb(index));
  }

  /** Level of everything heard, 0..1. */
  mixLevel(): number {
    return this.mix ? meterFraction(this.db(this.mix)) : 0;
  }

  /** Level of the user's microphone, 0..1. */
  localLevel(): number {
    return this.local ? meterFraction(this.db(this.local)) : 0;
  }

  /** Peak level (dB) of each frequency in what the user hears: a tone detector. */
  toneLevels(freqs: number[]): number[] {
    const a = this.mix;
    if (!a || !this.ctx) return freqs.map(() => SILENCE_DB);
    a.getFloatFrequencyData(this.freqBuf);
    return freqs.map((f) => bandPeakDb(this.freqBuf, this.ctx!.sampleRate, a.fftSize, f));
  }

  /** Stops playback and releases the graph. */
  close(): void {
    for (const s of this.slots) {
      s.element.pause();
      s.element.srcObject = null;
    }
    for (const n of this.nodes) n.disconnect();
    this.nodes.length = 0;
  }

  private analyser(): AnalyserNode {
    const a = this.ctx!.createAnalyser();
    a.fftSize = FFT_SIZE;
    a.smoothingTimeConstant = 0;
    this.nodes.push(a);
    return a;
  }

  private tap(stream: MediaStream, to: AnalyserNode): MediaStreamAudioSourceNode {
    const src = this.ctx!.createMediaStreamSource(stream);
    src.connect(to);
    this.nodes.push(src);
    return src;
  }

  private db(a: AnalyserNode): number {
    // The most recent timeBuf.length samples' worth of the analyser's window.
    a.getFloatTimeDomainData(this.timeBuf);
    return rmsDb(this.timeBuf);
  }
}
