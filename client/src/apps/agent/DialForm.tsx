/**
 * Outbound: the agent calls (or opens a chat with) a customer who is
 * connected, by the customer's user ID. The customer's widget rings until
 * it answers or declines, or the offer times out.
 */
import { useState } from 'preact/hooks';
import type { Channel, EarshotClient } from '../../sdk';
import type { Notices } from '../../ui/notices';

export function DialForm({ client, notices, disabled }: { client: EarshotClient; notices: Notices; disabled: boolean }) {
  const [customer, setCustomer] = useState('');
  const [channel, setChannel] = useState<Channel>('voice');
  const dial = (): void => {
    const id = customer.trim();
    if (!id) return;
    if (channel === 'voice') client.prepareAudio();
    void notices.run(() => client.dial(id, channel));
  };
  return (
    <section class="panel dial" aria-labelledby="dial-title">
      <h2 id="dial-title">Contact a customer</h2>
      <p class="hint">The customer must be signed in to the customer widget; it rings there until they answer.</p>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          dial();
        }}
      >
        <label for="dial-customer">Customer user ID</label>
        <input
          id="dial-customer"
          type="text"
          maxLength={256}
          value={customer}
          placeholder="e.g. carla"
          onInput={(e) => setCustomer((e.target as HTMLInputElement).value)}
        />
        <div class="segmented" role="group" aria-label="Channel">
          <button type="button" aria-pressed={channel === 'voice'} onClick={() => setChannel('voice')}>
            Voice
          </button>
          <button type="button" aria-pressed={channel === 'chat'} onClick={() => setChannel('chat')}>
            Chat
          </button>
        </div>
        <button type="submit" class="primary" disabled={disabled || !customer.trim() || notices.busy}>
          {channel === 'voice' ? 'Call' : 'Start chat'}
        </button>
      </form>
    </section>
  );
}
