/**
 * The transport layer: one RTCPeerConnection per conversation with receive
 * slots. The client offers once — complete, not trickled — and never
 * renegotiates: the server re-maps which speaker is heard on which slot.
 */
import { TypedEmitter } from '../emitter';
import { EarshotError, ErrorCode } from '../errors';
import { checkOfferShape } from './offerShape';

/** Settings of a voice leg. */
export interface VoiceLegOptions {
  /** Audio m-lines (receive slots); must match the server's media.slots. */
  slots: number;
  /** Upper bound on waiting for ICE gathering before offering what was gathered. */
  iceGatheringTimeoutMs: number;
  /** Passed to RTCPeerConnection (e.g. iceServers); the server needs none by default. */
  rtcConfiguration: RTCConfiguration;
}

/** Media state of a leg, simplified for people. */
export enum LegState {
  New = 'new',
  Connecting = 'connecting',
  Connected = 'connected',
  /** Media stopped flowing for a moment; the browser retries. */
  Interrupted = 'interrupted',
  Failed = 'failed',
  Closed = 'closed',
}

/** Callbacks of a voice leg. */
export interface VoiceLegCallbacks {
  state: (state: LegState) => void;
}

/** One voice leg: microphone out, `slots` audio tracks in. */
export class VoiceLeg extends TypedEmitter<VoiceLegCallbacks> {
  readonly pc: RTCPeerConnection;
  private readonly sender: RTCRtpSender;
  private mic: MediaStreamTrack | null;
  private legState = LegState.New;

  constructor(
    private readonly opts: VoiceLegOptions,
    microphone: MediaStreamTrack | null,
  ) {
    super();
    if (typeof RTCPeerConnection === 'undefined') throw new EarshotError(ErrorCode.Unsupported, 'no RTCPeerConnection');
    this.pc = new RTCPeerConnection(opts.rtcConfiguration);
    this.mic = microphone;
    // The first m-line carries the microphone and slot 0. Without a
    // microphone it still must be sendrecv; it then sends nothing.
    const first = this.pc.addTransceiver(microphone ?? 'audio', { direction: 'sendrecv' });
    this.sender = first.sender;
    for (let i = 1; i < opts.slots; i++) this.pc.addTransceiver('audio', { direction: 'recvonly' });
    this.pc.addEventListener('connectionstatechange', () => this.updateState());
  }

  /** The media state. */
  get state(): LegState {
    return this.legState;
  }

  /** The microphone track being sent, if any. */
  get microphone(): MediaStreamTrack | null {
    return this.mic;
  }

  /** Creates the complete offer (ICE gathering finished) to send to the server. */
  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await this.gatheringComplete();
    const sdp = this.pc.localDescription?.sdp ?? '';
    const bad = checkOfferShape(sdp, this.opts.slots);
    if (bad) throw new EarshotError(ErrorCode.BadOffer, `browser produced an unexpected offer: ${bad}`);
    this.setState(LegState.Connecting);
    return sdp;
  }

  /** Applies the server's answer. */
  async acceptAnswer(answer: string): Promise<void> {
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (e) {
      throw new EarshotError(ErrorCode.WebRTCFailed, `answer refused: ${String(e)}`, { cause: e });
    }
  }

  /** The receive track of each slot, in m-line order. */
  slotTracks(): MediaStreamTrack[] {
    return this.pc.getTransceivers().map((t) => t.receiver.track);
  }

  /**
   * Enables or disables the microphone locally (a disabled track sends
   * silence). The server still decides who hears whom.
   */
  setMicrophoneEnabled(on: boolean): void {
    if (this.mic) this.mic.enabled = on;
  }

  /** Whether the microphone currently sends sound. */
  get microphoneEnabled(): boolean {
    return !!this.mic && this.mic.enabled;
  }

  /** Swaps the microphone without renegotiation (e.g. another input device). */
  async replaceMicrophone(track: MediaStreamTrack | null): Promise<void> {
    const enabled = this.mic?.enabled ?? true;
    if (track) track.enabled = enabled;
    await this.sender.replaceTrack(track);
    this.mic?.stop();
    this.mic = track;
  }

  /**
   * Closes the connection and stops the microphone, unless keepMicrophone
   * (the microphone moves to a leg negotiated again).
   */
  close(keepMicrophone = false): void {
    if (this.legState === LegState.Closed) return;
    if (!keepMicrophone) this.mic?.stop();
    this.pc.close();
    this.setState(LegState.Closed);
  }

  private gatheringComplete(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const check = (): void => {
        if (this.pc.iceGatheringState === 'complete') done();
      };
      // Host candidates on loopback or a LAN gather in milliseconds; a slow
      // STUN server must not hold the call: offer what is there.
      const timer = setTimeout(done, this.opts.iceGatheringTimeoutMs);
      this.pc.addEventListener('icegatheringstatechange', check);
    });
  }

  private updateState(): void {
    switch (this.pc.connectionState) {
      case 'connected':
        this.setState(LegState.Connected);
        break;
      case 'disconnected':
        this.setState(LegState.Interrupted);
        break;
      case 'failed':
        this.setState(LegState.Failed);
        break;
      case 'closed':
        this.setState(LegState.Closed);
        break;
      default:
        break;
    }
  }

  private setState(s: LegState): void {
    if (this.legState === s || this.legState === LegState.Closed) return;
    this.legState = s;
    this.emit('state', s);
  }
}
