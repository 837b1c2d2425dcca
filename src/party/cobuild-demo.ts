import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { districtOf } from '../registry/records.js'
import { todayOf } from './cobuild.js'

// Demo co-building (共驻共建) in 桂花 (JZ-QH-01-01) and 翠竹 (JZ-QH-02-01): agreements with a
// school, a hospital, an enterprise of the registry (with its party branch when the network has
// one) and a department; needs and resources on the board, projects in progress and done — so
// guihua.staff finds needs to match, projects to close and figures in the statistics.

const DAY = 86_400_000

type Topic = 'elderly_care' | 'children' | 'education' | 'health' | 'environment' | 'culture' | 'safety' | 'facilities'

interface AgreementPlan {
  key: string
  unitKind: 'department' | 'enterprise' | 'school' | 'hospital'
  unitName: string
  contact: string
  signedDaysAgo: number
  resources: { title: string; topic: Topic; text: string }[]
}

interface CommunityPlan {
  code: string
  agreements: AgreementPlan[]
  needs: { title: string; topic: Topic; text: string; dueInDays?: number }[]
  /** Projects: need index, agreement key, resource index, done (days ago) or in progress. */
  projects: {
    need: number
    agreement: string
    resource: number
    doneDaysAgo?: number
    outcome?: string
    people?: number
  }[]
}

const plans: CommunityPlan[] = [
  {
    code: 'JZ-QH-01-01',
    agreements: [
      {
        key: 'school',
        unitKind: 'school',
        unitName: '江州市桂花实验小学',
        contact: '周老师',
        signedDaysAgo: 400,
        resources: [
          { title: '周末开放学校操场', topic: 'culture', text: '每周六、日 8:00–17:00 向社区居民开放操场和篮球场。' },
          { title: '教师志愿辅导作业', topic: 'education', text: '每周三下午两名教师到社区“四点半课堂”辅导作业。' },
        ],
      },
      {
        key: 'hospital',
        unitKind: 'hospital',
        unitName: '江州市第二人民医院',
        contact: '陈主任',
        signedDaysAgo: 260,
        resources: [
          { title: '每月义诊一次', topic: 'health', text: '内科、眼科医生每月第二个周六到社区卫生室义诊。' },
          { title: '家庭医生签约随访', topic: 'elderly_care', text: '为高龄独居老人提供上门随访和健康档案。' },
          { title: '急救知识培训', topic: 'health', text: '每季度一次心肺复苏和急救知识培训，每期 40 人。' },
        ],
      },
      {
        key: 'enterprise',
        unitKind: 'enterprise',
        unitName: '',
        contact: '物业党支部书记',
        signedDaysAgo: 120,
        resources: [
          { title: '维修班组义务维修', topic: 'facilities', text: '物业维修班组每月两次为困难家庭义务维修水电。' },
          { title: '垃圾分类督导员', topic: 'environment', text: '物业安排两名督导员在早晚投放高峰值守分类点。' },
        ],
      },
    ],
    needs: [
      {
        title: '高龄独居老人定期体检',
        topic: 'elderly_care',
        text: '社区有 40 余位 80 岁以上独居老人，希望每季度体检一次。',
        dueInDays: 45,
      },
      {
        title: '双职工家庭孩子放学后看护',
        topic: 'children',
        text: '放学后到家长下班前约两小时无人看护，需要场地和志愿者。',
        dueInDays: 60,
      },
      { title: '3 号楼楼道照明改造', topic: 'facilities', text: '3 号楼楼道灯老化，夜间出行不便，需要更换声控灯。' },
      { title: '居民健身场地不足', topic: 'culture', text: '小区内缺少篮球场和跑道，周末健身人多。' },
      { title: '困难家庭水电维修', topic: 'facilities', text: '低保和残疾人家庭的水电小修无人承担。' },
      { title: '老旧小区垃圾分类宣传', topic: 'environment', text: '垃圾分类准确率低，需要入户宣传和督导。' },
    ],
    projects: [
      { need: 0, agreement: 'hospital', resource: 1 },
      { need: 1, agreement: 'school', resource: 1 },
      {
        need: 3,
        agreement: 'school',
        resource: 0,
        doneDaysAgo: 12,
        outcome: '学校操场周末向居民开放，已有 300 余人次使用。',
        people: 320,
      },
      {
        need: 4,
        agreement: 'enterprise',
        resource: 0,
        doneDaysAgo: 30,
        outcome: '为 18 户困难家庭完成水电维修 26 次。',
        people: 18,
      },
    ],
  },
  {
    code: 'JZ-QH-02-01',
    agreements: [
      {
        key: 'school',
        unitKind: 'school',
        unitName: '江州市翠竹中学',
        contact: '刘老师',
        signedDaysAgo: 300,
        resources: [
          { title: '学生志愿者服务队', topic: 'elderly_care', text: '每周末 10 名学生志愿者陪伴老人、打扫卫生。' },
        ],
      },
      {
        key: 'department',
        unitKind: 'department',
        unitName: '',
        contact: '综合执法队队长',
        signedDaysAgo: 200,
        resources: [{ title: '夜间联合巡逻', topic: 'safety', text: '每周两晚执法队员与社区网格员联合巡逻。' }],
      },
      {
        key: 'enterprise',
        unitKind: 'enterprise',
        unitName: '',
        contact: '行政部',
        signedDaysAgo: 90,
        resources: [{ title: '捐建社区图书角', topic: 'culture', text: '捐赠图书 500 册和书架，设立社区图书角。' }],
      },
    ],
    needs: [
      {
        title: '背街小巷夜间治安',
        topic: 'safety',
        text: '翠竹路背街小巷夜间照明差，居民反映治安隐患。',
        dueInDays: 30,
      },
      { title: '社区图书角', topic: 'culture', text: '居民希望有就近借阅的图书角。' },
      { title: '空巢老人陪伴', topic: 'elderly_care', text: '空巢老人缺少陪伴和精神慰藉。' },
      { title: '河道沿线环境整治', topic: 'environment', text: '翠竹河沿线杂物堆放，需要集中清理。' },
    ],
    projects: [
      { need: 0, agreement: 'department', resource: 0 },
      {
        need: 1,
        agreement: 'enterprise',
        resource: 0,
        doneDaysAgo: 20,
        outcome: '图书角建成开放，藏书 500 册。',
        people: 150,
      },
    ],
  },
]

export async function seedCobuildDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const counts = { cobuildAgreements: 0, cobuildNeeds: 0, cobuildResources: 0, cobuildProjects: 0 }
  const today = todayOf(now)
  const yearStart = `${today.slice(0, 4)}-01-01`
  const dayOf = (daysAgo: number) => todayOf(new Date(now.getTime() - daysAgo * DAY))
  // Within this year where it can be, so the statistics' default period shows the projects done.
  const doneDay = (daysAgo: number) => {
    const d = dayOf(daysAgo)
    return d < yearStart ? yearStart : d
  }
  for (const plan of plans) {
    const area = await tx.selectFrom('area').select(['id', 'path']).where('code', '=', plan.code).executeTakeFirst()
    if (!area) continue
    const district = districtOf(area.path, area.id)
    const staff = await tx
      .selectFrom('app_user')
      .select('id')
      .where('username', '=', `${plan.code === 'JZ-QH-01-01' ? 'guihua' : 'cuizhu'}.staff`)
      .executeTakeFirst()
    // The registry enterprise in the community (and its party branch, when the network has one).
    const { rows: firms } = await sql<{ id: number; name: string; party: number | null }>`
      select o.id, o.name, (select po.id from party_organisation po where po.registry_organisation_id = o.id
        and po.status = 'active' order by po.code limit 1) as party
      from organisation o join area a on a.id = o.area_id
      where a.path like ${area.path} || '%' and o.kind = 'enterprise'
      order by (select count(*) from party_organisation po where po.registry_organisation_id = o.id) desc, o.id
      limit 1`.execute(tx)
    const firm = firms[0]
    // The street's law-enforcement team, else any department over the community.
    const { rows: departments } = await sql<{ id: number; name_zh: string }>`
      select d.id, d.name_zh from department d join area a on a.id = d.area_id
      where ${area.path} like a.path || '%' and d.kind in ('functional', 'street_office')
      order by d.code like '%-ZF' desc, d.code limit 1`.execute(tx)
    const dept = departments[0]
    const agreementIds = new Map<string, number>()
    const resourceIds = new Map<string, number[]>()
    for (const a of plan.agreements) {
      const isFirm = a.unitKind === 'enterprise'
      const isDept = a.unitKind === 'department'
      if ((isFirm && !firm) || (isDept && !dept)) continue
      const unitName = isFirm ? firm!.name : isDept ? dept!.name_zh : a.unitName
      const created = new Date(now.getTime() - a.signedDaysAgo * DAY)
      const made = await tx
        .insertInto('cobuild_agreement')
        .values({
          area_id: area.id,
          district_id: district,
          unit_kind: a.unitKind,
          unit_name: unitName,
          unit_department_id: isDept ? dept!.id : null,
          unit_organisation_id: isFirm ? firm!.id : null,
          unit_party_organisation_id: isFirm ? (firm!.party ?? null) : null,
          contact_name: a.contact,
          signed_on: dayOf(a.signedDaysAgo),
          status: 'active',
          created_by: staff?.id ?? null,
          created_at: created,
          updated_at: created,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      counts.cobuildAgreements++
      agreementIds.set(a.key, made.id)
      const ids: number[] = []
      for (const [i, r] of a.resources.entries()) {
        const at = new Date(created.getTime() + (i + 1) * 3 * DAY)
        const row = await tx
          .insertInto('cobuild_item')
          .values({
            area_id: area.id,
            district_id: district,
            list: 'resource',
            agreement_id: made.id,
            topic: r.topic,
            title: r.title,
            description: r.text,
            status: 'open',
            created_by: staff?.id ?? null,
            created_at: at,
            updated_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        counts.cobuildResources++
        ids.push(row.id)
      }
      resourceIds.set(a.key, ids)
    }
    const needIds: number[] = []
    for (const [i, n] of plan.needs.entries()) {
      const at = new Date(now.getTime() - (60 - i * 7) * DAY)
      const row = await tx
        .insertInto('cobuild_item')
        .values({
          area_id: area.id,
          district_id: district,
          list: 'need',
          topic: n.topic,
          title: n.title,
          description: n.text,
          status: 'open',
          due_on: n.dueInDays ? dayOf(-n.dueInDays) : null,
          created_by: staff?.id ?? null,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      counts.cobuildNeeds++
      needIds.push(row.id)
    }
    for (const pr of plan.projects) {
      const agreementId = agreementIds.get(pr.agreement)
      const resourceId = resourceIds.get(pr.agreement)?.[pr.resource]
      const needId = needIds[pr.need]
      const need = plan.needs[pr.need]
      if (!agreementId || !resourceId || !needId || !need) continue
      const done = pr.doneDaysAgo !== undefined
      const doneOn = done ? doneDay(pr.doneDaysAgo!) : null
      const at = new Date(now.getTime() - (done ? pr.doneDaysAgo! + 25 : 10) * DAY)
      await tx
        .updateTable('cobuild_item')
        .set({
          status: done ? 'done' : 'matched',
          agreement_id: agreementId,
          done_on: doneOn,
          updated_at: at,
          version: 2,
        })
        .where('id', '=', needId)
        .execute()
      await tx
        .updateTable('cobuild_item')
        .set({ status: 'matched', updated_at: at, version: 2 })
        .where('id', '=', resourceId)
        .execute()
      await tx
        .insertInto('cobuild_item')
        .values({
          area_id: area.id,
          district_id: district,
          list: 'project',
          agreement_id: agreementId,
          topic: need.topic,
          title: need.title,
          description: need.text,
          status: done ? 'done' : 'in_progress',
          need_id: needId,
          resource_id: resourceId,
          due_on: need.dueInDays ? dayOf(-need.dueInDays) : null,
          done_on: doneOn,
          outcome: done ? (pr.outcome ?? null) : null,
          beneficiaries: done ? (pr.people ?? null) : null,
          created_by: staff?.id ?? null,
          created_at: at,
          updated_at: done ? new Date(now.getTime() - pr.doneDaysAgo! * DAY) : at,
        })
        .execute()
      counts.cobuildProjects++
    }
  }
  return counts
}
