import { listRuns, runScores } from './assessment.js'
import type { Cell, ExtraSection, ReportSection } from './report-facts.js'
import { topicOfTheMonth } from './topics.js'
import { listWarnings, type WarningItem } from './warnings.js'

// The sections other parts of issue 16 contribute to the monthly report, each read through that
// part's own exported use case (so its rules of visibility and its figures stay one definition),
// in the report's scope (a leader over the area): the early warnings raised in the month, the topic
// of the month, and the KPI rankings of the assessment runs of the month. Each returns null when it
// has nothing to say.

const kindNames: Record<string, [string, string]> = {
  spike: ['异常激增', 'Spike'],
  repeat_place: ['同一地点重复反映', 'Repeated place'],
  repeat_requester: ['同一人重复投诉', 'Repeated requester'],
  satisfaction_drop: ['满意度骤降', 'Satisfaction drop'],
  dispute_risk: ['高风险纠纷', 'High-risk dispute'],
}
const severityNames: Record<string, [string, string]> = {
  low: ['低', 'low'],
  medium: ['中', 'medium'],
  high: ['高', 'high'],
  critical: ['严重', 'critical'],
}
const stateNames: Record<string, [string, string]> = {
  open: ['待处理', 'open'],
  acknowledged: ['已确认', 'acknowledged'],
  closed: ['已关闭', 'closed'],
}
const severityOrder = ['critical', 'high', 'medium', 'low']
const named = (names: Record<string, [string, string]>, key: string) => ({
  zh: names[key]?.[0] ?? key,
  en: names[key]?.[1] ?? key,
})

/** Early warnings raised in the month in the area's subtree (every state), most severe first. */
export const warningsSection: ReportSection = async (tx, ctx, area, b) => {
  const from = b.start.toMillis()
  const to = b.end.toMillis()
  const found: WarningItem[] = []
  // Newest first: page until the warnings are older than the month.
  for (let page = 1; page <= 20; page++) {
    const p = await listWarnings(tx, ctx, { areaId: area.id, state: 'all', page, pageSize: 500 })
    for (const w of p.items) {
      const at = Date.parse(w.raisedAt)
      if (at >= from && at < to) found.push(w)
    }
    const last = p.items.at(-1)
    if (!last || Date.parse(last.raisedAt) < from || p.items.length < 500) break
  }
  if (found.length === 0) return null
  found.sort(
    (x, y) =>
      severityOrder.indexOf(x.severity) - severityOrder.indexOf(y.severity) ||
      Date.parse(x.raisedAt) - Date.parse(y.raisedAt) ||
      x.id - y.id,
  )
  const byKind = (lang: 0 | 1) =>
    Object.entries(kindNames)
      .map(([k, names]) => [names[lang], found.filter((w) => w.kind === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`)
      .join(lang === 0 ? '，' : ', ')
  const shown = found.slice(0, 30)
  const section: ExtraSection = {
    titleZh: `预警（本月 ${found.length} 条）`,
    titleEn: `Early warnings (${found.length} this month)`,
    headers: [
      { zh: '地点', en: 'Area' },
      { zh: '类型', en: 'Kind' },
      { zh: '级别', en: 'Severity' },
      { zh: '类别', en: 'Category' },
      { zh: '观测值', en: 'Observed' },
      { zh: '预期', en: 'Expected' },
      { zh: '状态', en: 'State' },
    ],
    rows: shown.map((w) => [
      { zh: w.area.nameZh, en: w.area.nameEn },
      named(kindNames, w.kind),
      named(severityNames, w.severity),
      w.category ? { zh: w.category.nameZh, en: w.category.nameEn } : '—',
      Math.round(w.observed * 100) / 100,
      w.expected === null ? null : Math.round(w.expected * 100) / 100,
      named(stateNames, w.state),
    ]),
    noteZh: `按类型：${byKind(0)}${found.length > shown.length ? `；表中列出最严重的 ${shown.length} 条` : ''}。`,
    noteEn: `By kind: ${byKind(1)}${found.length > shown.length ? `; the ${shown.length} most severe are listed` : ''}.`,
  }
  return section
}

/** The KPI rankings of the assessment runs of this area for the month (published or not). */
export const assessmentSection: ReportSection = async (tx, ctx, area, b) => {
  const month = b.start.toFormat('yyyy-MM')
  const runs = (await listRuns(tx, ctx, { areaId: area.id, page: 1, pageSize: 100 })).items.filter(
    (r) => r.area.id === area.id && r.period === month,
  )
  if (runs.length === 0) return null
  const rows: Cell[][] = []
  for (const r of runs) {
    const scores = await runScores(tx, ctx, r.id, { page: 1, pageSize: 500 })
    const state = r.publishedAt
      ? ['已发布', 'published']
      : r.provisional
        ? ['临时', 'provisional']
        : ['未发布', 'not published']
    for (const s of [...scores.items].sort(
      (x, y) => (x.currentRank ?? 1e9) - (y.currentRank ?? 1e9) || (x.code ?? '').localeCompare(y.code ?? ''),
    ))
      rows.push([
        { zh: `${r.nameZh}（${state[0]}）`, en: `${r.nameEn} (${state[1]})` },
        s.currentRank,
        { zh: s.nameZh, en: s.nameEn },
        s.currentScore,
        s.correctedScore === null ? '—' : `${s.score ?? '—'} → ${s.correctedScore}`,
      ])
  }
  return {
    titleZh: '绩效考核排名',
    titleEn: 'KPI rankings',
    headers: [
      { zh: '考核方案', en: 'Scheme' },
      { zh: '名次', en: 'Rank' },
      { zh: '考核对象', en: 'Unit' },
      { zh: '得分', en: 'Score' },
      { zh: '申诉更正', en: 'Corrected' },
    ],
    rows,
  }
}

/**
 * The topic of the month (每月一题) suggested per street (a community stands for itself), with its
 * evidence: volume, growth over the three months before, repeat rate, score and top places.
 */
export const topicSection: ReportSection = async (tx, ctx, area, b, asOf) => {
  const month = b.start.toFormat('yyyy-MM')
  // The tagger's backlog is the owner's to count; a past month is tagged long since.
  const t = await topicOfTheMonth(tx, ctx, { areaId: area.id, month }, 0, asOf)
  if (t.streets.length === 0) return null
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`)
  const rows: Cell[][] = t.streets.map((st) => {
    const s = st.suggestion
    const places = s
      ? [...s.topGrids, ...s.topAddresses]
          .slice(0, 3)
          .map((p) => `${p.label}(${p.count})`)
          .join('、')
      : ''
    return s
      ? [
          { zh: st.area.nameZh, en: st.area.nameEn },
          { zh: s.topic.nameZh, en: s.topic.nameEn },
          s.volume,
          pct(s.growth),
          pct(s.repeatRate),
          s.score,
          places || '—',
        ]
      : [
          { zh: st.area.nameZh, en: st.area.nameEn },
          { zh: '（无达到门槛的主题）', en: '(no topic reached the threshold)' },
          null,
          null,
          null,
          null,
          null,
        ]
  })
  const first = t.streets.find((st) => st.suggestion)?.suggestion
  return {
    titleZh: first && t.streets.length === 1 ? `每月一题：${first.topic.nameZh}` : '每月一题',
    titleEn: first && t.streets.length === 1 ? `Topic of the month: ${first.topic.nameEn}` : 'Topic of the month',
    headers: [
      { zh: '街道', en: 'Street' },
      { zh: '建议主题', en: 'Suggested topic' },
      { zh: '件数', en: 'Cases' },
      { zh: '增长', en: 'Growth' },
      { zh: '重复率', en: 'Repeat rate' },
      { zh: '评分', en: 'Score' },
      { zh: '高发地点', en: 'Top places' },
    ],
    rows,
    noteZh:
      '评分 = 件数 ×（1 + 增长，封顶200%）×（1 + 重复率）；增长相对前三个月的月均件数；重复率为同一地点或同一反映人再次反映的占比；件数不足3件的主题不作建议。',
    noteEn: t.formula,
  }
}

/** In the order they appear in the report, after the rankings. */
export const reportSections: ReportSection[] = [warningsSection, topicSection, assessmentSection]
