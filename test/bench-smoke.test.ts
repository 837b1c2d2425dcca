import { describe, expect, it } from 'vitest'
import { bench, profiles } from '../bench/run.js'
import { generateEntities, generateSteps } from '../src/operations/generate.js'

// The bench's smoke profile on the embedded backend: a few hundred generated cases, one second of
// each load, a few samples of each query. It keeps `npm run bench` from rotting; it measures
// nothing worth reading and asserts no timings (the targets live in the bench itself).
describe('bench smoke (embedded)', () => {
  it('generates data, runs every section against baseline and server, and reports one row per measurement', async () => {
    const lines: string[] = []
    const { doc, table } = await bench({
      profile: profiles.smoke,
      backends: ['pglite'],
      out: null,
      progress: false,
      log: (l) => lines.push(l),
    })
    const result = doc.results[0]!
    expect(result.backend).toBe('pglite')
    expect(result.data.counts.cases!).toBeGreaterThanOrEqual(profiles.smoke.cases.pglite)
    expect(result.data.counts.case_event!).toBeGreaterThan(result.data.counts.cases!)
    const names = result.measurements.map((m) => m.name)
    for (const prefix of [
      'intake c=1 throughput',
      'Open311 POST',
      'Open311 GET',
      'three rates, street, month',
      'department ranking',
      'grid heat map',
      'case list',
      'case detail',
      'application queue, district',
      'eligibility check of one person',
      'server RSS',
    ]) {
      expect(
        names.some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true)
    }
    // Every request of the smoke succeeded: no row carries a failure note.
    expect(result.measurements.filter((m) => m.note?.includes('failed'))).toEqual([])
    for (const m of result.measurements.filter((m) => m.baseline !== undefined))
      expect(m.baseline, m.name).not.toBeNull()
    expect(table).toContain('| backend')
    expect(doc.machine.cores).toBeGreaterThan(0)
  }, 360_000)

  it('the generator has a step per built entity and names the others', () => {
    expect(generateSteps.map((s) => s.entity)).toContain('cases')
    expect(generateEntities).toEqual(expect.arrayContaining(['people', 'proposals', 'comments']))
  })
})
