import { beijingDay } from '../core/clock.js'
import type { Tx } from '../core/db.js'
import { areaIdByCode, demoActor } from '../participation/common.js'
import { addEvaluation, addReport, createProject, performProjectAction } from './projects.js'

const DAY = 86_400_000

/**
 * Three social organisations (two in 桂花, one on the street 清河街道一) and three purchase-of-service
 * projects of 桂花: garbage-sorting guidance bought by the street's law-enforcement team, active,
 * its first milestone reported and waiting for evaluation; home care for the elderly bought by
 * the street office, completed with a final score (the organisation's rating); an after-school
 * class for children, a draft. Everything goes through the use cases, at the days it happened.
 */
export async function seedProjectsDemo(tx: Tx, now: Date): Promise<Record<string, number>> {
  const staff = await demoActor(tx, 'guihua.staff')
  const handler = await demoActor(tx, 'guihua.handler')
  const guihua = await areaIdByCode(tx, 'JZ-QH-01-01')
  const street = await areaIdByCode(tx, 'JZ-QH-01')
  const district = await areaIdByCode(tx, 'JZ-QH')
  const grid = await areaIdByCode(tx, 'JZ-QH-01-01-G01')
  const dept = async (code: string) =>
    (await tx.selectFrom('department').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id
  const streetOffice = await dept('QH-01-BSC')
  const enforcement = await dept('QH-01-ZF')
  const ago = (days: number) => new Date(now.getTime() - days * DAY)
  const day = (days: number) => beijingDay(new Date(now.getTime() + days * DAY))

  // The registry's organisations of kind social_organisation (the demo registry has none).
  const registry = async (area: number, name: string, uscc: string, legal: string, address: string) =>
    (
      await tx
        .insertInto('organisation')
        .values({
          area_id: area,
          district_id: district,
          kind: 'social_organisation',
          name,
          uscc,
          legal_representative: legal,
          address,
          location: null,
          created_at: ago(900),
          updated_at: ago(900),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  // The profiles, as service staff registered them (the use case answers with a view the demo's
  // owner connection cannot produce: it reads the registry through the caller's grants).
  const profile = async (
    p: {
      organisationId: number
      fields: string[]
      capacity: number
      contactName: string
      contactPhone: string
      description: string
    },
    at: Date,
  ) =>
    tx
      .insertInto('social_organisation')
      .values({
        organisation_id: p.organisationId,
        area_id: (
          await tx
            .selectFrom('organisation')
            .select('area_id')
            .where('id', '=', p.organisationId)
            .executeTakeFirstOrThrow()
        ).area_id,
        fields: p.fields,
        capacity: p.capacity,
        contact_name: p.contactName,
        contact_phone: p.contactPhone,
        description: p.description,
        status: 'active',
        rating: null,
        rated_projects: 0,
        created_at: at,
        updated_at: at,
      })
      .execute()
  const care = await registry(
    grid,
    '江州市清河区桂花邻里社会工作服务中心',
    '52330106MJ8765432A',
    '周慧敏',
    '桂花社区服务中心二楼',
  )
  const green = await registry(
    guihua,
    '江州市清河区桂花绿色家园环保公益服务社',
    '52330106MJ8765433Y',
    '陈立新',
    '桂花社区桂香路18号',
  )
  const youth = await registry(
    street,
    '江州市清河区青少年成长服务中心',
    '52330106MJ8765434P',
    '王晓东',
    '清河街道一文化站三楼',
  )

  await profile(
    {
      organisationId: care,
      fields: ['elderly', 'social_work', 'disability'],
      capacity: 300,
      contactName: '周慧敏',
      contactPhone: '13905710001',
      description: '专业社工机构，承接居家养老探访、助餐和困难群体个案服务，持证社工 12 名。',
    },
    ago(700),
  )
  await profile(
    {
      organisationId: green,
      fields: ['environment', 'volunteering'],
      capacity: 80,
      contactName: '陈立新',
      contactPhone: '13905710002',
      description: '组织居民志愿者开展垃圾分类督导、旧物回收和社区绿化。',
    },
    ago(500),
  )
  await profile(
    {
      organisationId: youth,
      fields: ['children', 'culture'],
      capacity: 150,
      contactName: '王晓东',
      contactPhone: '13905710003',
      description: '面向街道内中小学生的课后托管、阅读和心理辅导服务。',
    },
    ago(400),
  )

  // Completed: home care for the elderly, a year ago, final score 88.4.
  const start = ago(400)
  const completedDraft = await createProject(
    tx,
    staff,
    {
      areaId: guihua,
      departmentId: streetOffice,
      organisationId: care,
      title: '桂花社区居家养老探访与助餐服务（2025—2026年度）',
      scope: '为桂花社区 80 岁以上及独居老人提供每周一次上门探访、每日午餐配送和节日关怀活动，建立一人一档服务台账。',
      budget: 180000,
      startsOn: day(-400),
      endsOn: day(-35),
      indicators: [
        { name: '探访覆盖率', target: '独居老人每周探访覆盖率 ≥ 95%', weight: 40 },
        { name: '助餐服务', target: '每日配餐准时率 ≥ 98%', weight: 30 },
        { name: '服务满意度', target: '老人及家属满意度 ≥ 90%', weight: 30 },
      ],
      milestones: [
        { title: '服务启动与建档', deliverables: '服务对象档案 120 份、排班表', dueOn: day(-340), payment: 54000 },
        { title: '中期评估', deliverables: '中期服务报告、探访记录汇总', dueOn: day(-220), payment: 54000 },
        { title: '年度总结', deliverables: '年度服务报告、满意度调查报告', dueOn: day(-40), payment: 72000 },
      ],
    },
    start,
  )
  const cid = completedDraft.id
  await performProjectAction(tx, staff, cid, { action: 'activate' }, ago(399))
  const [c1, c2, c3] = completedDraft.milestones.map((m) => m.id)
  const [ci1, ci2, ci3] = completedDraft.indicators.map((i) => i.id)
  const reportsDone: [number, number, string, number][] = [
    [c1!, 342, '完成 126 位老人建档，签订服务协议，组建 8 人探访队伍。', 48000],
    [c2!, 222, '累计上门探访 2,860 人次，配送午餐 21,400 份，发现并转介健康风险 9 例。', 56000],
    [c3!, 42, '全年探访 6,020 人次，配餐 43,800 份；满意度调查回收 118 份，满意率 93%。', 71500],
  ]
  for (const [mid, d, summary, spent] of reportsDone)
    await addReport(tx, staff, cid, { milestoneId: mid, reportedOn: day(-d), summary, spent }, ago(d))
  for (const [mid, d, s] of [
    [c1!, 335, [92, 90, 88]],
    [c2!, 215, [88, 86, 90]],
  ] as const)
    await addEvaluation(
      tx,
      staff,
      cid,
      {
        milestoneId: mid,
        scores: [
          { indicatorId: ci1!, score: s[0], reason: '探访台账完整，抽查 20 户均与记录一致' },
          { indicatorId: ci2!, score: s[1], reason: '配餐准时率达标，偶有雨天延误' },
          { indicatorId: ci3!, score: s[2], reason: '回访老人普遍认可服务态度' },
        ],
        conclusion: '按期完成阶段任务，同意拨付本期款项。',
      },
      ago(d),
    )
  await performProjectAction(tx, staff, cid, { action: 'complete' }, ago(34))
  await addEvaluation(
    tx,
    staff,
    cid,
    {
      milestoneId: null,
      scores: [
        { indicatorId: ci1!, score: 90, reason: '全年探访覆盖率 96.5%，超过目标' },
        { indicatorId: ci2!, score: 86, reason: '配餐准时率 98.3%，菜品多样性有待提高' },
        { indicatorId: ci3!, score: 88, reason: '满意度 93%，家属反馈良好' },
      ],
      conclusion: '项目整体完成良好，评定为优良，建议续签并增加失能老人照护内容。',
    },
    ago(30),
  )

  // Active: garbage-sorting guidance, first milestone reported and waiting for evaluation.
  const active = await createProject(
    tx,
    staff,
    {
      areaId: guihua,
      departmentId: enforcement,
      organisationId: green,
      title: '桂花社区垃圾分类督导与宣传服务',
      scope: '在社区 12 个垃圾投放点开展早晚定时督导，入户宣传垃圾分类知识，培训楼道志愿者，提升分类准确率。',
      budget: 60000,
      startsOn: day(-60),
      endsOn: day(120),
      indicators: [
        { name: '分类准确率', target: '抽检准确率由 70% 提升至 90%', weight: 50 },
        { name: '督导到岗率', target: '投放点督导到岗率 ≥ 95%', weight: 30 },
        { name: '居民知晓率', target: '入户宣传覆盖 ≥ 85% 住户', weight: 20 },
      ],
      milestones: [
        {
          title: '督导队伍组建与培训',
          deliverables: '志愿者名册 40 人、培训签到表和照片',
          dueOn: day(-5),
          payment: 15000,
        },
        { title: '入户宣传全覆盖', deliverables: '入户宣传记录、知晓率问卷结果', dueOn: day(40), payment: 20000 },
        { title: '期末成效评估', deliverables: '分类准确率抽检报告、项目总结', dueOn: day(110), payment: 25000 },
      ],
    },
    ago(62),
  )
  await performProjectAction(tx, staff, active.id, { action: 'activate' }, ago(60))
  await addReport(
    tx,
    handler,
    active.id,
    {
      milestoneId: active.milestones[0]!.id,
      reportedOn: day(-7),
      summary: '招募并培训楼道志愿者 42 名，12 个投放点排班上岗，早晚督导已运行两周。',
      spent: 13800,
    },
    ago(7),
  )

  // Draft: an after-school class for children, to be activated.
  await createProject(
    tx,
    staff,
    {
      areaId: guihua,
      departmentId: streetOffice,
      organisationId: youth,
      title: '桂花社区“四点半课堂”青少年课后服务',
      scope: '学期内每个工作日 16:30—18:30 为双职工家庭小学生提供课后托管、作业辅导和阅读活动。',
      budget: 45000,
      startsOn: day(20),
      endsOn: day(200),
      indicators: [
        { name: '服务人次', target: '累计服务 ≥ 3,000 人次', weight: 40 },
        { name: '安全管理', target: '全程零安全事故', weight: 30 },
        { name: '家长满意度', target: '≥ 90%', weight: 30 },
      ],
      milestones: [
        { title: '开班', deliverables: '学生名册、安全预案', dueOn: day(30), payment: 10000 },
        { title: '学期总结', deliverables: '服务台账、家长满意度调查', dueOn: day(195), payment: 30000 },
      ],
    },
    ago(3),
  )
  return { socialOrganisations: 3, projects: 3 }
}
