import type { Tx } from '../core/db.js'
import type { DemoCourses } from './courses-demo.js'

// Demo rules, enrolments, progress and attempts. Stub: the learning part fills it in.
export async function seedLearningDemo(_tx: Tx, _now: Date, _courses: DemoCourses): Promise<Record<string, number>> {
  return {}
}
