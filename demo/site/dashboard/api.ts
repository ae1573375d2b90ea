/** The contributions API of the signal server, as the dashboard reads it. */

export interface ViewerSummary {
  viewer: string;
  hiveUsername: string | null;
  credited: { day: number; week: number; month: number; all: number };
  sessions: { id: string; peerId: string; videoCid: string; joinedAt: string; bytesUploaded: number; bytesDownloaded: number; status: string }[];
  contributions: { bytesShared: number; bytesReceived: number }[];
}

export interface LeaderboardEntry {
  rank: number;
  viewer: string;
  hiveUsername: string | null;
  creditedBytes: number;
  claimedBytes: number;
}

export interface TimelinePoint {
  hour: string;
  p2pBytes: number;
  cdnBytes: number;
  p2pRatio: number;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url, { cache: 'no-store' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  // text/plain: a simple cross-origin request, no preflight (the API accepts it as JSON).
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) });
  const json = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(json.error ?? `HTTP ${response.status}`);
  return json;
}

export class ContributionsApi {
  constructor(private readonly base: string) {}

  viewer(id: string): Promise<ViewerSummary | undefined> {
    return getJson<ViewerSummary>(`${this.base}/api/p2p/contributions/${id}`);
  }

  async leaderboard(period: string, limit = 20): Promise<LeaderboardEntry[]> {
    const body = await getJson<{ entries: LeaderboardEntry[] }>(`${this.base}/api/p2p/leaderboard?period=${encodeURIComponent(period)}&limit=${limit}`);
    return body?.entries ?? [];
  }

  async timeline(hours: number): Promise<TimelinePoint[]> {
    const body = await getJson<{ points: TimelinePoint[] }>(`${this.base}/api/p2p/contribution-stats?hours=${hours}`);
    return body?.points ?? [];
  }

  challenge(viewer: string, username: string): Promise<{ challengeId: string; message: string }> {
    return postJson(`${this.base}/api/p2p/hive/challenge`, { viewer, username });
  }

  link(viewer: string, challengeId: string, signature: string): Promise<{ hiveUsername: string }> {
    return postJson(`${this.base}/api/p2p/hive/link`, { viewer, challengeId, signature });
  }
}
