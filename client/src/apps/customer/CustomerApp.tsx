/**
 * The customer widget: a voice call (with the microphone permission step)
 * or a web chat. It shows only what the customer view carries — the agent
 * and barged-in participants — so nothing here can reveal a silent or
 * whispering supervisor.
 */
import { useEffect, useState } from 'preact/hooks';
import { EarshotEvent, LegState, thread, type CustomerView, type Queue } from '../../sdk';
import type { AppProps } from '../../ui/AppShell';
import { ChatThread } from '../../ui/ChatThread';
import { ConnectionStatus, ReconnectBanner } from '../../ui/ConnectionStatus';
import { customerEndText } from '../../ui/endReasons';
import { NoticeList, useNotices } from '../../ui/notices';
import { Elapsed, LevelMeter } from '../../ui/widgets';

type Step = 'choose' | 'mic' | 'asking';

export function CustomerApp({ client, signOut }: AppProps) {
  const notices = useNotices();
  const [queues, setQueues] = useState<Queue[]>([]);
  const [queue, setQueue] = useState('');
  const [step, setStep] = useState<Step>('choose');
  const connected = client.connectionState === 'connected';

  useEffect(() => {
    if (!connected || queues.length > 0) return;
    client
      .listQueues()
      .then((q) => {
        setQueues(q);
        setQueue((cur) => cur || q[0]?.name || '');
      })
      .catch(notices.error);
  }, [connected]);

  useEffect(
    () =>
      client.on(EarshotEvent.ParticipantJoined, (_id, person) =>
        notices.info(`${person.name} joined the conversation.`),
      ),
    [client],
  );

  const conv = client.conversations.filter((c) => c.part === 'customer').pop();
  const view = conv?.view as CustomerView | undefined;

  const startVoice = async (): Promise<void> => {
    client.prepareAudio(); // inside the click: lets the browser play the call
    setStep('asking');
    const ok = await notices.run(async () => {
      const mic = await client.requestMicrophone();
      setStep('choose');
      await client.startVoice(queue, { microphone: mic });
    });
    if (!ok) setStep('mic');
  };

  const answer = async (): Promise<void> => {
    if (!conv) return;
    if (conv.channel === 'voice') client.prepareAudio(); // inside the click: lets the browser play the call
    await notices.run(() => client.answer(conv.id));
  };

  const again = (): void => {
    if (conv) client.dismiss(conv.id);
    setStep('choose');
  };

  return (
    <div class="widget-page">
      <main class="widget" aria-labelledby="widget-title">
        <header class="widget-head">
          <h1 id="widget-title">Contact us</h1>
          <ConnectionStatus client={client} />
        </header>
        <ReconnectBanner client={client} />
        <NoticeList notices={notices} />

        {!conv && step === 'choose' && (
          <section aria-label="Start a conversation">
            <p>How would you like to reach us?</p>
            <label for="queue">Topic</label>
            <select id="queue" value={queue} onChange={(e) => setQueue((e.target as HTMLSelectElement).value)} disabled={queues.length === 0}>
              {queues.map((q) => (
                <option key={q.name} value={q.name}>
                  {q.name}
                </option>
              ))}
            </select>
            <div class="button-row">
              <button type="button" class="primary" disabled={!connected || !queue} onClick={() => setStep('mic')}>
                Call us
              </button>
              <button type="button" disabled={!connected || !queue || notices.busy} onClick={() => void notices.run(() => client.startChat(queue))}>
                Chat with us
              </button>
            </div>
          </section>
        )}

        {!conv && (step === 'mic' || step === 'asking') && (
          <section aria-label="Microphone">
            <h2>Your microphone</h2>
            <p>To talk with us, your browser will ask to use your microphone. Choose “Allow” when it asks.</p>
            {step === 'asking' && (
              <p role="status" class="status-line">
                Waiting for your permission…
              </p>
            )}
            <div class="button-row">
              <button type="button" class="primary" disabled={step === 'asking' || !connected} onClick={() => void startVoice()}>
                Allow microphone and call
              </button>
              <button type="button" onClick={() => setStep('choose')}>
                Back
              </button>
            </div>
          </section>
        )}

        {conv && view && conv.offered && !conv.ended && (
          <section aria-label="Incoming" role="alertdialog" aria-labelledby="incoming-title">
            <h2 id="incoming-title" data-testid="customer-incoming">
              {others(view) || 'An agent'} is {conv.channel === 'voice' ? 'calling you' : 'asking to chat with you'}
            </h2>
            <div class="button-row">
              <button type="button" class="primary" disabled={!connected || notices.busy} onClick={() => void answer()}>
                {conv.channel === 'voice' ? 'Answer' : 'Open chat'}
              </button>
              <button type="button" disabled={notices.busy} onClick={() => void notices.run(() => client.decline(conv.id))}>
                Decline
              </button>
            </div>
          </section>
        )}

        {conv && view && !conv.offered && !conv.ended && conv.channel === 'voice' && (
          <section aria-label="Call">
            <p class="status-line" role="status" data-testid="customer-status">
              {callStatus(view, conv.call?.state)}
            </p>
            {view.state === 'active' && (
              <p>
                Call time <Elapsed since={conv.since} label="Call time" />
              </p>
            )}
            {conv.call && (
              <div class="meters">
                <LevelMeter id="cust-mic" label="Your microphone" read={() => conv.call?.audio.localLevel() ?? 0} />
                <LevelMeter id="cust-heard" label="You hear" read={() => conv.call?.audio.mixLevel() ?? 0} />
              </div>
            )}
            <div class="button-row">
              <button type="button" aria-pressed={view.muted} disabled={notices.busy} onClick={() => void notices.run(() => client.mute(conv.id, !view.muted))}>
                {view.muted ? 'Unmute' : 'Mute'}
              </button>
              <button type="button" class="danger" disabled={notices.busy} onClick={() => void notices.run(() => client.end(conv.id))}>
                End call
              </button>
            </div>
          </section>
        )}

        {conv && view && !conv.offered && !conv.ended && conv.channel === 'chat' && (
          <section aria-label="Chat">
            <p class="status-line" role="status" data-testid="customer-status">
              {chatStatus(view)}
            </p>
            <ChatThread
              id="customer-chat"
              label="Chat"
              messages={thread(conv.messages, 'public')}
              myName={client.identity?.name ?? ''}
              emptyText="Say hello — an agent will answer here."
              onSend={(t) => notices.run(() => client.sendMessage(conv.id, 'public', t))}
            />
            <div class="button-row">
              <button type="button" class="danger" onClick={() => void notices.run(() => client.end(conv.id))}>
                End chat
              </button>
            </div>
          </section>
        )}

        {conv?.ended && (
          <section aria-label="Ended">
            <p class="status-line" role="status" data-testid="customer-status">
              {customerEndText(conv.ended.reason)}
            </p>
            <button type="button" class="primary" onClick={again}>
              Start a new conversation
            </button>
          </section>
        )}
        <footer class="widget-foot">
          Signed in as {client.identity?.name ?? '…'} ·{' '}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </footer>
      </main>
    </div>
  );
}

function others(view: CustomerView): string {
  return view.participants.map((p) => p.name).join(', ');
}

function callStatus(view: CustomerView, media: LegState | undefined): string {
  if (media === LegState.Failed) return 'The audio connection failed. Please end the call and try again.';
  if (media === LegState.Interrupted) return 'Audio interrupted — reconnecting…';
  if (view.held) return 'You are on hold. Please stay on the line.';
  if (view.state === 'active') return `Connected with ${others(view) || 'an agent'}`;
  return 'Waiting for the next available agent…';
}

function chatStatus(view: CustomerView): string {
  if (view.state === 'active') return `Chatting with ${others(view) || 'an agent'}`;
  return 'Waiting for the next available agent…';
}
