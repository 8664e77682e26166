/**
 * A voice call as apps see it: the media state, playback of the receive
 * slots with meters, and the local microphone switch. Created by the client
 * when a voice conversation is started, accepted or monitored.
 */
import { CallAudio } from '../audio/CallAudio';
import { TypedEmitter } from '../emitter';
import { LegState, type VoiceLeg } from '../transport/VoiceLeg';

/** Callbacks of a call. */
export interface VoiceCallCallbacks {
  state: (state: LegState) => void;
}

/** One voice call. */
export class VoiceCall extends TypedEmitter<VoiceCallCallbacks> {
  /** Playback and meters of what the user hears. */
  readonly audio: CallAudio;

  constructor(
    readonly conversationId: string,
    readonly leg: VoiceLeg,
    audioContext: AudioContext | null,
  ) {
    super();
    this.audio = new CallAudio(audioContext, leg.slotTracks(), leg.microphone);
    leg.on('state', (s) => this.emit('state', s));
  }

  /** Media state. */
  get state(): LegState {
    return this.leg.state;
  }

  /** Whether the microphone sends sound (the server still decides who hears it). */
  get microphoneEnabled(): boolean {
    return this.leg.microphoneEnabled;
  }

  /** Whether the call has a microphone at all. */
  get hasMicrophone(): boolean {
    return this.leg.microphone !== null;
  }

  /** Switches the microphone on or off locally. */
  setMicrophoneEnabled(on: boolean): void {
    this.leg.setMicrophoneEnabled(on);
  }

  /** Hangs up locally: closes media and stops the microphone (unless keepMicrophone: it moves to a new leg). */
  close(keepMicrophone = false): void {
    this.audio.close();
    this.leg.close(keepMicrophone);
    this.removeAllListeners();
  }
}
