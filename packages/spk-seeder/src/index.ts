export { Seeder } from './seeder.js';
export { parseConfig, parseBytes, usage, ConfigError, type SeederConfig } from './config.js';
export { DiskCache, DiskFullError } from './disk-cache.js';
export { jsonLogger, type Logger } from './log.js';
export { renderMetrics, type MetricsSnapshot } from './metrics.js';
