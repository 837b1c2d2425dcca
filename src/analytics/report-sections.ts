import type { Db } from '../core/db.js'
import type { AreaInfo, ExtraSection, monthBounds } from './report-facts.js'

// The sections other parts of issue 16 contribute to the monthly report (early warnings, the topic
// of the month), each a function of the area and month returning a table, or null when it has
// nothing to say. They run in the report's scope (a leader over the area).

type Section = (tx: Db, area: AreaInfo, b: ReturnType<typeof monthBounds>, asOf: Date) => Promise<ExtraSection | null>

export const reportSections: Section[] = []
