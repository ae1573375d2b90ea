import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { verifyRoomToken } from '../src/index.js';
import { announce, binaryId, CID, TestClient, waitFor } from './signal-support.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, NODE_TEST_CONTEXT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, out, exit };
}

describe('spk-signal CLI', () => {
  it('prints --help with every flag and its environment variable', async () => {
    const { out, exit } = run(['--help']);
    assert.equal(await exit, 0);
    assert.match(out.stdout, /--max-connections-per-ip <v>\s+SPK_SIGNAL_MAX_CONNECTIONS_PER_IP/);
    // Every numeric option has its flag, default included (the flags are made from the options table).
    assert.match(out.stdout, /--session-retention-ms <v>\s+SPK_SIGNAL_SESSION_RETENTION_MS\s+.*\(600000\)/);
    assert.match(out.stdout, /spk-signal token --cid/);
  });

  it('rejects a bad flag value with exit code 2 and a clear message', async () => {
    const { out, exit } = run(['--message-rate', 'fast']);
    assert.equal(await exit, 2);
    assert.match(out.stderr, /--message-rate must be a non-negative number, got "fast"/);
    const unknown = run(['--no-such-flag']);
    assert.equal(await unknown.exit, 2);
    assert.match(unknown.out.stderr, /Unknown option '--no-such-flag'/);
  });

  it('serves with flags and environment, logs JSON, and shuts down gracefully on SIGTERM', async () => {
    const { child, out, exit } = run(['--port', '0', '--host', '127.0.0.1', '--no-contributions'], { SPK_SIGNAL_MAX_NUMWANT: '7', SPK_SIGNAL_LOG_LEVEL: 'info' });
    await waitFor(() => /"msg":"ready"/.test(out.stdout), 15_000, 'the ready log line');
    const ready = out.stdout.split('\n').map((line) => JSON.parse(line || '{}') as Record<string, unknown>).find((line) => line.msg === 'ready');
    const signalUrl = String(ready?.signalUrl);
    assert.match(signalUrl, /^ws:\/\/127\.0\.0\.1:\d+\/api\/p2p\/signal$/);
    const client = await TestClient.connect(signalUrl, { cid: CID });
    const infoHash = binaryId();
    client.send(announce(infoHash, binaryId()));
    assert.equal((await client.next((m) => m.info_hash === infoHash)).incomplete, 1);
    child.kill('SIGTERM');
    assert.equal((await client.waitClosed(10_000)).code, 1001);
    assert.equal(await exit, 0);
    assert.match(out.stdout, /"msg":"shutting down"/);
  });

  it('issues a room token the server accepts', async () => {
    const secret = 'cli-token-secret-0123456789';
    const { out, exit } = run(['token', '--cid', CID, '--ttl', '600'], { SPK_SIGNAL_ROOM_TOKEN_SECRET: secret });
    assert.equal(await exit, 0);
    const issued = JSON.parse(out.stdout) as { token: string; expiresAt: string };
    const check = verifyRoomToken(secret, CID, issued.token);
    assert.equal(check.ok, true);
    assert.ok(Date.parse(issued.expiresAt) > Date.now() + 590_000);
    const missing = run(['token', '--cid', CID], { SPK_SIGNAL_ROOM_TOKEN_SECRET: '' });
    assert.equal(await missing.exit, 2);
    assert.match(missing.out.stderr, /--secret or set SPK_SIGNAL_ROOM_TOKEN_SECRET/);
  });
});
