import { sql } from 'kysely'
import { hashPassword } from '../accounts/service.js'
import { between, pick, type Random } from '../core/random.js'
import { searchTerms } from '../participation/terms.js'
import type { RowValues } from './generate-sink.js'
import type { GenerateStep } from './generate-step.js'

// Resident proposals and their comment threads for the benchmark: `--proposals N` writes the
// proposals over every community and street of the window with their supports (one per resident:
// the supporters are generated resident accounts, `pr.resident00001`…, password grassroots-demo,
// verified against the registry's people when the people step ran) and histories; `--comments M`
// spreads comments over them as they fall in practice (a few hot proposals take most, about one
// in seven a reply, some official answers), one proposal with a long thread for the paging test.

const BATCH = 2000
const DAY = 86_400_000
const CATEGORIES: [string, number][] = [
  ['environment', 22],
  ['facilities', 25],
  ['safety', 12],
  ['elderly_children', 14],
  ['culture', 8],
  ['property', 10],
  ['traffic', 7],
  ['other', 2],
]
const STATES: [string, number][] = [
  ['published', 60],
  ['threshold_reached', 8],
  ['evaluating', 5],
  ['accepted', 12],
  ['rejected', 8],
  ['implemented', 5],
  ['withdrawn', 2],
]
const SUBJECTS = [
  ['电动自行车充电桩', '楼道飞线充电很危险，希望统一建设充电设施'],
  ['无障碍坡道', '老人和残疾人进出不便，建议加装坡道和扶手'],
  ['小区停车位', '车位紧张，晚上乱停车堵住消防通道'],
  ['垃圾分类投放点', '投放点味道大，建议加盖并定时清洗'],
  ['老年食堂', '独居老人吃饭不方便，希望增加送餐服务'],
  ['路灯照明', '小路晚上太黑，建议增设路灯'],
  ['健身器材', '器材老化损坏，建议更换并定期检查'],
  ['快递柜', '快递堆在门口容易丢，建议增设快递柜'],
  ['绿化养护', '树木遮挡采光，建议定期修剪'],
  ['儿童游乐设施', '孩子没有安全的玩耍场地，建议建设游乐区'],
  ['占道经营', '早晚摊贩占道，通行困难'],
  ['噪音扰民', '夜间施工噪音大，影响休息'],
]
const PLACES = ['北门', '南门', '东侧', '西侧', '三号楼', '五号楼', '中心花园', '活动中心', '地下车库', '主干道']
const COMMENTS = [
  '非常支持，这个问题存在很久了。',
  '同意，希望尽快解决。',
  '建议先做个居民意见调查。',
  '费用由谁承担需要说清楚。',
  '我们楼也有同样的情况。',
  '可以参考隔壁小区的做法。',
  '物业应该承担起责任来。',
  '希望居委会牵头协调。',
  '这个方案不太现实，场地不够。',
  '能不能分期实施，先解决最急的。',
]
const SUPPORT_COLUMNS = ['proposal_id', 'user_id', 'created_at']
const PROPOSAL_COLUMNS = [
  'id',
  'reference',
  'area_id',
  'district_id',
  'category',
  'title',
  'body',
  'author_id',
  'status',
  'support_count',
  'threshold',
  'threshold_reached_at',
  'answer_due_at',
  'answer',
  'answered_by',
  'answered_at',
  'terms',
  'created_at',
  'updated_at',
]
const EVENT_COLUMNS = ['proposal_id', 'action', 'from_status', 'to_status', 'actor_id', 'note', 'at']
const COMMENT_COLUMNS = [
  'id',
  'subject_kind',
  'subject_id',
  'area_id',
  'parent_id',
  'author_id',
  'official',
  'body',
  'created_at',
]

function weighted<T>(rng: Random, table: [T, number][]): T {
  const total = table.reduce((a, [, w]) => a + w, 0)
  let r = rng() * total
  for (const [v, w] of table) {
    r -= w
    if (r < 0) return v
  }
  return table[0]![0]
}

/** How many supports a proposal of `state` has, against a threshold of 30: most few, some many. */
function supportsFor(rng: Random, state: string, max: number): number {
  const reached = state !== 'published' && state !== 'withdrawn'
  const n = reached ? 30 + Math.floor(rng() ** 2 * 200) : Math.floor(rng() ** 3 * 29)
  return Math.min(n, max)
}

/** Generated residents: `count` accounts on random communities, verified when people exist. */
async function residentsFor(
  ctx: Parameters<GenerateStep['run']>[0],
  count: number,
  communities: { id: number }[],
): Promise<{ id: number; areaId: number }[]> {
  const db = ctx.database.db
  const existing = await db
    .selectFrom('app_user as u')
    .innerJoin('role_grant as g', 'g.user_id', 'u.id')
    .select(['u.id', 'g.area_id'])
    .where('u.username', 'like', 'pr.resident%')
    .orderBy('u.id')
    .execute()
  if (existing.length >= count) return existing.slice(0, count).map((r) => ({ id: r.id, areaId: r.area_id }))
  const hash = await hashPassword('grassroots-demo')
  const out = existing.map((r) => ({ id: r.id, areaId: r.area_id }))
  const people = await db
    .selectFrom('person as p')
    .leftJoin('resident_verification as v', 'v.person_id', 'p.id')
    .select(['p.id', 'p.area_id'])
    .where('p.status', '=', 'active')
    .where('v.user_id', 'is', null)
    .orderBy('p.id')
    .limit(count)
    .execute()
  const now = ctx.opts.until
  for (let i = existing.length; i < count; i += BATCH) {
    const n = Math.min(BATCH, count - i)
    const users = await db
      .insertInto('app_user')
      .values(
        Array.from({ length: n }, (_, k) => ({
          username: `pr.resident${String(i + k + 1).padStart(5, '0')}`,
          display_name: `居民${String(i + k + 1).padStart(5, '0')}`,
          password_hash: hash,
          is_demo: false,
        })),
      )
      .returning('id')
      .execute()
    const placed = users.map((u, k) => {
      const person = people[i + k]
      return { id: u.id, areaId: person?.area_id ?? pick(ctx.rng, communities).id, personId: person?.id ?? null }
    })
    await db
      .insertInto('role_grant')
      .values(placed.map((u) => ({ user_id: u.id, role: 'resident', area_id: u.areaId, granted_by: null })))
      .execute()
    const verified = placed.filter((u) => u.personId !== null)
    if (verified.length)
      await db
        .insertInto('resident_verification')
        .values(
          verified.map((u) => ({
            user_id: u.id,
            person_id: u.personId!,
            area_id: u.areaId,
            method: 'in_person',
            verified_by: null,
            verified_at: now,
          })),
        )
        .execute()
    out.push(...placed.map((u) => ({ id: u.id, areaId: u.areaId })))
  }
  if (people.length < count) {
    // Too few registry people to verify everyone: supporting needs no verification here.
    const root = await db
      .selectFrom('area')
      .select('id')
      .where('parent_id', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('proposal_setting')
      .values({
        area_id: root.id,
        support_threshold: 30,
        answer_days: 30,
        verified_to_propose: false,
        verified_to_support: false,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('area_id').doUpdateSet({ verified_to_propose: false, verified_to_support: false }))
      .execute()
    ctx.log(
      `proposals: ${people.length} registry people for ${count} residents; verification not required for the generated data`,
    )
  }
  return out
}

export const proposalsStep: GenerateStep = {
  entity: 'proposals',
  tables: ['proposal', 'proposal_support', 'proposal_event'],
  async run(ctx, total) {
    const { rng, opts, sink } = ctx
    const db = ctx.database.db
    const { rows: areas } = await sql<{ id: number; level: string; district: number }>`
      select a.id, a.level, d.id as district from area a
      join area d on d.level = 'district' and a.path like d.path || '%'
      where a.level in ('community', 'street') and a.retired_at is null order by a.id`.execute(db)
    const communities = areas.filter((a) => a.level === 'community')
    if (communities.length === 0) throw new Error('no communities: seed the demo city first')
    const streets = areas.filter((a) => a.level === 'street')
    const residents = await residentsFor(ctx, Math.min(Math.max(Math.ceil(total / 2), 300), 20_000), communities)
    const staff = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
    const until = opts.until.getTime()
    const start = until - Math.round(opts.years * 365.25) * DAY
    const termsOf = new Map<string, string>()
    let done = 0
    let supports = 0
    let events = 0
    while (done < total) {
      const n = Math.min(BATCH, total - done)
      const { rows: ids } = await sql<{ id: string }>`
        select nextval(pg_get_serial_sequence('proposal', 'id'))::bigint as id from generate_series(1, ${n}::int)`.execute(
        db,
      )
      const proposals: RowValues[] = []
      const supportRows: RowValues[] = []
      const eventRows: RowValues[] = []
      for (let k = 0; k < n; k++) {
        const id = Number(ids[k]!.id)
        const created = start + Math.floor(Math.sqrt(rng()) * (until - start - DAY))
        const area = rng() < 0.85 || streets.length === 0 ? pick(rng, communities) : pick(rng, streets)
        const state = weighted(rng, STATES)
        const [subject, problem] = pick(rng, SUBJECTS)
        const place = pick(rng, PLACES)
        const title = `${place}${subject}的建议（${id}）`
        const body = `${place}${problem}。恳请社区和物业研究解决，居民愿意配合。`
        const key = `${place}${subject}`
        if (!termsOf.has(key)) termsOf.set(key, searchTerms(`${place}${subject} ${body}`))
        const author = pick(rng, residents).id
        const count = supportsFor(rng, state, residents.length - 1)
        const reachedAt = count >= 30 && state !== 'published' ? created + between(rng, 1, 20) * DAY : null
        const answered =
          ['accepted', 'rejected', 'implemented'].includes(state) && reachedAt
            ? reachedAt + between(rng, 2, 25) * DAY
            : null
        const answer =
          answered === null
            ? null
            : state === 'rejected'
              ? '经研究，该事项暂不具备实施条件，已记录并将在明年规划中统筹考虑。'
              : '同意实施，已列入本年度社区微更新项目。'
        proposals.push([
          id,
          `JY-${new Date(created).getUTCFullYear()}-${String(id).padStart(6, '0')}`,
          area.id,
          area.district,
          weighted(rng, CATEGORIES),
          title,
          body,
          author,
          state,
          count,
          30,
          reachedAt === null ? null : new Date(reachedAt),
          reachedAt === null ? null : new Date(reachedAt + 30 * DAY),
          answer,
          answered === null ? null : staff.id,
          answered === null ? null : new Date(answered),
          termsOf.get(key)!,
          new Date(created),
          new Date(answered ?? reachedAt ?? created),
        ])
        // Distinct supporters: a random window of the residents, skipping the author.
        const from = Math.floor(rng() * residents.length)
        let added = 0
        for (let j = 0; added < count && j < residents.length; j++) {
          const r = residents[(from + j) % residents.length]!
          if (r.id === author) continue
          supportRows.push([id, r.id, new Date(created + (added + 1) * 600_000)])
          added++
        }
        eventRows.push([id, 'publish', null, 'published', author, null, new Date(created)])
        if (reachedAt !== null)
          eventRows.push([id, 'threshold', 'published', 'threshold_reached', null, null, new Date(reachedAt)])
        if (answered !== null)
          eventRows.push([
            id,
            state === 'rejected' ? 'reject' : 'accept',
            'threshold_reached',
            state === 'rejected' ? 'rejected' : 'accepted',
            staff.id,
            answer,
            new Date(answered),
          ])
      }
      await sink.write('proposal', PROPOSAL_COLUMNS, proposals)
      await sink.write('proposal_support', SUPPORT_COLUMNS, supportRows)
      await sink.write('proposal_event', EVENT_COLUMNS, eventRows)
      supports += supportRows.length
      events += eventRows.length
      done += n
      ctx.progress(done)
    }
    return {
      rows: { proposal: total, proposal_support: supports, proposal_event: events },
      detail: { residents: residents.length },
    }
  },
}

export const commentsStep: GenerateStep = {
  entity: 'comments',
  tables: ['participation_comment'],
  async run(ctx, total) {
    const { rng, sink } = ctx
    const db = ctx.database.db
    const proposals = await db
      .selectFrom('proposal')
      .select(['id', 'area_id', 'created_at'])
      .where('status', '!=', 'withdrawn')
      .orderBy('id')
      .execute()
    if (proposals.length === 0) throw new Error('comments need proposals: run with --proposals first')
    const users = await db
      .selectFrom('app_user')
      .select('id')
      .where('username', 'like', 'pr.resident%')
      .orderBy('id')
      .execute()
    const authors = users.length
      ? users.map((u) => u.id)
      : [(await db.selectFrom('app_user').select('id').executeTakeFirstOrThrow()).id]
    const staff = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
    // The first proposal takes a long thread (2 % of all comments, at least 200) for the paging test;
    // the rest fall on proposals by a power law, most on a few.
    const hot = proposals[0]!
    const hotShare = Math.max(200, Math.floor(total * 0.02))
    const lastTop = new Map<number, number>()
    let done = 0
    let replies = 0
    while (done < total) {
      const n = Math.min(BATCH * 5, total - done)
      const { rows: ids } = await sql<{ id: string }>`
        select nextval(pg_get_serial_sequence('participation_comment', 'id'))::bigint as id from generate_series(1, ${n}::int)`.execute(
        db,
      )
      const rows: RowValues[] = []
      for (let k = 0; k < n; k++) {
        const id = Number(ids[k]!.id)
        const p = done + k < hotShare ? hot : proposals[Math.floor(rng() ** 2.5 * proposals.length)]!
        const top = lastTop.get(p.id)
        const isReply = top !== undefined && rng() < 0.15
        const official = isReply && rng() < 0.3
        const at = new Date(p.created_at.getTime() + (done + k) * 1000)
        rows.push([
          id,
          'proposal',
          p.id,
          p.area_id,
          isReply ? top! : null,
          official ? staff.id : pick(rng, authors),
          official,
          official ? '感谢您的意见，已转相关部门研究。' : pick(rng, COMMENTS),
          at,
        ])
        if (isReply) replies++
        else lastTop.set(p.id, id)
      }
      await sink.write('participation_comment', COMMENT_COLUMNS, rows)
      done += n
      ctx.progress(done)
    }
    // The counters the pages show, from the rows just written.
    await sink.exec(`
      UPDATE proposal p SET comment_count = c.n
      FROM (SELECT subject_id, count(*) AS n FROM participation_comment WHERE subject_kind = 'proposal' GROUP BY subject_id) c
      WHERE c.subject_id = p.id`)
    await sink.exec(`
      UPDATE participation_comment p SET reply_count = c.n
      FROM (SELECT parent_id, count(*) AS n FROM participation_comment WHERE parent_id IS NOT NULL GROUP BY parent_id) c
      WHERE c.parent_id = p.id`)
    return { rows: { participation_comment: total }, detail: { replies, hotProposalId: hot.id, hotComments: hotShare } }
  },
}

const SURVEY_QUESTIONS = [
  { kind: 'single', prompt: '您对小区环境卫生是否满意？', options: ['满意', '基本满意', '不满意', '说不清'] },
  { kind: 'multiple', prompt: '您最希望改善的方面（可多选）', options: ['停车', '绿化', '安全', '养老', '文体活动'] },
  { kind: 'scale', prompt: '您对社区工作总体打几分？', options: [] as string[] },
  { kind: 'text', prompt: '其他意见和建议', options: [] as string[] },
  {
    kind: 'single',
    prompt: '不满意的主要原因是？',
    options: ['清扫不及时', '垃圾外溢', '异味', '其他'],
    showIf: [1, 2],
  },
] as const

/**
 * Responses to one open survey of the district: `count` anonymous responses through one-time links
 * (the link rows included), answers drawn per question, the branching question answered only when
 * its condition holds. For the survey results benchmark.
 */
export const surveyResponsesStep: GenerateStep = {
  entity: 'survey_responses',
  tables: ['survey_response', 'survey_answer', 'survey_link'],
  async run(ctx, total) {
    const { rng, sink, opts } = ctx
    const db = ctx.database.db
    const district = await db
      .selectFrom('area')
      .select('id')
      .where('level', '=', 'district')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const admin = await db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
    const at = opts.until
    const survey = await db
      .insertInto('survey')
      .values({
        area_id: district.id,
        title: `居民满意度调查（生成数据，${total} 份）`,
        description: '生成的问卷，用于统计结果的性能测试。',
        status: 'open',
        opens_at: new Date(at.getTime() - 30 * DAY),
        closes_at: new Date(at.getTime() + 30 * DAY),
        verified_only: false,
        response_count: total,
        created_by: admin.id,
        created_at: new Date(at.getTime() - 31 * DAY),
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const questions = await db
      .insertInto('survey_question')
      .values(
        SURVEY_QUESTIONS.map((q, i) => ({
          survey_id: survey.id,
          position: i + 1,
          kind: q.kind,
          prompt: q.prompt,
          options: [...q.options],
          required: q.kind !== 'text',
          scale_min: q.kind === 'scale' ? 1 : null,
          scale_max: q.kind === 'scale' ? 5 : null,
          show_if_position: 'showIf' in q ? q.showIf[0] : null,
          show_if_option: 'showIf' in q ? q.showIf[1] : null,
        })),
      )
      .returning(['id', 'position'])
      .execute()
    const qid = (position: number) => questions.find((q) => q.position === position)!.id
    let done = 0
    let answers = 0
    while (done < total) {
      const n = Math.min(BATCH * 5, total - done)
      const { rows: ids } = await sql<{ id: string }>`
        select nextval(pg_get_serial_sequence('survey_response', 'id'))::bigint as id from generate_series(1, ${n}::int)`.execute(
        db,
      )
      const links: RowValues[] = []
      const responses: RowValues[] = []
      const rows: RowValues[] = []
      for (let k = 0; k < n; k++) {
        const id = Number(ids[k]!.id)
        const hash = `gen-${survey.id}-${done + k}`
        const when = new Date(at.getTime() - Math.floor(rng() * 29 * DAY))
        links.push([hash, survey.id, when, when])
        responses.push([id, survey.id, null, hash, null, when])
        const first = weighted(rng, [
          [0, 45],
          [1, 35],
          [2, 15],
          [3, 5],
        ])
        rows.push([id, qid(1), [first], null, null])
        const picked = [0, 1, 2, 3, 4].filter(() => rng() < 0.4)
        rows.push([id, qid(2), picked.length ? picked : [between(rng, 0, 4)], null, null])
        rows.push([
          id,
          qid(3),
          null,
          weighted(rng, [
            [5, 35],
            [4, 35],
            [3, 18],
            [2, 8],
            [1, 4],
          ]),
          null,
        ])
        if (rng() < 0.2) rows.push([id, qid(4), null, null, pick(rng, COMMENTS)])
        if (first === 2) rows.push([id, qid(5), [between(rng, 0, 3)], null, null])
      }
      await sink.write('survey_link', ['token_hash', 'survey_id', 'created_at', 'used_at'], links)
      await sink.write(
        'survey_response',
        ['id', 'survey_id', 'user_id', 'link_hash', 'area_id', 'created_at'],
        responses,
      )
      await sink.write('survey_answer', ['response_id', 'question_id', 'choices', 'scale', 'text'], rows)
      answers += rows.length
      done += n
      ctx.progress(done)
    }
    return {
      rows: { survey_response: total, survey_answer: answers, survey_link: total },
      detail: { surveyId: survey.id },
    }
  },
}
