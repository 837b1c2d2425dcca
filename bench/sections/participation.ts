import { sql } from 'kysely'
import { latency, throughput, type LatencyResult, type ThroughputResult } from '../lib/load.js'
import type { DataInfo, Measurement, Profile, Section, ServerContext } from '../lib/types.js'

// Participation at the issue's volume (10,000 proposals, 100,000 comments on each backend): the
// proposals index, one proposal with the first page of its long comment thread, supporting at
// c=16 (one support per resident, a primary key decides), against hand-written SQL giving the same
// answer without sessions, row-level security or presentation.

const VOLUME: Record<Profile['name'], { proposals: number; comments: number; survey_responses: number }> = {
  smoke: { proposals: 300, comments: 3_000, survey_responses: 500 },
  quick: { proposals: 10_000, comments: 100_000, survey_responses: 20_000 },
  full: { proposals: 10_000, comments: 100_000, survey_responses: 20_000 },
}
const RESIDENTS = 16
const PAGE_LIMIT = { postgresql: 100, pglite: 500 }

/** The generated proposal with the long thread, and how many proposals there are. */
function generated(d: DataInfo): { hot: number; proposals: number; survey: number; responses: number } {
  const reports = (d.generated ?? []) as {
    entity: string
    rows: Record<string, number>
    detail?: { hotProposalId?: number; surveyId?: number }
  }[]
  const comments = reports.find((r) => r.entity === 'comments')
  const proposals = reports.find((r) => r.entity === 'proposals')
  const survey = reports.find((r) => r.entity === 'survey_responses')
  return {
    hot: comments?.detail?.hotProposalId ?? 1,
    proposals: proposals?.rows.proposal ?? 0,
    survey: survey?.detail?.surveyId ?? 1,
    responses: survey?.rows.survey_response ?? 0,
  }
}

interface Page {
  name: string
  product: (d: DataInfo) => string
  baseline: (d: DataInfo) => string
}
const pages: Page[] = [
  {
    name: 'proposals index, page 1',
    product: () => '/api/v1/proposals?pageSize=20',
    baseline: () => '/baseline/proposals',
  },
  {
    name: 'proposals index, most supported, district',
    product: (d) => `/api/v1/proposals?pageSize=20&sort=most_supported&areaId=${d.district.id}`,
    baseline: (d) => `/baseline/proposals?sort=support&areaId=${d.district.id}`,
  },
  {
    name: 'proposal detail',
    product: (d) => `/api/v1/proposals/${generated(d).hot}`,
    baseline: (d) => `/baseline/proposal?id=${generated(d).hot}`,
  },
  {
    name: 'proposal comment thread, first page',
    product: (d) => `/api/v1/comments?subjectKind=proposal&subjectId=${generated(d).hot}&pageSize=20`,
    baseline: (d) => `/baseline/comments?id=${generated(d).hot}`,
  },
  {
    name: 'survey results (staff, exact counts)',
    product: (d) => `/api/v1/surveys/${generated(d).survey}/results`,
    baseline: (d) => `/baseline/survey-results?id=${generated(d).survey}`,
  },
]

interface Baseline {
  pages: Record<string, LatencyResult>
  supports: ThroughputResult
}

export const participation: Section<Baseline> = {
  name: 'participation',
  description:
    'the proposals index, a proposal and its comment thread, and supporting at c=16, with 10,000 proposals and 100,000 comments, vs hand-written SQL',
  data: (profile) => VOLUME[profile.name],
  baselineRoutes(app, database) {
    app.get('/baseline/proposals', async (req) => {
      const q = req.query as { sort?: string; areaId?: string }
      const { rows } = await sql<Record<string, unknown>>`
        select p.id, p.reference, p.title, left(p.body, 141) as body, p.status, p.support_count, p.threshold,
               p.comment_count, a.name_zh, a.name_en, u.display_name
        from proposal p join area a on a.id = p.area_id join app_user u on u.id = p.author_id
        where p.status <> 'withdrawn'
          ${q.areaId ? sql`and a.path like (select path from area where id = ${Number(q.areaId)}) || '%'` : sql``}
        order by ${q.sort === 'support' ? sql`p.support_count desc, p.id desc` : sql`p.id desc`} limit 20`.execute(
        database.db,
      )
      const count = await sql<{ n: string }>`
        select count(*) as n from (select 1 from proposal where status <> 'withdrawn' limit 10020) t`.execute(
        database.db,
      )
      return { items: rows, total: Number(count.rows[0]!.n) }
    })
    app.get('/baseline/proposal', async (req) => {
      const id = Number((req.query as { id: string }).id)
      const { rows } = await sql<Record<string, unknown>>`
        select p.*, a.name_zh, a.name_en, u.display_name,
               (select json_agg(e order by e.id) from proposal_event e where e.proposal_id = p.id) as events
        from proposal p join area a on a.id = p.area_id join app_user u on u.id = p.author_id where p.id = ${id}`.execute(
        database.db,
      )
      return rows[0] ?? null
    })
    app.get('/baseline/comments', async (req) => {
      const id = Number((req.query as { id: string }).id)
      const { rows } = await sql<Record<string, unknown>>`
        select c.id, c.body, c.official, c.reply_count, c.created_at, u.display_name
        from participation_comment c join app_user u on u.id = c.author_id
        where c.subject_kind = 'proposal' and c.subject_id = ${id} and c.parent_id is null
        order by c.id limit 20`.execute(database.db)
      return rows
    })
    // The same figures as the results page: answers per question, the scale's distribution, counts
    // per option, and the newest text answers.
    app.get('/baseline/survey-results', async (req) => {
      const id = Number((req.query as { id: string }).id)
      const counts = await sql<Record<string, unknown>>`
        select a.question_id, a.scale, count(*)::int as n
        from survey_answer a join survey_question q on q.id = a.question_id
        where q.survey_id = ${id} group by grouping sets ((a.question_id), (a.question_id, a.scale))`.execute(
        database.db,
      )
      const choices = await sql<Record<string, unknown>>`
        select a.question_id, c.o as option, count(*)::int as n
        from survey_answer a join survey_question q on q.id = a.question_id cross join lateral unnest(a.choices) as c(o)
        where q.survey_id = ${id} group by 1, 2`.execute(database.db)
      const texts = await sql<Record<string, unknown>>`
        select question_id, text from (
          select a.question_id, a.text, row_number() over (partition by a.question_id order by a.response_id desc) as rn
          from survey_answer a join survey_question q on q.id = a.question_id
          where q.survey_id = ${id} and a.text is not null) x
        where rn <= 100`.execute(database.db)
      return { counts: counts.rows, choices: choices.rows, texts: texts.rows }
    })
    app.get('/baseline/supportable', async () => {
      const { rows } = await sql<{ id: number }>`
        select id from proposal where status = 'published' order by id desc limit 100`.execute(database.db)
      return rows.map((r) => r.id)
    })
    // A support as bare SQL: the row (the primary key refuses a second) and the counter.
    app.post('/baseline/supports', async (req) => {
      const b = req.body as { proposalId: number; userId: number }
      return database.db.transaction().execute(async (tx) => {
        const added = await sql`insert into proposal_support (proposal_id, user_id, created_at)
          values (${b.proposalId}, ${b.userId}, now()) on conflict do nothing returning user_id`.execute(tx)
        if (added.rows.length)
          await sql`update proposal set support_count = support_count + 1 where id = ${b.proposalId}`.execute(tx)
        return { added: added.rows.length }
      })
    })
  },
  async baseline(ctx) {
    const out: Record<string, LatencyResult> = {}
    for (const p of pages)
      out[p.name] = await latency(
        () => fetch(`${ctx.url}${p.baseline(ctx.data)}`),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
    // Proposals that still take supports, the same ones the product run gets from the API.
    const open = (await (await fetch(`${ctx.url}/baseline/supportable`)).json()) as number[]
    let i = 0
    const supports = await throughput({
      url: ctx.url,
      method: 'POST',
      path: '/baseline/supports',
      connections: 16,
      seconds: ctx.profile.loadSeconds,
      headers: { 'content-type': 'application/json' },
      // Users far from the generated supporters' windows matter little: most supports are new rows.
      body: () => {
        const k = i++
        return JSON.stringify({ proposalId: open[k % Math.max(1, open.length)] ?? 1, userId: 1 + (k % RESIDENTS) })
      },
    })
    return { pages: out, supports }
  },
  async run(ctx: ServerContext, base) {
    const rows: Measurement[] = []
    const backend = ctx.data.backend
    // Residents of the generated data sign in (password grassroots-demo).
    const tokens: string[] = []
    for (let k = 1; k <= RESIDENTS; k++) {
      const r = await fetch(`${ctx.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `pr.resident${String(k).padStart(5, '0')}`, password: 'grassroots-demo' }),
      })
      if (r.ok) tokens.push(((await r.json()) as { token: string }).token)
    }
    const reader = tokens[0] ?? ctx.tokens.admin
    for (const p of pages) {
      // The index as a resident sees it (row-level security on their branch); one proposal, its
      // thread and the survey's exact counts as the city's admin, who sees the generated ones wherever they are.
      const token = p.name.startsWith('proposals index') ? reader : ctx.tokens.admin
      const r = await latency(
        () => fetch(`${ctx.url}${p.product(ctx.data)}`, { headers: { authorization: `Bearer ${token}` } }),
        ctx.profile.samples,
        ctx.profile.warmup,
      )
      const b = base?.pages[p.name]
      const limit = PAGE_LIMIT[backend]
      const ratio = b ? r.p95 / b.p95 : null
      rows.push({
        section: 'participation',
        name: `${p.name} p95`,
        unit: 'ms',
        value: r.p95,
        baseline: b?.p95 ?? null,
        ratio,
        target: `≤ ${limit} ms and ≤ 2× the SQL`,
        met: r.p95 <= limit && (ratio === null || ratio <= 2 || r.p95 - (b?.p95 ?? 0) < 5),
        note: `${p.name.startsWith('survey') ? `${generated(ctx.data).responses} responses` : `${generated(ctx.data).proposals} proposals, ${ctx.data.counts.participation_comment ?? '100,000'} comments`}${r.failures ? `; ${r.failures} failed (last status ${r.lastStatus})` : ''}`,
        detail: { product: r, baseline: b ?? null },
      })
    }
    // Each resident supports proposals still open on their own branch of the tree.
    const openOf: number[][] = []
    for (const t of tokens) {
      const list = (await (
        await fetch(`${ctx.url}/api/v1/proposals?status=published&pageSize=100`, {
          headers: { authorization: `Bearer ${t}` },
        })
      ).json()) as { items: { id: number }[] }
      openOf.push(list.items.map((x) => x.id))
    }
    const open = [...new Set(openOf.flat())]
    let i = 0
    const supports = await throughput({
      url: ctx.url,
      method: 'POST',
      path: '/api/v1/proposals/1/supports',
      connections: 16,
      seconds: ctx.profile.loadSeconds,
      vary: () => {
        const k = i++
        const who = k % Math.max(1, tokens.length)
        const mine = openOf[who] ?? []
        return {
          path: `/api/v1/proposals/${mine[Math.floor(k / tokens.length) % Math.max(1, mine.length)] ?? 1}/supports`,
          headers: { authorization: `Bearer ${tokens[who] ?? ctx.tokens.admin}` },
        }
      },
    })
    const b = base?.supports
    const ratio = b && b.rps > 0 ? supports.rps / b.rps : null
    rows.push({
      section: 'participation',
      name: 'supporting, c=16',
      unit: 'supports/s',
      value: Math.round(supports.rps),
      baseline: b ? Math.round(b.rps) : null,
      ratio,
      target: '≥ 0.5× the SQL',
      met: ratio !== null && ratio >= 0.5,
      note: `p99 ${supports.p99} ms; ${supports.non2xx} not 2xx, ${supports.errors} errors; ${tokens.length} residents over ${open.length} open proposals`,
      detail: { product: supports, baseline: b ?? null },
    })
    return rows
  },
}
