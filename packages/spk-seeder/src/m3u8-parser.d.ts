// m3u8-parser ships no types; only what the seeder calls is declared.
declare module 'm3u8-parser' {
  export class Parser {
    push(chunk: string): void;
    end(): void;
    manifest: unknown;
  }
}
