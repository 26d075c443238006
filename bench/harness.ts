// Timing helpers for the benchmarks: samples with warm-ups, medians and percentiles, a spawned
// command's wall time, and the table every benchmark prints. A figure is only ever compared with a
// baseline measured in the same run, on the same machine, at the same moment.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

/** One line of the report: our figure, the baseline beside it, and the target it answers. */
export interface BenchResult {
  name: string;
  /** median milliseconds */
  ms: number;
  /** 90th percentile milliseconds */
  p90: number;
  baseline: { name: string; ms: number } | null;
  /** ms / baseline.ms */
  ratio: number | null;
  /** e.g. "≤ 1.5× baseline", "< 50 ms"; empty for informative lines */
  target: string;
  /** null: informative, no target */
  pass: boolean | null;
  runs: number;
  note?: string;
}

/** Timed runs per figure (BENCH_RUNS); medians need enough of them on a shared, noisy machine. */
export const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 25));

export interface Samples {
  ms: number[];
  median: number;
  p90: number;
  min: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function summarize(ms: number[]): Samples {
  return { ms, median: median(ms), p90: percentile(ms, 90), min: Math.min(...ms) };
}

/**
 * Samples several contenders in turns (a, b, a, b, …) so that load from other processes on the
 * machine falls on all of them alike.
 */
export async function interleave<K extends string>(opts: {
  runs: number;
  warmup?: number;
  fns: Record<K, () => unknown>;
}): Promise<Record<K, Samples>> {
  const keys = Object.keys(opts.fns) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < (opts.warmup ?? 0) + opts.runs; i++) {
    for (const k of keys) {
      const t0 = performance.now();
      await opts.fns[k]();
      const dt = performance.now() - t0;
      if (i >= (opts.warmup ?? 0)) out[k].push(dt);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, summarize(out[k])])) as Record<K, Samples>;
}

export interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects on a non-zero exit unless `allowFail`. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; allowFail?: boolean } = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const r = { code: code ?? -1, stdout, stderr };
      if (r.code !== 0 && !opts.allowFail) reject(new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${stderr.slice(0, 2000)}`));
      else resolve(r);
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** A benchmark's result line from its samples and its baseline's. */
export function result(opts: {
  name: string;
  ours: Samples;
  baseline?: { name: string; samples: Samples } | null;
  target?: string;
  /** decides pass from our median and the ratio; omitted: informative line */
  check?: (ms: number, ratio: number | null) => boolean;
  note?: string;
}): BenchResult {
  const base = opts.baseline ?? null;
  const ratio = base ? opts.ours.median / base.samples.median : null;
  return {
    name: opts.name,
    ms: opts.ours.median,
    p90: opts.ours.p90,
    baseline: base ? { name: base.name, ms: base.samples.median } : null,
    ratio,
    target: opts.target ?? '',
    pass: opts.check ? opts.check(opts.ours.median, ratio) : null,
    runs: opts.ours.ms.length,
    ...(opts.note ? { note: opts.note } : {}),
  };
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** The report as a fixed-width table. */
export function renderTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${fmtMs(r.ms)} ms`,
    `${fmtMs(r.p90)} ms`,
    r.baseline ? `${fmtMs(r.baseline.ms)} ms ${r.baseline.name}` : '',
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS',
  ]);
  const head = ['benchmark', 'median', 'p90', 'baseline (median)', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The package root (dist/bench/harness.js → ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** git-ignored scratch space for results and temporary repositories. */
export const WORK = path.join(ROOT, 'bench', '.work');
/** The CLI entry; BENCH_CLI points at another build (to compare a change). */
export const CLI = process.env.BENCH_CLI ?? path.join(ROOT, 'dist', 'cli', 'main.js');

export function scratch(prefix: string): string {
  fs.mkdirSync(WORK, { recursive: true });
  return fs.realpathSync(fs.mkdtempSync(path.join(WORK, prefix)));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Environment for the spawned CLI: no colour, no CI, no ambient server or token. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
  delete env.CI;
  delete env.CAXTON_TOKEN;
  if (!extra.CAXTON_URL) delete env.CAXTON_URL;
  return env;
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`;
}

export const log = (line: string) => process.stdout.write(`${line}\n`);

/** The logger `caxton serve` makes (info level), writing to the null device: what a server really pays per request. */
export function serveLogger(): pino.Logger {
  return pino({ level: 'info', redact: ['req.headers.authorization'] }, pino.destination(os.devNull));
}
