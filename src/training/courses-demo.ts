import type { Tx } from '../core/db.js'

/** The demo courses by name, for the learning part's demo to assign. */
export interface DemoCourses {
  /** 网格员入职培训: published, with lessons and a quiz; the induction rule assigns it. */
  induction: number | null
}

// Demo courses. Stub: the courses part fills it in.
export async function seedCoursesDemo(
  _tx: Tx,
  _now: Date,
): Promise<{ stats: Record<string, number>; courses: DemoCourses }> {
  return { stats: {}, courses: { induction: null } }
}
