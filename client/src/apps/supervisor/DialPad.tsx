/**
 * The supervisor's dial pad: every key is sent as a real RFC 4733 DTMF
 * digit on the monitoring leg (client.sendDigits). The server reads them as
 * commands — star codes switch the mode or leave, the tapping code
 * (*8 + an agent's extension + #) names the agent's conversation — and
 * answers with monitor.command, which SupervisorApp acts on.
 */
import { useState } from 'preact/hooks';
import type { ConversationState, EarshotClient } from '../../sdk';
import type { Notices } from '../../ui/notices';

const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function DialPad({ client, c, notices }: { client: EarshotClient; c: ConversationState; notices: Notices }) {
  const [dialed, setDialed] = useState('');
  if (!c.call) return null;
  const press = (k: string): void => {
    try {
      client.sendDigits(c.id, k);
      setDialed((d) => (d + k).slice(-16));
    } catch (e) {
      notices.error(e);
    }
  };
  return (
    <div class="dialpad" role="group" aria-label="Dial pad">
      <output class="muted" data-testid="dialed" aria-label="Keys dialled">
        {dialed || 'Star codes: *1 Listen · *2 Whisper · *3 Barge · *0 Leave · *8 extension # to listen to an agent'}
      </output>
      <div class="keys">
        {keys.map((k) => (
          <button key={k} type="button" data-key={k} aria-label={`Key ${k}`} onClick={() => press(k)}>
            {k}
          </button>
        ))}
      </div>
    </div>
  );
}
