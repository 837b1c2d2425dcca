import type { Level } from '../jurisdiction/service.js'
import type { Role } from '../core/scope.js'
import type { DepartmentKind } from '../accounts/departments.js'
import type { PolygonGeometry, Position } from '../jurisdiction/geometry.js'
import { between, mulberry32 } from '../core/random.js'

// A deterministic, believable demo city: Jiangzhou City → Qinghe District → three streets (one of
// them a township with villages) → twelve communities → 150 grids. Grids are the cells of one
// jittered lattice, so neighbours share their vertices exactly and every parent is the union of
// its children: coverage has no gaps and no overlaps by construction.

export const DEMO_PASSWORD = 'grassroots-demo'

export interface DemoArea {
  key: string
  parentKey: string | null
  level: Level
  code: string
  nameZh: string
  nameEn: string
  /** Grids carry their cell; every other level is the union of its children. */
  boundary?: PolygonGeometry
}

export interface DemoDepartment {
  code: string
  areaKey: string
  nameZh: string
  nameEn: string
  kind: DepartmentKind
}

export interface DemoAccount {
  username: string
  displayName: string
  role: Role
  areaKey: string
  departmentCode?: string
}

export interface DemoCity {
  areas: DemoArea[]
  departments: DemoDepartment[]
  accounts: DemoAccount[]
}

const COLS = 15
const ROWS = 10
const ORIGIN: Position = [120.12, 30.245]
const CELL_LNG = 0.0045 // about 430 m at this latitude
const CELL_LAT = 0.003 // about 330 m

const streets = [
  { zh: '东湖街道', en: 'Donghu Subdistrict', slug: 'donghu' },
  { zh: '西园街道', en: 'Xiyuan Subdistrict', slug: 'xiyuan' },
  { zh: '南桥镇', en: 'Nanqiao Town', slug: 'nanqiao' },
]
const communities = [
  [
    { zh: '桂花社区', en: 'Guihua Community', slug: 'guihua' },
    { zh: '柳岸社区', en: "Liu'an Community", slug: 'liuan' },
    { zh: '春晖社区', en: 'Chunhui Community', slug: 'chunhui' },
    { zh: '明珠社区', en: 'Mingzhu Community', slug: 'mingzhu' },
  ],
  [
    { zh: '翠竹社区', en: 'Cuizhu Community', slug: 'cuizhu' },
    { zh: '幸福里社区', en: 'Xingfuli Community', slug: 'xingfuli' },
    { zh: '和平社区', en: 'Heping Community', slug: 'heping' },
    { zh: '新民社区', en: 'Xinmin Community', slug: 'xinmin' },
  ],
  [
    { zh: '锦绣社区', en: 'Jinxiu Community', slug: 'jinxiu' },
    { zh: '枫林村', en: 'Fenglin Village', slug: 'fenglin' },
    { zh: '石桥村', en: 'Shiqiao Village', slug: 'shiqiao' },
    { zh: '荷塘村', en: 'Hetang Village', slug: 'hetang' },
  ],
]
const districtDepartments: [string, string, string][] = [
  ['CG', '城市管理局', 'Urban Management Bureau'],
  ['HB', '生态环境分局', 'Ecology and Environment Bureau'],
  ['ZJ', '住房和城乡建设局', 'Housing and Urban-Rural Development Bureau'],
  ['SJ', '市场监督管理局', 'Market Regulation Bureau'],
  ['GA', '公安分局', 'Public Security Sub-bureau'],
  ['MZ', '民政局', 'Civil Affairs Bureau'],
  ['SW', '水务局', 'Water Affairs Bureau'],
  ['LH', '园林绿化局', 'Landscaping and Greening Bureau'],
  ['JT', '交通运输局', 'Transport Bureau'],
  ['RS', '人力资源和社会保障局', 'Human Resources and Social Security Bureau'],
]
const surnames = '王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗'
const givenNames = [
  '芳',
  '伟',
  '娜',
  '敏',
  '静',
  '磊',
  '强',
  '婷',
  '勇',
  '丽',
  '杰',
  '超',
  '琳',
  '斌',
  '晓燕',
  '建国',
  '志强',
  '秀英',
  '海涛',
  '玉兰',
]

const round7 = (x: number) => Math.round(x * 1e7) / 1e7

export function generateDemoCity(seed = 1): DemoCity {
  const rand = mulberry32(seed)

  // Lattice vertices, each moved by up to a quarter cell: the quads stay simple polygons.
  const vertex: Position[][] = []
  for (let c = 0; c <= COLS; c++) {
    vertex.push([])
    for (let r = 0; r <= ROWS; r++) {
      const jx = (rand() - 0.5) * 0.5 * CELL_LNG
      const jy = (rand() - 0.5) * 0.5 * CELL_LAT
      vertex[c]!.push([round7(ORIGIN[0] + c * CELL_LNG + jx), round7(ORIGIN[1] + r * CELL_LAT + jy)])
    }
  }
  const cell = (c: number, r: number): PolygonGeometry => {
    const v = (cc: number, rr: number) => vertex[cc]![rr]!
    return { type: 'Polygon', coordinates: [[v(c, r), v(c + 1, r), v(c + 1, r + 1), v(c, r + 1), v(c, r)]] }
  }

  // Streets are bands of columns whose dividing column shifts by one between row bands.
  const streetOf = (c: number, r: number): number => {
    const firstCut = r < 4 ? 5 : r < 7 ? 4 : 5
    const secondCut = r < 3 ? 10 : r < 8 ? 11 : 10
    return c < firstCut ? 0 : c < secondCut ? 1 : 2
  }
  // Within a street, communities are bands of rows (each at least two cells high) whose cuts shift
  // by at most one between neighbouring columns, so every community stays one connected piece.
  const cutsByColumn: number[][] = []
  const base = [between(rand, 2, 3), 5, between(rand, 7, 8)]
  for (let c = 0; c < COLS; c++) {
    const shift = rand() < 0.5 ? 0 : 1
    cutsByColumn.push(base.map((cut) => cut + shift))
  }
  const communityOf = (c: number, r: number): number => {
    const cuts = cutsByColumn[c]!
    return r < cuts[0]! ? 0 : r < cuts[1]! ? 1 : r < cuts[2]! ? 2 : 3
  }

  const areas: DemoArea[] = [
    { key: 'city', parentKey: null, level: 'city', code: 'JZ', nameZh: '江州市', nameEn: 'Jiangzhou City' },
    {
      key: 'district',
      parentKey: 'city',
      level: 'district',
      code: 'JZ-QH',
      nameZh: '清河区',
      nameEn: 'Qinghe District',
    },
  ]
  streets.forEach((s, si) => {
    areas.push({
      key: s.slug,
      parentKey: 'district',
      level: 'street',
      code: `JZ-QH-0${si + 1}`,
      nameZh: s.zh,
      nameEn: s.en,
    })
    communities[si]!.forEach((cm, ci) => {
      areas.push({
        key: cm.slug,
        parentKey: s.slug,
        level: 'community',
        code: `JZ-QH-0${si + 1}-0${ci + 1}`,
        nameZh: cm.zh,
        nameEn: cm.en,
      })
    })
  })
  const gridCount = new Map<string, number>()
  for (let r = ROWS - 1; r >= 0; r--) {
    for (let c = 0; c < COLS; c++) {
      const si = streetOf(c, r)
      const cm = communities[si]![communityOf(c, r)]!
      const n = (gridCount.get(cm.slug) ?? 0) + 1
      gridCount.set(cm.slug, n)
      const parent = areas.find((a) => a.key === cm.slug)!
      const nn = String(n).padStart(2, '0')
      areas.push({
        key: `${cm.slug}-g${nn}`,
        parentKey: cm.slug,
        level: 'grid',
        code: `${parent.code}-G${nn}`,
        nameZh: `${cm.zh}第${nn}网格`,
        nameEn: `${cm.en} Grid ${nn}`,
        boundary: cell(c, r),
      })
    }
  }

  const departments: DemoDepartment[] = districtDepartments.map(([code, zh, en]) => ({
    code: `QH-${code}`,
    areaKey: 'district',
    nameZh: `清河区${zh}`,
    nameEn: `Qinghe ${en}`,
    kind: 'functional' as const,
  }))
  streets.forEach((s, si) => {
    const n = si + 1
    departments.push(
      {
        code: `QH-0${n}-BSC`,
        areaKey: s.slug,
        nameZh: `${s.zh}办事处`,
        nameEn: `${s.en} Office`,
        kind: 'street_office',
      },
      {
        code: `QH-0${n}-ZF`,
        areaKey: s.slug,
        nameZh: `${s.zh}综合行政执法队`,
        nameEn: `${s.en} Law Enforcement Team`,
        kind: 'functional',
      },
      {
        code: `QH-0${n}-TW`,
        areaKey: s.slug,
        nameZh: `${s.zh}人民调解委员会`,
        nameEn: `${s.en} People's Mediation Committee`,
        kind: 'mediation_committee',
      },
    )
    communities[si]!.forEach((cm, ci) => {
      departments.push(
        {
          code: `QH-0${n}-0${ci + 1}-JW`,
          areaKey: cm.slug,
          nameZh: cm.zh.endsWith('村') ? `${cm.zh}村民委员会` : `${cm.zh}居民委员会`,
          nameEn: `${cm.en} ${cm.zh.endsWith('村') ? "Villagers'" : "Residents'"} Committee`,
          kind: 'community_committee',
        },
        {
          code: `QH-0${n}-0${ci + 1}-TJ`,
          areaKey: cm.slug,
          nameZh: `${cm.zh}人民调解委员会`,
          nameEn: `${cm.en} People's Mediation Committee`,
          kind: 'mediation_committee',
        },
      )
    })
  })

  let person = 0
  const nameFor = () => {
    const s = surnames[person % surnames.length]!
    const g = givenNames[(person * 7 + 3) % givenNames.length]!
    person++
    return `${s}${g}`
  }
  const accounts: DemoAccount[] = [
    { username: 'admin', displayName: `${nameFor()}（系统管理员）`, role: 'admin', areaKey: 'city' },
    { username: 'leader', displayName: `${nameFor()}（区领导）`, role: 'leader', areaKey: 'district' },
    { username: 'donghu.admin', displayName: nameFor(), role: 'admin', areaKey: 'donghu' },
    { username: 'donghu.staff', displayName: nameFor(), role: 'staff', areaKey: 'donghu' },
    {
      username: 'qh.handler',
      displayName: nameFor(),
      role: 'department_handler',
      areaKey: 'district',
      departmentCode: 'QH-CG',
    },
  ]
  const demoCommunities = [
    { slug: 'guihua', street: 1, index: 1 },
    { slug: 'cuizhu', street: 2, index: 1 },
  ]
  for (const { slug, street, index } of demoCommunities) {
    const grid = `${slug}-g01`
    accounts.push(
      { username: `${slug}.admin`, displayName: nameFor(), role: 'admin', areaKey: slug },
      { username: `${slug}.leader`, displayName: nameFor(), role: 'leader', areaKey: slug },
      {
        username: `${slug}.staff`,
        displayName: nameFor(),
        role: 'staff',
        areaKey: slug,
        departmentCode: `QH-0${street}-0${index}-JW`,
      },
      { username: `${slug}.grid`, displayName: nameFor(), role: 'grid_worker', areaKey: grid },
      {
        username: `${slug}.handler`,
        displayName: nameFor(),
        role: 'department_handler',
        areaKey: slug,
        departmentCode: `QH-0${street}-ZF`,
      },
      {
        username: `${slug}.mediator`,
        displayName: nameFor(),
        role: 'mediator',
        areaKey: slug,
        departmentCode: `QH-0${street}-TW`,
      },
      { username: `${slug}.resident`, displayName: nameFor(), role: 'resident', areaKey: slug },
    )
  }
  return { areas, departments, accounts }
}
