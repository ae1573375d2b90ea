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

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream build). */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  /** User + system CPU time since the process started, ms. */
  cpuMs: number;
  /** Resident set now, and its peak since the process started (VmHWM), bytes. */
  rssBytes: number;
  peakRssBytes: number;
}

/** One process's CPU time and memory, from /proc (Linux); `null` when it is gone or /proc is missing. */
export function readProcessUsage(pid: number): ProcessUsage | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from the ')' that closes it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND, rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
  } catch {
    return null;
  }
}
