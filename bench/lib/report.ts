import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { root } from './server.js'
import type { Measurement } from './types.js'

export function machine(pg: string | null) {
  let disk: string | null = null
  try {
    disk = execFileSync('df', ['-h', os.tmpdir()]).toString().split('\n')[1] ?? null
  } catch {
    disk = null
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgresql: pg,
    pglite: (() => {
      try {
        return (
          JSON.parse(readFileSync(path.join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as {
            version: string
          }
        ).version
      } catch {
        return null
      }
    })(),
    tmpDisk: disk,
  }
}

const fmt = (v: number | null | undefined, unit = '') => {
  if (v === null || v === undefined || Number.isNaN(v)) return '–'
  const s = Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)
  return unit ? `${s} ${unit}` : s
}

/** The one table: measurement, value, baseline, ratio, target, met. */
export function table(rows: (Measurement & { backend: string })[]): string {
  const head = ['backend', 'measurement', 'value', 'baseline', 'ratio', 'target', 'met?']
  const body = rows.map((r) => [
    r.backend,
    r.name + (r.note ? ` (${r.note})` : ''),
    fmt(r.value, r.unit),
    r.baseline === undefined ? '' : fmt(r.baseline, r.unit),
    r.ratio === undefined || r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ])
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => [...b[i]!].length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + ' '.repeat(w[i]! - [...c].length)).join(' | ')} |`
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n')
}
