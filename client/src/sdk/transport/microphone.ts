/**
 * Microphone access with errors mapped to SDK codes, so that the UI can
 * explain a blocked permission differently from a missing device.
 */
import { EarshotError, ErrorCode } from '../errors';

/** Voice-friendly defaults: the browser's echo cancellation, noise suppression and gain control. */
export const defaultMicrophoneConstraints: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Asks for the microphone (the browser may prompt) and returns its track. */
export async function getMicrophone(constraints: MediaTrackConstraints = defaultMicrophoneConstraints): Promise<MediaStreamTrack> {
  const md = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!md?.getUserMedia) {
    // Also what an insecure (plain http, not localhost) page sees.
    throw new EarshotError(ErrorCode.Unsupported, 'navigator.mediaDevices.getUserMedia is unavailable (a secure context is required)');
  }
  try {
    const stream = await md.getUserMedia({ audio: constraints, video: false });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new EarshotError(ErrorCode.MicrophoneUnavailable, 'no audio track');
    return track;
  } catch (e) {
    throw microphoneError(e);
  }
}

/** Maps a getUserMedia failure to an EarshotError. */
export function microphoneError(e: unknown): EarshotError {
  if (e instanceof EarshotError) return e;
  const name = (e as { name?: string } | null)?.name ?? '';
  const msg = (e as { message?: string } | null)?.message ?? String(e);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return new EarshotError(ErrorCode.MicrophoneDenied, msg, { cause: e });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'NotReadableError':
    case 'TrackStartError':
    case 'OverconstrainedError':
    case 'AbortError':
      return new EarshotError(ErrorCode.MicrophoneUnavailable, msg, { cause: e });
    default:
      return new EarshotError(ErrorCode.MicrophoneUnavailable, msg, { cause: e });
  }
}
