import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The slowest files, slowest first (durations of a full CI run). Two files run at a time, so a
 * long file that starts late is the run's tail: on a clean clone vitest has no durations and
 * starts the largest files first, which put test/devices-crash.test.ts (small, minutes long) near
 * the end. These start first; everything else keeps vitest's order (failed first, then by the
 * durations it remembers, else by size).
 */
export const LONG_POLES = [
  'test/fuzz.test.ts',
  'test/devices-crash.test.ts',
  'test/backup.test.ts',
  'test/crash.test.ts',
  'test/emergency-alerts-crash.test.ts',
]

export default class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (f: TestSpecification) => {
      const i = LONG_POLES.findIndex((p) => f.moduleId.endsWith(`/${p}`))
      return i < 0 ? LONG_POLES.length : i
    }
    return sorted
      .map((f, i) => ({ f, i, r: rank(f) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.f)
  }
}
