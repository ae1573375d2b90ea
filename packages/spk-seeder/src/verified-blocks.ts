/**
 * The plugin's block fetcher with the blocks kept on disk: the directory and file root blocks a
 * video's checks need survive restarts, so a restarted seeder checks its cached segments without
 * asking any gateway. Blocks are content-addressed, so each one read back is checked against its
 * CID again; a damaged one is fetched anew.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BlockFetcher, blockMatches } from 'videojs-spk-p2p/node';

type Cid = Parameters<BlockFetcher['get']>[0];

export class DiskBlockFetcher extends BlockFetcher {
  private readonly local = new Map<string, Promise<Uint8Array>>();
  /** Blocks read back from disk and found damaged. */
  damaged = 0;

  constructor(
    private readonly dir: string,
    gateways: readonly string[],
    onProblem: (message: string) => void,
  ) {
    super(gateways, onProblem);
  }

  override get(cid: Cid): Promise<Uint8Array> {
    const key = cid.toV1().toString();
    let block = this.local.get(key);
    if (!block) {
      block = this.fromDisk(cid, key).then((stored) => stored ?? super.get(cid).then((bytes) => this.save(key, bytes)));
      block.catch(() => this.local.delete(key));
      this.local.set(key, block);
    }
    return block;
  }

  private async fromDisk(cid: Cid, key: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(this.dir, key)));
    } catch {
      return undefined;
    }
    if (await blockMatches(cid, bytes)) return bytes;
    this.damaged += 1;
    await rm(join(this.dir, key), { force: true });
    return undefined;
  }

  private async save(key: string, bytes: Uint8Array): Promise<Uint8Array> {
    // A block that cannot be written is still good for this run.
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(join(this.dir, `${key}.tmp`), bytes);
      await rename(join(this.dir, `${key}.tmp`), join(this.dir, key));
    } catch {
      /* checked again next run */
    }
    return bytes;
  }
}
