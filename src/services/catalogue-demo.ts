import { beijingYear } from '../core/clock.js'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { cjkPdf, zhDate } from '../core/pdf.js'
import { scheduleTimers } from '../core/scheduler.js'
import { areaIdByCode } from '../participation/common.js'
import { evaluateRules, type PersonFacts, type Rule } from './eligibility.js'

// The demo catalogue: the services of 桂花 and of its street (meals and home care for the elderly,
// aids for the disabled, the minimum living allowance, a certificate of residence, the community
// canteen, employment help), a draft, and one of 翠竹; applications in every state with their
// documents, events and deadlines, so guihua.staff finds a queue (one of it overdue) and
// guihua.resident finds one of their own being reviewed and one delivered waiting for a rating.

const DAY = 86_400_000

interface DemoService {
  area: string
  code: string
  category: string
  name: string
  description: string
  eligibility: Rule[]
  documents: { key: string; label: string; required: boolean; types?: string[] }[]
  form: { key: string; label: string; type: string; required: boolean; options?: string[]; max?: number }[]
  reviewDays: number
  deliveryDays: number
  timeBankHours?: number
  department?: string
  status?: 'draft' | 'active' | 'suspended'
}

const idCard = { key: 'id_card', label: '身份证复印件', required: true }
const hukou = { key: 'hukou', label: '户口簿复印件', required: true }

const services: DemoService[] = [
  {
    area: 'JZ-QH-01-01',
    code: 'GH-ELDERLY-MEALS',
    category: 'elderly_care',
    name: '老年助餐',
    description:
      '为辖区内年满60周岁的老年人提供午餐助餐服务，可在社区长者食堂就餐或由志愿者送餐上门。每餐政府补贴3元，个人支付8元；也可用时间银行时数抵扣。',
    eligibility: [{ field: 'age', op: 'gte', value: 60 }],
    documents: [idCard],
    form: [
      { key: 'meals_per_week', label: '每周用餐次数', type: 'number', required: true, max: 7 },
      {
        key: 'diet',
        label: '饮食要求',
        type: 'choice',
        required: false,
        options: ['普通', '清淡少盐', '糖尿病餐', '软食'],
      },
      { key: 'delivery', label: '需要送餐上门', type: 'boolean', required: true },
    ],
    reviewDays: 3,
    deliveryDays: 7,
    timeBankHours: 1,
  },
  {
    area: 'JZ-QH-01-01',
    code: 'GH-HOME-CARE',
    category: 'elderly_care',
    name: '居家养老上门服务',
    description:
      '为独居老人提供每周两次上门服务：助洁、助浴、代购、陪同就医、安全探访。由街道购买服务的社会组织派专业护理员上门，首月免费。',
    eligibility: [
      { field: 'age', op: 'gte', value: 60 },
      { field: 'tags', op: 'has_any', value: ['elderly_alone'] },
    ],
    documents: [idCard, { key: 'health_record', label: '近期体检或病历', required: false }],
    form: [
      {
        key: 'needs',
        label: '需要的服务',
        type: 'choice',
        required: true,
        options: ['助洁', '助浴', '代购', '陪同就医', '安全探访'],
      },
      { key: 'contact_phone', label: '紧急联系人电话', type: 'text', required: true, max: 20 },
      { key: 'start_on', label: '希望开始日期', type: 'date', required: false },
    ],
    reviewDays: 5,
    deliveryDays: 10,
    timeBankHours: 2,
  },
  {
    area: 'JZ-QH-01',
    code: 'QH01-DISABILITY-AIDS',
    category: 'disability',
    name: '残疾人辅具申领',
    description:
      '持证残疾人可免费申领轮椅、助行器、助听器、坐便椅等基本型辅助器具，街道统一评估后发放，每类辅具三年内限领一次。',
    eligibility: [{ field: 'tags', op: 'has_any', value: ['disabled'] }],
    documents: [{ key: 'disability_cert', label: '残疾人证', required: true }, idCard],
    form: [
      {
        key: 'aid',
        label: '申领辅具',
        type: 'choice',
        required: true,
        options: ['轮椅', '助行器', '助听器', '坐便椅'],
      },
      { key: 'note', label: '补充说明', type: 'text', required: false, max: 300 },
    ],
    reviewDays: 10,
    deliveryDays: 30,
    department: 'QH-01-ZF',
  },
  {
    area: 'JZ-QH-01',
    code: 'QH01-DIBAO',
    category: 'social_assistance',
    name: '最低生活保障',
    description:
      '家庭人均月收入低于本市低保标准、且家庭财产符合规定的本地户籍居民，可申请最低生活保障。社区受理并入户调查，街道审核后按月发放。',
    eligibility: [
      { field: 'tags', op: 'has_any', value: ['low_income'] },
      { field: 'residence_status', op: 'in', value: ['registered'] },
    ],
    documents: [hukou, { key: 'income_proof', label: '家庭收入证明', required: true }, idCard],
    form: [
      { key: 'monthly_income', label: '家庭月总收入（元）', type: 'number', required: true, max: 100000 },
      { key: 'reason', label: '困难原因', type: 'text', required: true, max: 500 },
    ],
    reviewDays: 20,
    deliveryDays: 30,
  },
  {
    area: 'JZ-QH-01-01',
    code: 'GH-RESIDENCE-CERT',
    category: 'certificate',
    name: '居住证明',
    description: '为在本社区居住的居民开具居住证明，用于子女入学、办理居住证、社保等。居委会核实后两个工作日内出具。',
    eligibility: [
      { field: 'residence_status', op: 'in', value: ['registered', 'floating'] },
      { field: 'age', op: 'gte', value: 16 },
    ],
    documents: [{ ...idCard, types: ['application/pdf', 'image/jpeg', 'image/png'] }],
    form: [
      {
        key: 'purpose',
        label: '证明用途',
        type: 'choice',
        required: true,
        options: ['子女入学', '办理居住证', '社保', '其他'],
      },
      { key: 'copies', label: '份数', type: 'number', required: true, max: 5 },
    ],
    reviewDays: 3,
    deliveryDays: 2,
  },
  {
    area: 'JZ-QH-01-01',
    code: 'GH-CANTEEN-CARD',
    category: 'facility',
    name: '社区食堂就餐卡',
    description: '社区食堂面向全体居民开放，办理就餐卡后可享受居民价；志愿者可用时间银行时数抵扣办卡费。',
    eligibility: [],
    documents: [],
    form: [{ key: 'household_members', label: '同户就餐人数', type: 'number', required: true, max: 10 }],
    reviewDays: 2,
    deliveryDays: 3,
    timeBankHours: 1,
  },
  {
    area: 'JZ-QH-01',
    code: 'QH01-EMPLOYMENT',
    category: 'employment',
    name: '就业援助登记',
    description: '为辖区内16至60周岁有就业意愿的居民登记求职意向，推荐岗位、免费职业技能培训和创业指导。',
    eligibility: [
      { field: 'age', op: 'gte', value: 16 },
      { field: 'age', op: 'lte', value: 60 },
    ],
    documents: [],
    form: [
      { key: 'wanted_job', label: '意向岗位', type: 'text', required: true, max: 100 },
      { key: 'training', label: '需要技能培训', type: 'boolean', required: false },
    ],
    reviewDays: 5,
    deliveryDays: 15,
  },
  {
    area: 'JZ-QH-01-01',
    code: 'GH-AFTER-SCHOOL',
    category: 'family',
    name: '四点半课堂',
    description: '为双职工家庭的小学生提供放学后的作业辅导和看护，由志愿者和社工轮值（筹备中）。',
    eligibility: [{ field: 'household_size', op: 'gte', value: 3 }],
    documents: [],
    form: [
      {
        key: 'grade',
        label: '孩子年级',
        type: 'choice',
        required: true,
        options: ['一年级', '二年级', '三年级', '四年级', '五年级', '六年级'],
      },
    ],
    reviewDays: 5,
    deliveryDays: 10,
    status: 'draft',
  },
  {
    area: 'JZ-QH-02-01',
    code: 'CZ-ELDERLY-MEALS',
    category: 'elderly_care',
    name: '翠竹老年助餐',
    description: '翠竹社区为年满60周岁的老年人提供午餐助餐服务。',
    eligibility: [{ field: 'age', op: 'gte', value: 60 }],
    documents: [idCard],
    form: [{ key: 'meals_per_week', label: '每周用餐次数', type: 'number', required: true, max: 7 }],
    reviewDays: 3,
    deliveryDays: 7,
  },
]

type State = 'submitted' | 'approved' | 'rejected' | 'delivered' | 'withdrawn'
interface DemoApplication {
  service: string
  /** Who applies: the demo resident, or a registry person of 桂花 matching an SQL condition. */
  who: 'resident' | string
  state: State
  ageDays: number
  form: Record<string, unknown>
  /** Documents uploaded (keys), and whether staff checked them. */
  docs?: string[]
  checked?: boolean
  reason?: string
  rating?: number
  comment?: string
  payWithHours?: boolean
}

const elderly = "p.birth_date < ($NOW::date - interval '62 years')"
const applications: DemoApplication[] = [
  // guihua.resident: one being reviewed, one delivered waiting for the rating.
  {
    service: 'GH-RESIDENCE-CERT',
    who: 'resident',
    state: 'submitted',
    ageDays: 1,
    form: { purpose: '子女入学', copies: 2 },
    docs: ['id_card'],
  },
  {
    service: 'GH-CANTEEN-CARD',
    who: 'resident',
    state: 'delivered',
    ageDays: 9,
    form: { household_members: 3 },
    payWithHours: true,
  },
  { service: 'QH01-EMPLOYMENT', who: 'resident', state: 'withdrawn', ageDays: 40, form: { wanted_job: '会计' } },
  // guihua.staff's queue.
  {
    service: 'GH-ELDERLY-MEALS',
    who: elderly,
    state: 'submitted',
    ageDays: 6, // past its three days: overdue
    form: { meals_per_week: 5, diet: '清淡少盐', delivery: true },
    docs: ['id_card'],
  },
  {
    service: 'GH-ELDERLY-MEALS',
    who: elderly,
    state: 'submitted',
    ageDays: 2,
    form: { meals_per_week: 7, diet: '软食', delivery: false },
    docs: ['id_card'],
    checked: true,
  },
  {
    service: 'GH-ELDERLY-MEALS',
    who: elderly,
    state: 'submitted',
    ageDays: 0,
    form: { meals_per_week: 3, delivery: false },
  },
  {
    service: 'GH-HOME-CARE',
    who: `'elderly_alone' = any (p.tags) and ${elderly}`,
    state: 'submitted',
    ageDays: 3,
    form: { needs: '助洁', contact_phone: '13800001111' },
    docs: ['id_card', 'health_record'],
  },
  {
    service: 'QH01-DIBAO',
    who: "'low_income' = any (p.tags) and p.residence_status = 'registered'",
    state: 'submitted',
    ageDays: 4,
    form: { monthly_income: 1800, reason: '家中主要劳动力因病失业，需长期服药。' },
    docs: ['hukou', 'income_proof'],
  },
  {
    service: 'QH01-DISABILITY-AIDS',
    who: "'disabled' = any (p.tags)",
    state: 'approved',
    ageDays: 12,
    form: { aid: '轮椅', note: '右腿行动不便，需折叠轮椅。' },
    docs: ['disability_cert', 'id_card'],
    checked: true,
  },
  {
    service: 'GH-HOME-CARE',
    who: `'elderly_alone' = any (p.tags) and ${elderly}`,
    state: 'approved',
    ageDays: 8,
    form: { needs: '陪同就医', contact_phone: '13900002222', start_on: '2026-12-01' },
    docs: ['id_card'],
    checked: true,
  },
  {
    service: 'GH-ELDERLY-MEALS',
    who: elderly,
    state: 'delivered',
    ageDays: 30,
    form: { meals_per_week: 5, diet: '普通', delivery: false },
    docs: ['id_card'],
    checked: true,
    rating: 5,
    comment: '饭菜可口，价格实惠，志愿者很热情。',
  },
  {
    service: 'QH01-DIBAO',
    who: "'low_income' = any (p.tags) and p.residence_status = 'registered'",
    state: 'rejected',
    ageDays: 35,
    form: { monthly_income: 5200, reason: '收入不稳定。' },
    docs: ['hukou', 'income_proof', 'id_card'],
    checked: true,
    reason: '经入户调查，家庭人均月收入高于本市低保标准（1,320元），暂不符合条件；如情况变化可重新申请。',
  },
  {
    service: 'GH-RESIDENCE-CERT',
    who: "p.residence_status = 'floating' and p.birth_date < ($NOW::date - interval '20 years')",
    state: 'delivered',
    ageDays: 15,
    form: { purpose: '办理居住证', copies: 1 },
    docs: ['id_card'],
    checked: true,
  },
  {
    service: 'GH-ELDERLY-MEALS',
    who: elderly,
    state: 'withdrawn',
    ageDays: 20,
    form: { meals_per_week: 2, delivery: true },
  },
]

/** The facts the rules read of a person, with owner rights (the demo seed's transaction). */
async function factsOf(tx: Tx, personId: number, now: Date): Promise<PersonFacts> {
  const { rows } = await sql<{
    area_id: number
    path: string
    age: number | null
    tags: string[]
    residence_status: string
    status: string
    household_size: number
  }>`
    select p.area_id, a.path, extract(year from age(${now}::date, p.birth_date))::integer as age, p.tags,
      p.residence_status, p.status,
      coalesce((select count(*)::integer from household_member m2 join household_member m on m.household_id = m2.household_id
                where m.person_id = p.id), 1) as household_size
    from person p join area a on a.id = p.area_id where p.id = ${personId}`.execute(tx)
  const r = rows[0]!
  return {
    personId,
    areaId: r.area_id,
    areaPath: r.path,
    age: r.age === null ? null : Number(r.age),
    tags: r.tags,
    residenceStatus: r.residence_status,
    status: r.status,
    householdSize: Number(r.household_size),
  }
}

async function demoPdf(title: string, now: Date): Promise<Buffer> {
  const { doc, done } = cjkPdf({ Title: title, Author: 'Grassroots demo' })
  doc.fontSize(18).text(title)
  doc
    .moveDown()
    .fontSize(11)
    .text(`演示材料，非真实证件。上传于${zhDate(now)}。`)
  doc.end()
  return done
}

export async function seedCatalogueDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const users = await tx
    .selectFrom('app_user')
    .select(['id', 'username'])
    .where('username', 'in', ['guihua.staff', 'cuizhu.staff', 'guihua.resident', 'guihua.handler'])
    .execute()
  const userId = (u: string) => users.find((x) => x.username === u)?.id
  const staff = userId('guihua.staff')
  if (!staff) return {}
  const serviceIds = new Map<string, { id: number; spec: DemoService; departmentId: number | null }>()
  for (const s of services) {
    const areaId = await areaIdByCode(tx, s.area)
    const dept = s.department
      ? await tx.selectFrom('department').select('id').where('code', '=', s.department).executeTakeFirst()
      : undefined
    const created = new Date(now.getTime() - 90 * DAY)
    const row = await tx
      .insertInto('service')
      .values({
        area_id: areaId,
        code: s.code,
        category: s.category,
        name: s.name,
        description: s.description,
        eligibility: JSON.stringify(s.eligibility),
        documents: JSON.stringify(s.documents),
        form: JSON.stringify(s.form),
        review_days: s.reviewDays,
        delivery_days: s.deliveryDays,
        department_id: dept?.id ?? null,
        organisation_id: null,
        time_bank_hours: s.timeBankHours ?? null,
        status: s.status ?? 'active',
        created_by: (s.area === 'JZ-QH-02-01' ? userId('cuizhu.staff') : staff) ?? staff,
        created_at: created,
        updated_at: created,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    serviceIds.set(s.code, { id: row.id, spec: s, departmentId: dept?.id ?? null })
  }

  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const resident = await tx
    .selectFrom('resident_verification as v')
    .innerJoin('app_user as u', 'u.id', 'v.user_id')
    .select(['v.person_id', 'v.user_id'])
    .where('u.username', '=', 'guihua.resident')
    .executeTakeFirst()
  const pdfs = new Map<string, Buffer>()
  const used = new Set<number>()
  let count = 0
  let documents = 0
  for (const a of applications) {
    const svc = serviceIds.get(a.service)!
    let personId: number
    let applicantUserId: number | null = null
    if (a.who === 'resident') {
      if (!resident) continue
      personId = Number(resident.person_id)
      applicantUserId = resident.user_id
    } else {
      const { rows } = await sql<{ id: string; user_id: number | null }>`
        select p.id, v.user_id from person p join area a on a.id = p.area_id
        join area c on c.id = ${guihua} and a.path like c.path || '%'
        left join resident_verification v on v.person_id = p.id
        where p.status = 'active' and ${sql.raw(a.who.replaceAll('$NOW', `'${now.toISOString().slice(0, 10)}'`))}
          and not (p.id = any (${[...used]}::bigint[]))
        order by v.user_id is null, p.id limit 1`.execute(tx)
      if (!rows[0]) continue
      personId = Number(rows[0].id)
      applicantUserId = rows[0].user_id
    }
    used.add(personId)
    const facts = await factsOf(tx, personId, now)
    const results = await evaluateRules(tx, svc.spec.eligibility, facts)
    if (!results.every((r) => r.ok)) continue
    const created = new Date(now.getTime() - a.ageDays * DAY - 2 * 3_600_000)
    const decided = new Date(created.getTime() + Math.min(svc.spec.reviewDays, Math.max(1, a.ageDays / 3)) * DAY)
    const delivered = new Date(decided.getTime() + Math.min(svc.spec.deliveryDays, 3) * DAY)
    const due =
      a.state === 'approved'
        ? new Date(decided.getTime() + svc.spec.deliveryDays * DAY)
        : new Date(created.getTime() + svc.spec.reviewDays * DAY)
    const { rows: seq } = await sql<{ n: string }>`select nextval('service_application_seq') as n`.execute(tx)
    const reference = `FW-${beijingYear(created)}-${String(seq[0]!.n).padStart(6, '0')}`
    const counter = applicantUserId === null
    const payWithHours = !!a.payWithHours && (await balanceOf(tx, personId)) >= (svc.spec.timeBankHours ?? 0)
    const last = a.state === 'delivered' ? delivered : a.state === 'submitted' ? created : decided
    const row = await tx
      .insertInto('service_application')
      .values({
        reference,
        service_id: svc.id,
        area_id: facts.areaId,
        district_id: Number(facts.areaPath.split('/').filter(Boolean)[1] ?? facts.areaId),
        person_id: personId,
        applicant_user_id: applicantUserId,
        submitted_by: applicantUserId ?? staff,
        channel: counter ? 'counter' : 'portal',
        department_id: svc.departmentId,
        status: a.state,
        form: JSON.stringify(a.form),
        eligibility: JSON.stringify(results),
        pay_with_hours: payWithHours,
        decision_reason: a.reason ?? null,
        decided_by: ['approved', 'rejected', 'delivered'].includes(a.state) ? staff : null,
        decided_at: ['approved', 'rejected', 'delivered'].includes(a.state) ? decided : null,
        delivered_at: a.state === 'delivered' ? delivered : null,
        delivery_note: a.state === 'delivered' ? '已办结。' : null,
        due_at: due,
        rating: a.rating ?? null,
        rating_comment: a.comment ?? null,
        rated_at: a.rating ? new Date(delivered.getTime() + DAY) : null,
        version: 1,
        created_at: created,
        updated_at: last,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    count++

    const events: {
      action: string
      from: string | null
      to: string | null
      actor: number | null
      note?: string | null
      at: Date
    }[] = [{ action: 'submit', from: null, to: 'submitted', actor: applicantUserId ?? staff, at: created }]
    for (const key of a.docs ?? []) {
      const label = svc.spec.documents.find((d) => d.key === key)?.label ?? key
      let pdf = pdfs.get(label)
      if (!pdf) {
        pdf = await demoPdf(label, now)
        pdfs.set(label, pdf)
      }
      await tx
        .insertInto('service_document')
        .values({
          application_id: row.id,
          key,
          file_name: `${label}.pdf`,
          content_type: 'application/pdf',
          size: pdf.length,
          content: pdf,
          checked: a.checked ? true : null,
          checked_by: a.checked ? staff : null,
          checked_at: a.checked ? new Date(created.getTime() + 3_600_000) : null,
          check_note: a.checked ? '与原件核对一致' : null,
          created_at: new Date(created.getTime() + 600_000),
        })
        .execute()
      documents++
      events.push({
        action: 'document',
        from: null,
        to: null,
        actor: applicantUserId ?? staff,
        note: `${label}: ${label}.pdf`,
        at: new Date(created.getTime() + 600_000),
      })
      if (a.checked)
        events.push({
          action: 'document_accepted',
          from: null,
          to: null,
          actor: staff,
          note: '与原件核对一致',
          at: new Date(created.getTime() + 3_600_000),
        })
    }
    if (a.state === 'approved' || a.state === 'delivered')
      events.push({ action: 'approve', from: 'submitted', to: 'approved', actor: staff, at: decided })
    if (a.state === 'rejected')
      events.push({ action: 'reject', from: 'submitted', to: 'rejected', actor: staff, note: a.reason, at: decided })
    if (a.state === 'delivered')
      events.push({
        action: 'deliver',
        from: 'approved',
        to: 'delivered',
        actor: staff,
        note: '已办结。',
        at: delivered,
      })
    if (a.state === 'delivered' && a.rating)
      events.push({
        action: 'rate',
        from: 'delivered',
        to: 'delivered',
        actor: applicantUserId,
        note: a.comment,
        at: new Date(delivered.getTime() + DAY),
      })
    if (a.state === 'withdrawn')
      events.push({
        action: 'withdraw',
        from: 'submitted',
        to: 'withdrawn',
        actor: applicantUserId ?? staff,
        at: new Date(created.getTime() + DAY),
      })
    await tx
      .insertInto('service_application_event')
      .values(
        events.map((e) => ({
          application_id: row.id,
          at: e.at,
          actor_id: e.actor,
          action: e.action,
          from_status: e.from,
          to_status: e.to,
          note: e.note ?? null,
          detail: '{}',
        })),
      )
      .execute()
    if (payWithHours && a.state === 'delivered') {
      const vol = await tx.selectFrom('volunteer').select('id').where('person_id', '=', personId).executeTakeFirst()
      if (vol)
        await tx
          .insertInto('time_bank_entry')
          .values({
            volunteer_id: vol.id,
            area_id: facts.areaId,
            kind: 'spent',
            hours: -(svc.spec.timeBankHours ?? 0),
            application_id: row.id,
            note: 'service delivered',
            created_by: staff,
            created_at: delivered,
          })
          .execute()
    }
    // The clocks of open applications: the overdue one fires its warning and escalation at once.
    if (a.state === 'submitted' || a.state === 'approved') {
      const from = a.state === 'approved' ? decided : created
      const stage = a.state === 'approved' ? 'delivery' : 'review'
      await scheduleTimers(tx, [
        {
          subject_type: 'service_application',
          subject_id: row.id,
          kind: 'warn',
          stage,
          stage_seq: 1,
          due_at: new Date(from.getTime() + 0.75 * (due.getTime() - from.getTime())),
        },
        { subject_type: 'service_application', subject_id: row.id, kind: 'due', stage, stage_seq: 1, due_at: due },
      ])
    }
  }
  return { services: services.length, serviceApplications: count, serviceDocuments: documents }
}

async function balanceOf(tx: Tx, personId: number): Promise<number> {
  const v = await tx.selectFrom('volunteer').select('balance').where('person_id', '=', personId).executeTakeFirst()
  return v ? Number(v.balance) : 0
}
