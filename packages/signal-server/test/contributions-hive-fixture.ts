/**
 * A loopback stand-in for a Hive API node: JSON-RPC 2.0 over HTTP POST, answering
 * `condenser_api.get_accounts` and `condenser_api.get_dynamic_global_properties` in the shapes
 * (and with the fields) api.hive.blog returns. Unknown methods get Hive's JSON-RPC error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureAccount {
  name: string;
  postingKeys: string[];
  activeKeys?: string[];
}

export interface HiveFixture {
  url: string;
  calls: { method: string; params: unknown }[];
  setAccounts(accounts: FixtureAccount[]): void;
  close(): Promise<void>;
}

function authority(keys: string[]) {
  return { weight_threshold: 1, account_auths: [], key_auths: keys.map((key) => [key, 1]) };
}

function accountJson(account: FixtureAccount, index: number) {
  return {
    id: 1000 + index,
    name: account.name,
    owner: authority(account.activeKeys ?? account.postingKeys),
    active: authority(account.activeKeys ?? account.postingKeys),
    posting: authority(account.postingKeys),
    memo_key: account.postingKeys[0] ?? '',
    json_metadata: '',
    posting_json_metadata: '',
    proxy: '',
    last_owner_update: '1970-01-01T00:00:00',
    created: '2020-03-20T14:55:33',
    balance: '1.000 HIVE',
    hbd_balance: '0.000 HBD',
    savings_hbd_balance: '0.000 HBD',
    vesting_shares: '0.000000 VESTS',
    post_count: 0,
  };
}

export const DYNAMIC_GLOBAL_PROPERTIES = {
  head_block_number: 91_234_567,
  head_block_id: '0570cf87a3c1b2d4e5f60718293a4b5c6d7e8f90',
  time: '2026-11-29T03:00:00',
  current_witness: 'fixture-witness',
  current_supply: '450000000.000 HIVE',
  current_hbd_supply: '30000000.000 HBD',
  last_irreversible_block_num: 91_234_550,
};

export async function startHiveFixture(accounts: FixtureAccount[] = []): Promise<HiveFixture> {
  let known = accounts;
  const calls: { method: string; params: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let request: { id?: unknown; method?: unknown; params?: unknown };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
      } catch {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse Error' }, id: null }));
        return;
      }
      const method = String(request.method);
      calls.push({ method, params: request.params });
      let body: unknown;
      if (method === 'condenser_api.get_accounts') {
        const names = (Array.isArray(request.params) && Array.isArray(request.params[0]) ? request.params[0] : []) as unknown[];
        body = { jsonrpc: '2.0', result: known.map(accountJson).filter((a) => names.includes(a.name)), id: request.id };
      } else if (method === 'condenser_api.get_dynamic_global_properties') {
        body = { jsonrpc: '2.0', result: DYNAMIC_GLOBAL_PROPERTIES, id: request.id };
      } else {
        body = { jsonrpc: '2.0', error: { code: -32601, message: 'Could not find method ' + method }, id: request.id };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setAccounts: (next) => {
      known = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
