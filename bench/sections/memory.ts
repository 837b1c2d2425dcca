import type { Measurement, Section } from '../lib/types.js'

const mb = (b: number) => Math.round(b / 1048576)

/** The server's RSS, sampled every 250 ms by the runner through all the sections before this one. */
export const memory: Section = {
  name: 'memory',
  description: "resident set size of the server process: after start, and the peak under each section's load",
  async run(ctx) {
    const rows: Measurement[] = []
    const first = ctx.rss[0]
    if (first) rows.push({ section: 'memory', name: 'server RSS after start', unit: 'MB', value: mb(first.bytes) })
    const bySection = new Map<string, number>()
    for (const s of ctx.rss) bySection.set(s.section, Math.max(bySection.get(s.section) ?? 0, s.bytes))
    for (const [section, peak] of bySection)
      if (section !== 'start')
        rows.push({ section: 'memory', name: `server RSS peak during ${section}`, unit: 'MB', value: mb(peak) })
    return rows
  },
}
