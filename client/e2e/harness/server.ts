/**
 * Runs the real Earshot server binary on free loopback ports for the
 * browser tests: HTTP on a port picked here, media on any free UDP port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where the tests keep their files (ignored by git). */
export const artifacts = join(repoRoot, 'client', 'e2e', '.artifacts');

function goBinary(): string {
  for (const p of [process.env.GO, '/usr/local/go/bin/go']) if (p && existsSync(p)) return p;
  return 'go';
}

/** Builds the server (with the apps from server/web/dist embedded). */
export function buildServer(): string {
  // A prebuilt binary (e.g. for debugging the tests) skips the build.
  if (process.env.EARSHOT_BINARY) return process.env.EARSHOT_BINARY;
  if (!existsSync(join(repoRoot, 'server', 'web', 'dist', 'index.html'))) {
    throw new Error('server/web/dist is missing: run `npm run build` before the browser tests');
  }
  mkdirSync(artifacts, { recursive: true });
  const out = join(artifacts, 'earshot');
  const r = spawnSync(goBinary(), ['build', '-o', out, './server'], { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } });
  if (r.status !== 0) throw new Error(`go build failed (${r.status})`);
  return out;
}

/** A free TCP port on 127.0.0.1 (released just before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A running server. */
export interface RunningServer {
  base: string;
  proc: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/** Waits until fn resolves true, polling; throws after timeoutMs. */
export async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs)); // poll interval
  }
}

/**
 * The address of the isolated test network's interface (set by
 * isolated-net.sh), if the tests run inside it. Firefox can only reach
 * media there: it gathers no loopback ICE candidates.
 */
export const testNetworkIP = process.env.EARSHOT_E2E_MEDIA_IP ?? '';

/** Starts the binary and waits until /readyz answers. Media listens on mediaIP (default loopback). */
export async function startServer(binary: string, mediaIP = '127.0.0.1', extraArgs: string[] = []): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'earshot-e2e-'));
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const proc = spawn(binary, ['-http', `127.0.0.1:${port}`, '-udp-port', '0', '-listen-ip', mediaIP, '-data', dataDir, '-log-level', 'info', ...extraArgs], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exited = false;
    proc.once('exit', () => (exited = true));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor('the server to be ready', async () => {
        if (exited) return true;
        const r = await fetch(`${base}/readyz`);
        return r.ok;
      }, 60_000);
      if (exited) throw new Error(`server exited:\n${output}`);
    } catch (e) {
      proc.kill('SIGKILL');
      // The port may have been taken between picking and binding: retry.
      if (attempt < 3 && /address already in use/.test(output)) continue;
      throw e;
    }
    return {
      base,
      proc,
      log: () => output,
      stop: async () => {
        if (!exited) {
          proc.kill('SIGTERM');
          await waitFor('the server to stop', () => exited, 30_000).catch(() => proc.kill('SIGKILL'));
        }
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}
