import { describe, expect, it } from 'vitest';
import { Engine } from '../src/sdk/engine/Engine';
import { withDefaults, type ClientOptions } from '../src/sdk/options';
import type { IceServer } from '../src/sdk/protocol';
import { FakeServer } from './fakeServer';

/** An engine signed in to a fake server that hands out iceServers. */
async function signedIn(servers: IceServer[] | undefined, opts: Partial<ClientOptions> = {}): Promise<{ engine: Engine; server: FakeServer }> {
  const server = new FakeServer();
  server.authResult = (session: string) => ({
    session_id: session,
    resume_token: 'r',
    identity: { user_id: 'carla', name: 'Carla', tenant: 'demo', roles: ['customer'], teams: [] },
    protocol: 1,
    resume_grace_ms: 30000,
    ...(servers ? { ice_servers: servers } : {}),
  });
  const engine = new Engine(withDefaults({ token: 'tok', url: 'ws://test/ws', webSocketFactory: server.factory, pingIntervalMs: 0, ...opts }));
  await engine.signal.connect();
  return { engine, server };
}

const turn: IceServer = { urls: ['turns:turn.example.com:443?transport=tcp'], username: '1800000000:demo/carla', credential: 'c3VwZXI=' };

describe('ICE servers from the server', () => {
  it('go into the legs RTCConfiguration', async () => {
    const { engine } = await signedIn([{ urls: ['stun:stun.example.com'] }, turn]);
    expect(engine.rtcConfiguration().iceServers).toEqual([{ urls: ['stun:stun.example.com'] }, turn]);
  });

  it('keep the apps other settings', async () => {
    const { engine } = await signedIn([turn], { rtcConfiguration: { iceTransportPolicy: 'relay' } });
    expect(engine.rtcConfiguration()).toEqual({ iceTransportPolicy: 'relay', iceServers: [turn] });
  });

  it('never replace iceServers the app set, even an empty list', async () => {
    const { engine } = await signedIn([turn], { rtcConfiguration: { iceServers: [] } });
    expect(engine.rtcConfiguration().iceServers).toEqual([]);
  });

  it('are absent when the server configures none', async () => {
    const { engine } = await signedIn(undefined);
    expect(engine.rtcConfiguration().iceServers).toBeUndefined();
  });
});
