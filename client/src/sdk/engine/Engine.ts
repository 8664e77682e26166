/**
 * The engine: owns the signal client and creates voice legs. It knows how a
 * voice request is made (offer in the request, answer in the response) but
 * nothing of conversations or roles; EarshotClient builds on it.
 */
import { EarshotError, ErrorCode, toEarshotError } from '../errors';
import type { ClientOptions } from '../options';
import { SignalClient } from '../signal/SignalClient';
import { getMicrophone } from '../transport/microphone';
import { VoiceLeg } from '../transport/VoiceLeg';

/** Signal client, audio context and voice negotiation. */
export class Engine {
  readonly signal: SignalClient;
  private ctx: AudioContext | null | undefined;

  constructor(private readonly opts: ClientOptions) {
    const token = opts.token;
    this.signal = new SignalClient({
      url: opts.url,
      token: typeof token === 'string' ? () => token : token,
      requestTimeoutMs: opts.requestTimeoutMs,
      pingIntervalMs: opts.pingIntervalMs,
      pingTimeoutMs: opts.pingTimeoutMs,
      refreshBeforeExpiryMs: opts.refreshBeforeExpiryMs,
      reconnectPolicy: opts.reconnectPolicy,
      webSocketFactory: opts.webSocketFactory,
    });
  }

  /**
   * The shared AudioContext, created on first use. Call it synchronously
   * inside a user gesture (a click) so that the browser lets it play.
   */
  audioContext(): AudioContext | null {
    if (this.ctx === undefined) {
      try {
        this.ctx = this.opts.audioContextFactory();
      } catch {
        this.ctx = null;
      }
    }
    if (this.ctx && this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    return this.ctx;
  }

  /** Asks for the microphone with the configured constraints. */
  microphone(): Promise<MediaStreamTrack> {
    return getMicrophone(this.opts.microphoneConstraints);
  }

  /**
   * The leg's RTCConfiguration: the app's own, and the server's STUN/TURN
   * servers when the app names none (an app that sets iceServers, even [],
   * keeps them).
   */
  rtcConfiguration(): RTCConfiguration {
    const own = this.opts.rtcConfiguration;
    const servers = this.signal.iceServers;
    if (own.iceServers !== undefined || !servers?.length) return own;
    return { ...own, iceServers: servers.map((s) => ({ ...s })) };
  }

  /**
   * Receive slots per voice leg: what the server announced at sign-in
   * (media_slots), else the configured fallback for older servers.
   */
  get slots(): number {
    return this.signal.mediaSlots ?? this.opts.slots;
  }

  /**
   * Creates a leg, sends its offer with send, and applies the answer from
   * the response. On any failure the leg is closed, and the microphone
   * stopped unless keepMicrophone (a re-offer that will be tried again).
   */
  async negotiate<R extends { answer: string }>(
    microphone: MediaStreamTrack | null,
    send: (offer: string) => Promise<R>,
    keepMicrophone = false,
  ): Promise<{ res: R; leg: VoiceLeg }> {
    let leg: VoiceLeg;
    try {
      leg = new VoiceLeg(
        { slots: this.slots, iceGatheringTimeoutMs: this.opts.iceGatheringTimeoutMs, rtcConfiguration: this.rtcConfiguration() },
        microphone,
      );
    } catch (e) {
      if (!keepMicrophone) microphone?.stop();
      throw toEarshotError(e, ErrorCode.Unsupported);
    }
    try {
      const offer = await leg.createOffer();
      const res = await send(offer);
      if (!res.answer) throw new EarshotError(ErrorCode.MediaFailed, 'the server sent no answer');
      await leg.acceptAnswer(res.answer);
      return { res, leg };
    } catch (e) {
      leg.close(keepMicrophone);
      throw toEarshotError(e, ErrorCode.WebRTCFailed);
    }
  }

  /** Closes the audio context. */
  close(): void {
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
  }
}
