/**
 * Whole-machine CPU use over an interval, from /proc/stat (Linux): on a shared 2-core machine
 * the benchmark has to say how busy the CPUs were, or its latencies cannot be read honestly.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

interface CpuTimes {
  busy: number;
  total: number;
}

function readTimes(): CpuTimes | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: idle and iowait are the not-busy part.
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export interface CpuUsage {
  /** Busy share of all cores over the interval, 0–100; `null` where /proc/stat is unavailable. */
  busyPercent: number | null;
  cores: number;
  loadAvg1: number;
}

export function startCpuMeter(): () => CpuUsage {
  const start = readTimes();
  return () => {
    const end = readTimes();
    const busyPercent =
      start && end && end.total > start.total ? Math.round((100 * (end.busy - start.busy)) / (end.total - start.total)) : null;
    return { busyPercent, cores: cpus().length, loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100 };
  };
}
