/** uPlot charts shared by the watch page and the benchmark report: bytes by source, and peers. */
import uPlot from 'uplot';

export const COLORS = { peers: '#1a9e5c', cdn: '#d9534f', baseline: '#8a8a8a', peerCount: '#3366cc' } as const;

export interface BytesChartOptions {
  title: string;
  width: number;
  height: number;
  /** Series after the time axis, each drawn on the MB axis unless `peersAxis` is set. */
  series: { label: string; color: string; dash?: number[]; peersAxis?: boolean; fill?: boolean }[];
  xLabel: string;
  /** Legend values that follow the cursor; off for static pictures, where they would read "--". */
  liveLegend?: boolean;
}

export function bytesChart(target: HTMLElement, options: BytesChartOptions, data: uPlot.AlignedData): uPlot {
  const hasPeers = options.series.some((series) => series.peersAxis);
  const axes: uPlot.Axis[] = [
    { label: options.xLabel },
    { label: 'MB', scale: 'MB' },
  ];
  if (hasPeers) axes.push({ label: 'peers', scale: 'peers', side: 1, grid: { show: false } });
  return new uPlot(
    {
      title: options.title,
      width: options.width,
      height: options.height,
      scales: { x: { time: false }, MB: { range: (_u, _min, max) => [0, Math.max(0.1, max * 1.05)] }, peers: { range: (_u, _min, max) => [0, Math.max(2, max + 1)] } },
      axes,
      legend: { live: options.liveLegend ?? true },
      series: [
        { label: options.xLabel },
        ...options.series.map((series): uPlot.Series => ({
          label: series.label,
          stroke: series.color,
          width: 2,
          scale: series.peersAxis ? 'peers' : 'MB',
          ...(series.dash ? { dash: series.dash } : {}),
          ...(series.fill ? { fill: `${series.color}22` } : {}),
          ...(series.peersAxis ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
        })),
      ],
    },
    data,
    target,
  );
}
