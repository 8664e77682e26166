/**
 * Hold-to-talk-back while coached: while held, only the whispering
 * supervisors hear the agent (the customer stops hearing them). Works with
 * the mouse, touch, and the keyboard (hold Space or Enter on the button).
 */
import { useRef, useState } from 'preact/hooks';
import type { AgentView, ConversationState, EarshotClient } from '../../sdk';
import type { Notices } from '../../ui/notices';

export function TalkBackKey({ c, client, notices }: { c: ConversationState; client: EarshotClient; notices: Notices }) {
  const v = c.view as AgentView;
  const [holding, setHolding] = useState(false);
  const down = useRef(false);
  const press = (): void => {
    if (down.current) return;
    down.current = true;
    setHolding(true);
    void notices.run(() => client.talkBack(c.id, true));
  };
  const release = (): void => {
    if (!down.current) return;
    down.current = false;
    setHolding(false);
    void notices.run(() => client.talkBack(c.id, false));
  };
  const key = (e: KeyboardEvent, isDown: boolean): void => {
    if (e.key !== ' ' && e.key !== 'Enter') return;
    e.preventDefault();
    if (isDown) press();
    else release();
  };
  return (
    <div class="talkback">
      <button
        type="button"
        class={`talkback-key ${holding || v.talk_back ? 'active' : ''}`}
        aria-pressed={v.talk_back}
        aria-describedby={`tb-hint-${c.id}`}
        onPointerDown={press}
        onPointerUp={release}
        onPointerLeave={release}
        onPointerCancel={release}
        onKeyDown={(e) => key(e, true)}
        onKeyUp={(e) => key(e, false)}
        onBlur={release}
      >
        {v.talk_back ? 'Talking to coach…' : 'Hold to talk to coach'}
      </button>
      <p id={`tb-hint-${c.id}`} class="hint">
        Hold the button (or hold Space on it). The customer does not hear you while you hold it.
      </p>
    </div>
  );
}
