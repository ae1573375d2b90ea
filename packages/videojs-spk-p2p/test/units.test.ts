// The swarm helpers' node-side rules; the browser units (options, segment map, integrity, upload
// limiter, segment XHR, report queue) are tested in Chromium under test/browser with @web/test-runner.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionSecret, peerIdToHex, reportUrlFor, trackerUrlFor } from '../src/swarm.js';

describe('videojs-spk-p2p: swarm helpers', () => {
  it('adds cid and session to the tracker URL and derives the report URL from it', () => {
    const session = createSessionSecret();
    assert.match(session, /^[0-9a-f]{32}$/);
    assert.notEqual(session, createSessionSecret());
    const url = new URL(trackerUrlFor('wss://s.example/api/p2p/signal?token=t', 'QmCid', session));
    assert.equal(url.searchParams.get('cid'), 'QmCid');
    assert.equal(url.searchParams.get('session'), session);
    assert.equal(url.searchParams.get('token'), 't');
    assert.equal(reportUrlFor('wss://s.example/api/p2p/signal?cid=x'), 'https://s.example/api/p2p/reports');
    assert.equal(reportUrlFor('ws://127.0.0.1:9/api/p2p/signal'), 'http://127.0.0.1:9/api/p2p/reports');
  });

  it('turns a raw 20-character peer id into 40 hex digits', () => {
    const raw = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => i * 13));
    const hex = peerIdToHex(raw);
    assert.match(hex, /^[0-9a-f]{40}$/);
    assert.equal(Buffer.from(hex, 'hex').toString('latin1'), raw);
    assert.equal(peerIdToHex(hex.toUpperCase()), hex);
  });
});

