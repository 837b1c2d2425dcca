import { createHash } from 'node:crypto'
import { deflateSync } from 'node:zlib'
import { sql } from 'kysely'
import type { Tx } from '../core/db.js'
import { cjkPdf } from '../core/pdf.js'

// Demo courses: the grid workers' induction (text lessons on the work, a picture of a grid map, a
// PDF handbook and a quiz of five), mediation practice, the 12345 hotline's rules, and a draft of
// 桂花社区's own in the making. The files are made here (a PNG from raw bytes, a PDF with the CJK
// font), so the demo needs nothing from the network.

/** The demo courses by name, for the learning part's demo to assign. */
export interface DemoCourses {
  /** 网格员入职培训: published, with lessons and a quiz; the induction rule assigns it. */
  induction: number | null
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(data: Buffer): number {
  let c = 0xffffffff
  for (const b of data) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** An RGB PNG of `width`×`height` whose pixels `paint` gives (written by hand: no image library needed). */
export function pngOf(width: number, height: number, paint: (x: number, y: number) => [number, number, number]) {
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const at = y * (width * 3 + 1)
    rows[at] = 0 // filter: none
    for (let x = 0; x < width; x++) rows.set(paint(x, y), at + 1 + x * 3)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8 bits, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A community cut into grids of 4×3 cells, one of them (the learner's) picked out, with a walked route. */
export function gridMapPng(): Buffer {
  const w = 360
  const h = 240
  return pngOf(w, h, (x, y) => {
    const cx = Math.floor(x / 90)
    const cy = Math.floor(y / 80)
    if (x % 90 < 2 || y % 80 < 2 || x === w - 1 || y === h - 1) return [60, 72, 88] // grid lines
    const route = Math.abs(y - 40 - cy * 80) < 2 && cx === 1 && cy === 1 // the walked street in the picked grid
    if (route) return [220, 60, 40]
    if (cx === 1 && cy === 1) return [255, 214, 102] // the learner's grid
    return (cx + cy) % 2 ? [205, 228, 206] : [225, 238, 226]
  })
}

const handbookSections: [string, string][] = [
  [
    '一、网格员是谁',
    '网格员是社区在网格中的“眼睛和腿”：熟悉网格内的每一栋楼、每一户人家，掌握基本情况，发现问题及时上报，服务群众不推诿。',
  ],
  [
    '二、每日工作',
    '巡查网格不少于两小时；查看上报事件的处理进展；对独居老人、困难家庭等重点对象按约定频次走访；填写巡查日志。',
  ],
  [
    '三、事件上报',
    '发现问题先判断能否当场解决；不能解决的，拍照定位、写清时间地点和情况，当日上报；紧急情况先电话报告，再补录系统。',
  ],
  [
    '四、纪律与保密',
    '入户须出示工作证、说明来意；采集的信息只用于工作，不拍摄、不转发居民证件和家中照片；离岗前交回账号和资料。',
  ],
]

/** The induction handbook: an A4 PDF with real Chinese text. */
export async function handbookPdf(): Promise<Buffer> {
  const { doc, done } = cjkPdf({ Title: '网格员工作手册（节选）', Author: '江州市清河区' })
  doc.fontSize(20).text('网格员工作手册（节选）', { align: 'center' })
  doc.moveDown()
  for (const [heading, text] of handbookSections) {
    doc.fontSize(14).text(heading)
    doc.moveDown(0.3)
    doc.fontSize(11).text(text, { lineGap: 4 })
    doc.moveDown()
  }
  doc.end()
  return done
}

type Lesson = { title: string; kind: 'text' | 'image' | 'pdf'; body: string; minutes: number; media?: number }
type Question = {
  kind: 'single' | 'multiple' | 'true_false'
  prompt: string
  options: string[]
  answer: number[]
  explanation: string
  points?: number
}

export async function seedCoursesDemo(
  tx: Tx,
  now: Date,
): Promise<{ stats: Record<string, number>; courses: DemoCourses }> {
  const areas = await tx
    .selectFrom('area')
    .select(['id', 'code'])
    .where('code', 'in', ['JZ-QH', 'JZ-QH-01-01'])
    .execute()
  const district = areas.find((a) => a.code === 'JZ-QH')
  const guihua = areas.find((a) => a.code === 'JZ-QH-01-01')
  const users = await tx
    .selectFrom('app_user')
    .select(['id', 'username'])
    .where('username', 'in', ['leader', 'guihua.staff'])
    .execute()
  const leader = users.find((u) => u.username === 'leader')?.id ?? null
  const guihuaStaff = users.find((u) => u.username === 'guihua.staff')?.id ?? null
  if (!district || !guihua) return { stats: {}, courses: { induction: null } }

  let courses = 0
  let lessons = 0
  let questions = 0
  const day = 86_400_000
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * day)

  const media = async (areaId: number, contentType: string, fileName: string, bytes: Buffer, when: Date) => {
    const row = await tx
      .insertInto('training_media')
      .values({
        area_id: areaId,
        content_type: contentType,
        file_name: fileName,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        content: bytes,
        created_by: leader,
        created_at: when,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(row.id)
  }

  const course = async (c: {
    areaId: number
    title: string
    summary: string
    topic: string
    passMark: number
    minutes: number
    status: 'draft' | 'published'
    by: number | null
    daysAgo: number
    lessons: Lesson[]
    questions: Question[]
  }) => {
    const when = at(c.daysAgo)
    const row = await tx
      .insertInto('training_course')
      .values({
        area_id: c.areaId,
        title: c.title,
        summary: c.summary,
        topic: c.topic,
        pass_mark: c.passMark,
        minutes: c.minutes,
        status: c.status,
        published_at: c.status === 'published' ? at(c.daysAgo - 1) : null,
        created_by: c.by,
        created_at: when,
        updated_at: c.status === 'published' ? at(c.daysAgo - 1) : when,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    courses++
    let position = 0
    for (const l of c.lessons) {
      await tx
        .insertInto('training_lesson')
        .values({
          course_id: row.id,
          area_id: c.areaId,
          position: ++position,
          title: l.title,
          kind: l.kind,
          body: l.body,
          media_id: l.media ?? null,
          minutes: l.minutes,
          created_at: when,
          updated_at: when,
        })
        .execute()
      lessons++
    }
    position = 0
    for (const q of c.questions) {
      await sql`insert into training_question (course_id, area_id, position, kind, prompt, options, answer,
          explanation, points, created_at, updated_at)
        values (${row.id}, ${c.areaId}, ${++position}, ${q.kind}, ${q.prompt}, ${JSON.stringify(q.options)}::jsonb,
          ${q.answer}::integer[], ${q.explanation}, ${q.points ?? 1}, ${when}, ${when})`.execute(tx)
      questions++
    }
    return Number(row.id)
  }

  const inductionWhen = at(60)
  const map = await media(district.id, 'image/png', '网格划分示意图.png', gridMapPng(), inductionWhen)
  const handbook = await media(
    district.id,
    'application/pdf',
    '网格员工作手册（节选）.pdf',
    await handbookPdf(),
    inductionWhen,
  )

  // The district's induction reaches every grid worker of its streets and communities.
  const induction = await course({
    areaId: district.id,
    title: '网格员入职培训',
    summary:
      '新任网格员的必修课：网格员的职责、入户走访的方法、事件上报的流程和个人信息保护的要求。学完全部课时并通过测验（60分及格）即可取得结业证明。',
    topic: 'induction',
    passMark: 60,
    minutes: 90,
    status: 'published',
    by: leader,
    daysAgo: 60,
    lessons: [
      {
        title: '网格员的职责',
        kind: 'text',
        minutes: 15,
        body: [
          '网格化管理把社区划分为若干网格，每个网格配备专职网格员。网格员的基本职责可以概括为“采、报、调、办、宣”五个字：',
          '1. 采集信息：掌握网格内的房屋、人口、单位、设施等基础信息，发现变化及时更新，做到“底数清、情况明”。',
          '2. 报告事件：巡查中发现的矛盾纠纷、安全隐患、环境问题、设施损坏等，按规定时限上报，不隐瞒、不拖延。',
          '3. 调解矛盾：邻里之间的小纠纷，能当场化解的当场化解；化解不了的，及时转交调解员或社区。',
          '4. 代办服务：为老年人、残疾人等行动不便的居民代办社保、民政等事项，让群众少跑腿。',
          '5. 宣传政策：把惠民政策、安全常识送到居民手中，听取居民的意见建议并反映给社区。',
          '网格员每天巡查网格不少于两小时，重点关注独居老人、困难家庭、出租房屋和沿街商铺。',
        ].join('\n\n'),
      },
      {
        title: '认识你的网格',
        kind: 'image',
        minutes: 5,
        media: map,
        body: '图中黄色的格子是一名网格员负责的网格，红线是每天巡查的主要路线。上岗第一周，请沿边界走完自己的网格，记下每栋楼的位置、出入口、消防通道和公共设施，并与相邻网格的网格员确认分界。',
      },
      {
        title: '入户走访',
        kind: 'text',
        minutes: 20,
        body: [
          '入户走访是网格员了解群众、服务群众的基本方法。',
          '走访前：查看该户的基本信息和历次走访记录，准备好工作证、走访记录表和需要宣传的材料；尽量避开用餐和休息时间。',
          '走访中：敲门后先出示工作证，说明身份和来意；态度亲切，用居民听得懂的话交流；居民不愿意回答的问题不强求；发现困难当场记录，能解答的当场解答。',
          '走访后：当天把走访情况录入系统；需要其他部门处理的问题，按事件上报流程上报；对居民的诉求，要在约定时间内回复结果。',
          '重点对象（独居老人、重病患者、困难家庭等）每月至少走访一次，遇极端天气要加密走访。',
        ].join('\n\n'),
      },
      {
        title: '事件上报',
        kind: 'text',
        minutes: 20,
        body: [
          '事件上报是网格员最重要的日常工作之一。上报的事件要做到“要素齐全、定位准确、描述清楚”。',
          '第一步，判断：能当场解决的（如劝导乱停车、提醒关好消防通道）当场解决，并在系统中登记为“自行处置”。',
          '第二步，采集：拍摄现场照片（不拍人脸和车牌以外的个人信息），在地图上定位，选择正确的事件类别。',
          '第三步，描述：写清时间、地点、现象和影响范围，例如“3号楼东侧雨水井盖缺失，位于人行道上，夜间照明不足，存在跌落风险”。',
          '第四步，跟踪：上报后关注处理进展，处理完毕后到现场核实，结果满意再确认办结。',
          '涉及人身安全的紧急情况（火灾、燃气泄漏、建筑坍塌等），先拨打119、110等电话并报告社区，再补录系统。',
        ].join('\n\n'),
      },
      {
        title: '个人信息保护',
        kind: 'text',
        minutes: 15,
        body: [
          '网格员掌握大量居民的个人信息，依照《中华人民共和国个人信息保护法》，必须做到：',
          '只采集工作需要的信息，不多采、不乱采；采集时告知居民用途。',
          '信息只在系统中保存和使用，不用私人手机拍照留存居民的身份证、户口本，不在微信群里发送居民的身份证号、电话、住址。',
          '系统账号只能本人使用，不借给他人，离开电脑时锁屏。',
          '查询居民信息要有工作理由，系统会记录每一次查询。',
          '发现信息泄露，立即报告社区负责人。违反规定的，依法依纪追究责任。',
        ].join('\n\n'),
      },
      {
        title: '网格员工作手册（节选）',
        kind: 'pdf',
        minutes: 15,
        media: handbook,
        body: '下载或在线阅读工作手册节选，巡查时可以随时查阅。',
      },
    ],
    questions: [
      {
        kind: 'single',
        prompt: '网格员每天巡查网格的时间不少于多少？',
        options: ['半小时', '一小时', '两小时', '四小时'],
        answer: [2],
        explanation: '按照工作要求，网格员每天巡查网格不少于两小时。',
      },
      {
        kind: 'multiple',
        prompt: '以下哪些是网格员的基本职责？（多选）',
        options: ['采集信息', '报告事件', '执法罚款', '宣传政策'],
        answer: [0, 1, 3],
        explanation: '执法罚款属于行政执法部门的职权，网格员不承担。',
        points: 2,
      },
      {
        kind: 'true_false',
        prompt: '入户走访时，居民不愿回答的问题也必须问清楚。',
        options: ['正确', '错误'],
        answer: [1],
        explanation: '居民不愿意回答的问题不强求，尊重居民的意愿。',
      },
      {
        kind: 'single',
        prompt: '发现燃气泄漏，网格员首先应该怎么做？',
        options: ['拍照上报系统后等待处理', '拨打紧急电话并报告社区，再补录系统', '先写巡查日志', '通知物业第二天处理'],
        answer: [1],
        explanation: '涉及人身安全的紧急情况，先打电话报警、报告社区，再补录系统。',
      },
      {
        kind: 'true_false',
        prompt: '为了工作方便，可以用私人手机拍下居民的身份证留存。',
        options: ['正确', '错误'],
        answer: [1],
        explanation: '不得用私人手机留存居民的证件，个人信息只在系统中保存和使用。',
      },
    ],
  })

  await course({
    areaId: district.id,
    title: '矛盾纠纷调解实务',
    summary: '人民调解的基本原则、常见纠纷（邻里、婚姻家庭、物业）的调解方法和调解协议的制作。',
    topic: 'mediation',
    passMark: 60,
    minutes: 60,
    status: 'published',
    by: leader,
    daysAgo: 45,
    lessons: [
      {
        title: '调解的原则',
        kind: 'text',
        minutes: 15,
        body: '人民调解坚持自愿平等、合法合理、尊重当事人权利三项原则。调解不是裁判：调解员帮助当事人找到双方都能接受的办法，不替当事人做决定，也不能因为调解而阻止当事人依法维权。',
      },
      {
        title: '邻里纠纷的调解',
        kind: 'text',
        minutes: 25,
        body: '邻里纠纷多因噪音、漏水、占道、宠物引起。调解时先分别听取双方意见，再到现场查看；把“谁对谁错”转为“以后怎么办”，约定具体的做法和时间，必要时制作调解协议并回访。',
      },
      {
        title: '调解协议的制作',
        kind: 'text',
        minutes: 20,
        body: '调解协议应写明当事人的基本情况、纠纷的主要事实、争议事项、达成的协议内容、履行方式和期限。协议经双方签名、调解员签名并加盖调解委员会印章后生效，具有法律约束力。',
      },
    ],
    questions: [
      {
        kind: 'true_false',
        prompt: '调解员可以替当事人决定纠纷的处理结果。',
        options: ['正确', '错误'],
        answer: [1],
        explanation: '调解坚持自愿原则，结果由当事人自己决定。',
      },
      {
        kind: 'single',
        prompt: '调解协议经谁签名后生效？',
        options: ['只需调解员签名', '双方当事人和调解员签名并加盖印章', '只需一方当事人签名', '社区书记签名'],
        answer: [1],
        explanation: '协议经双方签名、调解员签名并加盖调解委员会印章后生效。',
      },
    ],
  })

  await course({
    areaId: district.id,
    title: '12345 接诉即办工作规范',
    summary: '12345 热线工单的签收、办理、回复和回访要求，以及响应率、解决率、满意率的考核口径。',
    topic: 'case_handling',
    passMark: 0,
    minutes: 40,
    status: 'published',
    by: leader,
    daysAgo: 30,
    lessons: [
      {
        title: '工单的签收与办理时限',
        kind: 'text',
        minutes: 20,
        body: '工单派发后须在规定时限内签收；一般诉求7个工作日内办结，紧急诉求24小时内处置。不属于本单位职责的，签收后2小时内申请退回并说明理由，不得拖延。',
      },
      {
        title: '回复与回访',
        kind: 'text',
        minutes: 20,
        body: '办结后须电话联系诉求人说明办理结果，做到“事事有回音”。诉求人不满意的，要分析原因、再次办理。响应率、解决率、满意率按月考核。',
      },
    ],
    questions: [],
  })

  // 桂花社区's own course, still being written by its staff.
  await course({
    areaId: guihua.id,
    title: '桂花社区垃圾分类入户指导',
    summary: '社区垃圾分类的四分法、投放时间和入户指导的话术（编写中）。',
    topic: 'service',
    passMark: 60,
    minutes: 20,
    status: 'draft',
    by: guihuaStaff,
    daysAgo: 3,
    lessons: [
      {
        title: '四分法',
        kind: 'text',
        minutes: 10,
        body: '可回收物、有害垃圾、厨余垃圾、其他垃圾。厨余垃圾要沥干水分、去掉包装再投放。',
      },
    ],
    questions: [],
  })

  return { stats: { courses, lessons, questions }, courses: { induction } }
}
