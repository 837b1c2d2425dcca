// The demo event category tree: a believable 数字城管 / 12345 catalogue for Qinghe District. Groups
// carry only names; leaves carry the time limits, whether a photo is required, the extra
// attributes a reporter fills in, the department responsible district-wide and, where a street
// handles the work itself, the per-street department. Leaf codes are stable: append new leaves at
// the end of their group rather than renumbering.

import type { CategoryAttribute } from '../cases/catalogue.js'

export interface DemoCategory {
  code: string
  parentCode: string | null
  nameZh: string
  nameEn: string
  respondHours?: number
  handleWorkdays?: number
  photoRequired?: boolean
  attributes?: CategoryAttribute[]
  /** Code of the department responsible in the whole district by default. */
  departmentCode?: string
  /** Per-street overrides: street area code (JZ-QH-01, JZ-QH-02, JZ-QH-03) → department code. */
  streetDepartmentCodes?: Record<string, string>
  keywordsZh?: string[]
}

/** The district bureaus of the demo city (see city.ts); street-level units are routed per street. */
type DistrictDepartment =
  | 'QH-CG'
  | 'QH-HB'
  | 'QH-ZJ'
  | 'QH-SJ'
  | 'QH-GA'
  | 'QH-MZ'
  | 'QH-SW'
  | 'QH-LH'
  | 'QH-JT'
  | 'QH-RS'

type ListValue = { key: string; nameZh: string; nameEn: string }
type AttributeSpec = Omit<CategoryAttribute, 'order'>

interface LeafSpec {
  code: string
  nameZh: string
  nameEn: string
  respondHours: number
  handleWorkdays: number
  photoRequired: boolean
  departmentCode: DistrictDepartment
  /** 'team': the street's law-enforcement team; 'office': the street office. */
  street?: 'team' | 'office'
  attributes?: AttributeSpec[]
  keywordsZh: string[]
}

const streets = [1, 2, 3] as const

function streetRouting(kind: 'team' | 'office'): Record<string, string> {
  const suffix = kind === 'team' ? 'ZF' : 'BSC'
  return Object.fromEntries(streets.map((n) => [`JZ-QH-0${n}`, `QH-0${n}-${suffix}`]))
}

const v = (key: string, nameZh: string, nameEn: string): ListValue => ({ key, nameZh, nameEn })

const yesNo = (): ListValue[] => [v('yes', '是', 'Yes'), v('no', '否', 'No')]

const noisePeriod = (): AttributeSpec => ({
  code: 'noise_period',
  datatype: 'singlevaluelist',
  required: true,
  descriptionZh: '噪声主要出现的时段',
  descriptionEn: 'When the noise mostly happens',
  values: [
    v('daytime', '白天（06:00–22:00）', 'Daytime (06:00–22:00)'),
    v('night', '夜间（22:00–06:00）', 'Night (22:00–06:00)'),
    v('all_day', '全天持续', 'All day'),
  ],
})

const areaM2 = (descriptionZh: string, descriptionEn: string): AttributeSpec => ({
  code: 'area_m2',
  datatype: 'number',
  required: false,
  descriptionZh,
  descriptionEn,
})

function group(code: string, nameZh: string, nameEn: string, leaves: LeafSpec[]): DemoCategory[] {
  const out: DemoCategory[] = [{ code, parentCode: null, nameZh, nameEn }]
  for (const { street, attributes, ...leaf } of leaves) {
    out.push({
      code: leaf.code,
      parentCode: code,
      nameZh: leaf.nameZh,
      nameEn: leaf.nameEn,
      respondHours: leaf.respondHours,
      handleWorkdays: leaf.handleWorkdays,
      photoRequired: leaf.photoRequired,
      attributes: (attributes ?? []).map((a, i) => ({ ...a, order: i + 1 })),
      departmentCode: leaf.departmentCode,
      ...(street ? { streetDepartmentCodes: streetRouting(street) } : {}),
      keywordsZh: leaf.keywordsZh,
    })
  }
  return out
}

export const demoCategories: DemoCategory[] = [
  // ── 市容环境 ─────────────────────────────────────────────────────────────────────────────
  ...group('SR', '市容环境', 'City appearance', [
    {
      code: 'SR-01',
      nameZh: '乱堆物堆料',
      nameEn: 'Illegal stacking of materials',
      respondHours: 12,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        {
          code: 'material_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '堆放物的类型',
          descriptionEn: 'What is piled up',
          values: [
            v('building_materials', '建筑材料', 'Building materials'),
            v('household_items', '家具杂物', 'Household items'),
            v('scrap', '废品回收物', 'Scrap and recyclables'),
            v('other', '其他', 'Other'),
          ],
        },
        areaM2('大约占用面积（平方米）', 'Approximate area taken up (m²)'),
      ],
      keywordsZh: ['乱堆乱放', '堆放杂物', '占用公共空间', '堆料', '废品'],
    },
    {
      code: 'SR-02',
      nameZh: '占道经营',
      nameEn: 'Street vending',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        {
          code: 'vendor_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '摊点形式',
          descriptionEn: 'Kind of stall',
          values: [
            v('fixed_stall', '固定摊位', 'Fixed stall'),
            v('mobile_cart', '流动摊贩', 'Mobile cart'),
            v('night_market', '夜市摊点', 'Night-market stall'),
          ],
        },
        {
          code: 'time_of_day',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '通常出现的时段',
          descriptionEn: 'When the vendors usually appear',
          values: [
            v('morning', '早上', 'Morning'),
            v('noon', '中午', 'Midday'),
            v('evening', '傍晚', 'Evening'),
            v('late_night', '深夜', 'Late night'),
          ],
        },
      ],
      keywordsZh: ['摆摊', '流动摊贩', '马路市场', '夜市', '地摊', '小贩'],
    },
    {
      code: 'SR-03',
      nameZh: '店外经营',
      nameEn: 'Trading outside shop',
      respondHours: 12,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        { code: 'shop_name', datatype: 'string', required: false, descriptionZh: '店铺名称', descriptionEn: 'Shop name' },
      ],
      keywordsZh: ['出店经营', '门前占道', '超门窗经营', '店门口摆放', '占用人行道'],
    },
    {
      code: 'SR-04',
      nameZh: '违章搭建',
      nameEn: 'Illegal construction',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        {
          code: 'structure_type',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '搭建物类型',
          descriptionEn: 'Type of structure',
          values: [
            v('rooftop', '屋顶加层', 'Rooftop addition'),
            v('ground_extension', '一楼扩建院落', 'Ground-floor extension'),
            v('balcony', '阳台外扩', 'Balcony extension'),
            v('shed', '简易棚房', 'Shed'),
            v('other', '其他', 'Other'),
          ],
        },
        {
          code: 'under_construction',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '是否正在施工',
          descriptionEn: 'Is it still being built?',
          values: yesNo(),
        },
      ],
      keywordsZh: ['违建', '私搭乱建', '违法建设', '加盖', '搭棚', '扩建'],
    },
    {
      code: 'SR-05',
      nameZh: '小广告',
      nameEn: 'Illegal flyers',
      respondHours: 24,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        {
          code: 'ad_form',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '小广告形式',
          descriptionEn: 'Form of the ads',
          values: [
            v('sticker', '张贴', 'Stickers'),
            v('painted', '喷涂', 'Spray-painted'),
            v('stamped', '刻印', 'Stamped'),
            v('leaflet', '散发传单', 'Leaflets'),
          ],
        },
      ],
      keywordsZh: ['牛皮癣', '野广告', '办证广告', '喷涂电话', '张贴广告'],
    },
    {
      code: 'SR-06',
      nameZh: '违规户外广告招牌',
      nameEn: 'Unauthorized outdoor signs',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['广告牌', '招牌破损', '灯箱', '横幅广告', '户外广告'],
    },
    {
      code: 'SR-07',
      nameZh: '乱拉乱挂',
      nameEn: 'Illegal banners and lines',
      respondHours: 24,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['拉横幅', '晾衣绳', '沿街晾晒', '乱挂', '树上挂物'],
    },
    {
      code: 'SR-08',
      nameZh: '乱涂写乱刻画',
      nameEn: 'Graffiti',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['涂鸦', '乱写乱画', '墙面涂写', '刻画'],
    },
    {
      code: 'SR-09',
      nameZh: '废弃车辆',
      nameEn: 'Abandoned vehicle',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        { code: 'plate_number', datatype: 'string', required: false, descriptionZh: '车牌号（如有）', descriptionEn: 'Plate number, if any' },
      ],
      keywordsZh: ['僵尸车', '长期停放', '报废车', '无牌车', '积灰车辆'],
    },
  ]),

  // ── 环境卫生 ─────────────────────────────────────────────────────────────────────────────
  ...group('HW', '环境卫生', 'Sanitation', [
    {
      code: 'HW-01',
      nameZh: '暴露垃圾',
      nameEn: 'Exposed garbage',
      respondHours: 4,
      handleWorkdays: 2,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        {
          code: 'garbage_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '垃圾类型',
          descriptionEn: 'Kind of garbage',
          values: [
            v('household', '生活垃圾', 'Household waste'),
            v('bulky', '大件垃圾', 'Bulky waste'),
            v('construction', '建筑垃圾', 'Construction waste'),
            v('mixed', '混合垃圾', 'Mixed'),
          ],
        },
      ],
      keywordsZh: ['垃圾没人清', '乱扔垃圾', '垃圾堆', '垃圾成堆', '臭'],
    },
    {
      code: 'HW-02',
      nameZh: '垃圾满溢',
      nameEn: 'Overflowing bins',
      respondHours: 4,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['垃圾桶满了', '垃圾箱溢出', '垃圾房', '清运不及时'],
    },
    {
      code: 'HW-03',
      nameZh: '道路不洁',
      nameEn: 'Dirty street',
      respondHours: 12,
      handleWorkdays: 2,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['路面脏', '保洁', '扫地', '落叶', '泥浆', '油污'],
    },
    {
      code: 'HW-04',
      nameZh: '建筑垃圾偷倒',
      nameEn: 'Fly-tipped construction waste',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        { code: 'volume_m3', datatype: 'number', required: false, descriptionZh: '大约数量（立方米）', descriptionEn: 'Approximate volume (m³)' },
        { code: 'vehicle_plate', datatype: 'string', required: false, descriptionZh: '倾倒车辆车牌（如看到）', descriptionEn: 'Plate of the dumping vehicle, if seen' },
      ],
      keywordsZh: ['偷倒渣土', '装修垃圾', '乱倒', '渣土', '碎砖'],
    },
    {
      code: 'HW-05',
      nameZh: '公厕问题',
      nameEn: 'Public toilet problem',
      respondHours: 12,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-CG',
      attributes: [
        {
          code: 'toilet_issue',
          datatype: 'multivaluelist',
          required: true,
          descriptionZh: '存在的问题',
          descriptionEn: 'What is wrong',
          values: [
            v('dirty', '卫生差', 'Dirty'),
            v('closed', '未按时开放', 'Closed during opening hours'),
            v('broken', '设施损坏', 'Broken fixtures'),
            v('no_water', '无水', 'No water'),
          ],
        },
      ],
      keywordsZh: ['厕所', '公共厕所', '卫生间', '臭味', '关门'],
    },
    {
      code: 'HW-06',
      nameZh: '垃圾分类不规范',
      nameEn: 'Improper waste sorting',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['垃圾分类', '混投', '分类桶', '厨余垃圾', '混装混运'],
    },
    {
      code: 'HW-07',
      nameZh: '动物尸体',
      nameEn: 'Animal carcass',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-CG',
      street: 'team',
      keywordsZh: ['死猫', '死狗', '死老鼠', '动物死了', '尸体'],
    },
  ]),

  // ── 道路与设施 ───────────────────────────────────────────────────────────────────────────
  ...group('DL', '道路与设施', 'Roads and facilities', [
    {
      code: 'DL-01',
      nameZh: '路面破损',
      nameEn: 'Damaged road surface',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      attributes: [
        areaM2('破损面积（平方米）', 'Damaged area (m²)'),
        {
          code: 'lane_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '破损位置',
          descriptionEn: 'Where the damage is',
          values: [
            v('motorway', '机动车道', 'Traffic lane'),
            v('bike_lane', '非机动车道', 'Bike lane'),
            v('alley', '背街小巷', 'Back alley'),
          ],
        },
      ],
      keywordsZh: ['坑洼', '路坑', '坑槽', '路面开裂', '马路坏了'],
    },
    {
      code: 'DL-02',
      nameZh: '井盖缺失破损',
      nameEn: 'Missing or broken manhole cover',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-CG',
      attributes: [
        {
          code: 'cover_state',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '井盖状况',
          descriptionEn: 'State of the cover',
          values: [
            v('missing', '缺失', 'Missing'),
            v('broken', '破损', 'Broken'),
            v('sunken', '下沉', 'Sunken'),
            v('loose', '松动异响', 'Loose or rattling'),
          ],
        },
      ],
      keywordsZh: ['井盖', '窨井盖', '下水道盖', '井口', '没盖子'],
    },
    {
      code: 'DL-03',
      nameZh: '路灯不亮',
      nameEn: 'Street light out',
      respondHours: 24,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-CG',
      attributes: [
        { code: 'lamp_count', datatype: 'number', required: false, descriptionZh: '不亮的路灯数量', descriptionEn: 'How many lights are out' },
        { code: 'pole_number', datatype: 'string', required: false, descriptionZh: '灯杆编号（灯杆上的牌子）', descriptionEn: 'Pole number (on the pole tag)' },
      ],
      keywordsZh: ['路灯', '灯不亮', '路灯坏了', '一闪一闪', '晚上太黑'],
    },
    {
      code: 'DL-04',
      nameZh: '人行道破损',
      nameEn: 'Damaged sidewalk',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      attributes: [areaM2('破损面积（平方米）', 'Damaged area (m²)')],
      keywordsZh: ['人行道', '地砖松动', '地砖缺失', '踩水', '绊倒'],
    },
    {
      code: 'DL-05',
      nameZh: '道路塌陷',
      nameEn: 'Road collapse',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      attributes: [areaM2('塌陷面积（平方米）', 'Collapsed area (m²)')],
      keywordsZh: ['塌陷', '地陷', '路面下沉', '大坑', '空洞'],
    },
    {
      code: 'DL-06',
      nameZh: '护栏损坏',
      nameEn: 'Damaged guardrail',
      respondHours: 12,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-JT',
      keywordsZh: ['护栏', '隔离栏', '栏杆倒了', '防撞栏'],
    },
    {
      code: 'DL-07',
      nameZh: '交通信号灯故障',
      nameEn: 'Traffic light failure',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: false,
      departmentCode: 'QH-GA',
      attributes: [
        {
          code: 'signal_fault',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '故障表现',
          descriptionEn: 'What is wrong',
          values: [
            v('dark', '不亮', 'Dark'),
            v('stuck', '长时间不变', 'Stuck on one colour'),
            v('flashing', '一直黄闪', 'Flashing amber'),
            v('timing', '配时不合理', 'Poor timing'),
          ],
        },
      ],
      keywordsZh: ['红绿灯', '信号灯', '红绿灯坏了', '红灯太长'],
    },
    {
      code: 'DL-08',
      nameZh: '公交站亭损坏',
      nameEn: 'Damaged bus shelter',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-JT',
      keywordsZh: ['公交站', '候车亭', '站牌', '座椅坏了'],
    },
    {
      code: 'DL-09',
      nameZh: '盲道无障碍设施问题',
      nameEn: 'Accessibility facility problem',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      keywordsZh: ['盲道', '无障碍', '坡道', '盲道被占', '轮椅'],
    },
  ]),

  // ── 园林绿化 ─────────────────────────────────────────────────────────────────────────────
  ...group('YL', '园林绿化', 'Greening', [
    {
      code: 'YL-01',
      nameZh: '树木倒伏',
      nameEn: 'Fallen tree',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-LH',
      attributes: [
        {
          code: 'obstruction',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '倒伏影响',
          descriptionEn: 'What it affects',
          values: [
            v('road_blocked', '阻断道路', 'Blocking the road'),
            v('power_line', '压到电线', 'On power lines'),
            v('building_vehicle', '压到房屋或车辆', 'On a building or vehicle'),
            v('leaning', '倾斜未倒', 'Leaning, not yet down'),
            v('none', '暂无影响', 'Nothing yet'),
          ],
        },
      ],
      keywordsZh: ['大树倒了', '树倒', '断枝', '树要倒', '台风'],
    },
    {
      code: 'YL-02',
      nameZh: '绿地破坏',
      nameEn: 'Damaged green space',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-LH',
      attributes: [
        {
          code: 'damage_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '破坏方式',
          descriptionEn: 'How it was damaged',
          values: [
            v('vegetables', '毁绿种菜', 'Turned into a vegetable plot'),
            v('trampled', '踩踏', 'Trampled'),
            v('parking', '车辆碾压停放', 'Parked or driven on'),
            v('felled', '乱砍滥伐', 'Trees cut down'),
          ],
        },
      ],
      keywordsZh: ['毁绿', '种菜', '砍树', '草坪', '绿化带'],
    },
    {
      code: 'YL-03',
      nameZh: '树枝遮挡',
      nameEn: 'Overgrown branches',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-LH',
      attributes: [
        {
          code: 'blocking',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '遮挡对象',
          descriptionEn: 'What the branches block',
          values: [
            v('street_light', '路灯', 'Street lights'),
            v('traffic_sign', '交通标志或信号灯', 'Traffic signs or lights'),
            v('windows', '住户窗户采光', 'Residents’ windows'),
            v('walkway', '人行通道', 'Footpath'),
          ],
        },
      ],
      keywordsZh: ['修剪', '树枝太长', '挡光', '挡窗户', '树遮灯'],
    },
    {
      code: 'YL-04',
      nameZh: '病虫害',
      nameEn: 'Tree pests',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: true,
      departmentCode: 'QH-LH',
      keywordsZh: ['虫子', '美国白蛾', '树生病', '叶子枯', '打药'],
    },
    {
      code: 'YL-05',
      nameZh: '绿化缺株死株',
      nameEn: 'Dead or missing plants',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: true,
      departmentCode: 'QH-LH',
      keywordsZh: ['死树', '枯死', '补种', '缺苗', '黄土裸露'],
    },
    {
      code: 'YL-06',
      nameZh: '公园设施损坏',
      nameEn: 'Damaged park facilities',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-LH',
      keywordsZh: ['公园', '健身器材', '长椅', '游乐设施', '步道'],
    },
  ]),

  // ── 噪声扰民 ─────────────────────────────────────────────────────────────────────────────
  ...group('ZS', '噪声扰民', 'Noise', [
    {
      code: 'ZS-01',
      nameZh: '施工噪声',
      nameEn: 'Construction noise',
      respondHours: 2,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-HB',
      attributes: [
        noisePeriod(),
        { code: 'site_name', datatype: 'string', required: false, descriptionZh: '工地或项目名称', descriptionEn: 'Site or project name' },
      ],
      keywordsZh: ['工地', '夜间施工', '打桩', '机器声', '半夜施工'],
    },
    {
      code: 'ZS-02',
      nameZh: '社会生活噪声',
      nameEn: 'Neighbourhood noise',
      respondHours: 2,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-GA',
      attributes: [
        noisePeriod(),
        {
          code: 'noise_source',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '噪声来源',
          descriptionEn: 'Source of the noise',
          values: [
            v('square_dance', '广场舞', 'Square dancing'),
            v('loudspeaker', '音响喇叭', 'Loudspeakers'),
            v('karaoke', '唱歌聚会', 'Karaoke or parties'),
            v('pets', '宠物叫声', 'Pets'),
            v('other', '其他', 'Other'),
          ],
        },
      ],
      keywordsZh: ['广场舞', '太吵', '扰民', '音响', '跳舞', '狗叫'],
    },
    {
      code: 'ZS-03',
      nameZh: '商业噪声',
      nameEn: 'Commercial noise',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-CG',
      street: 'team',
      attributes: [
        noisePeriod(),
        { code: 'shop_name', datatype: 'string', required: false, descriptionZh: '店铺名称', descriptionEn: 'Shop name' },
      ],
      keywordsZh: ['高音喇叭', '店铺喇叭', '促销喊话', '酒吧', '门口放音乐'],
    },
    {
      code: 'ZS-04',
      nameZh: '装修噪声',
      nameEn: 'Renovation noise',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-ZJ',
      street: 'office',
      attributes: [
        noisePeriod(),
        { code: 'building_unit', datatype: 'string', required: false, descriptionZh: '装修的楼栋单元门牌', descriptionEn: 'Building, unit and flat being renovated' },
      ],
      keywordsZh: ['装修', '电钻', '砸墙', '周末装修', '楼上装修'],
    },
    {
      code: 'ZS-05',
      nameZh: '交通噪声',
      nameEn: 'Traffic noise',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-GA',
      attributes: [noisePeriod()],
      keywordsZh: ['炸街', '改装车', '鸣笛', '摩托车', '大货车'],
    },
    {
      code: 'ZS-06',
      nameZh: '工业噪声',
      nameEn: 'Industrial noise',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: false,
      departmentCode: 'QH-HB',
      attributes: [
        noisePeriod(),
        { code: 'enterprise_name', datatype: 'string', required: false, descriptionZh: '企业名称', descriptionEn: 'Company name' },
      ],
      keywordsZh: ['工厂', '风机', '机器轰鸣', '厂房', '空压机'],
    },
  ]),

  // ── 物业管理 ─────────────────────────────────────────────────────────────────────────────
  ...group('WY', '物业管理', 'Property management', [
    {
      code: 'WY-01',
      nameZh: '电梯故障',
      nameEn: 'Elevator breakdown',
      respondHours: 2,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      street: 'office',
      attributes: [
        { code: 'building_unit', datatype: 'string', required: true, descriptionZh: '楼栋及单元', descriptionEn: 'Building and unit' },
        {
          code: 'people_trapped',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '是否有人被困（有人被困请同时拨打119）',
          descriptionEn: 'Is anyone trapped? (If so, also call 119)',
          values: yesNo(),
        },
      ],
      keywordsZh: ['电梯坏了', '电梯停运', '困电梯', '电梯异响', '电梯维修'],
    },
    {
      code: 'WY-02',
      nameZh: '物业服务纠纷',
      nameEn: 'Property service dispute',
      respondHours: 24,
      handleWorkdays: 15,
      photoRequired: false,
      departmentCode: 'QH-ZJ',
      street: 'office',
      attributes: [
        {
          code: 'dispute_type',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '纠纷类型',
          descriptionEn: 'What the dispute is about',
          values: [
            v('fees', '物业收费', 'Fees'),
            v('service_quality', '服务质量', 'Service quality'),
            v('public_income', '公共收益', 'Income from shared areas'),
            v('handover', '物业交接', 'Change of property company'),
            v('other', '其他', 'Other'),
          ],
        },
        { code: 'property_company', datatype: 'string', required: false, descriptionZh: '物业公司名称', descriptionEn: 'Property company' },
      ],
      keywordsZh: ['物业', '物业费', '物业不作为', '业委会', '换物业'],
    },
    {
      code: 'WY-03',
      nameZh: '小区公共设施损坏',
      nameEn: 'Damaged estate facilities',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      street: 'office',
      keywordsZh: ['单元门', '门禁坏了', '楼道灯', '外墙脱落', '屋顶漏水'],
    },
    {
      code: 'WY-04',
      nameZh: '楼道堆物',
      nameEn: 'Clutter in stairwells',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      street: 'office',
      attributes: [
        { code: 'building_unit', datatype: 'string', required: false, descriptionZh: '楼栋及单元', descriptionEn: 'Building and unit' },
      ],
      keywordsZh: ['楼道', '杂物', '堆放', '过道', '纸箱'],
    },
    {
      code: 'WY-05',
      nameZh: '维修资金咨询',
      nameEn: 'Maintenance fund inquiry',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-ZJ',
      street: 'office',
      keywordsZh: ['维修基金', '专项维修资金', '大修', '加装电梯', '老旧小区改造'],
    },
  ]),

  // ── 公共安全隐患 ─────────────────────────────────────────────────────────────────────────
  ...group('AQ', '公共安全隐患', 'Public safety hazards', [
    {
      code: 'AQ-01',
      nameZh: '燃气泄漏隐患',
      nameEn: 'Suspected gas leak',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: false,
      departmentCode: 'QH-ZJ',
      attributes: [
        {
          code: 'smell_strength',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '燃气气味程度',
          descriptionEn: 'How strong the smell is',
          values: [
            v('faint', '隐约闻到', 'Faint'),
            v('strong', '气味明显', 'Strong'),
            v('very_strong', '气味很浓或有嘶嘶声', 'Very strong or hissing'),
          ],
        },
        {
          code: 'leak_location',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '气味所在位置',
          descriptionEn: 'Where the smell is',
          values: [
            v('home', '住户家中', 'In a home'),
            v('stairwell', '楼道', 'Stairwell'),
            v('shop', '餐饮店铺', 'Restaurant or shop'),
            v('street', '室外管线', 'Outdoor pipes'),
          ],
        },
      ],
      keywordsZh: ['煤气味', '天然气', '漏气', '燃气管', '液化气罐'],
    },
    {
      code: 'AQ-02',
      nameZh: '消防通道堵塞',
      nameEn: 'Blocked fire lane',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-GA',
      attributes: [
        {
          code: 'blocked_by',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '堵塞物',
          descriptionEn: 'What is blocking it',
          values: [
            v('vehicles', '车辆停放', 'Parked vehicles'),
            v('goods', '杂物堆放', 'Stored goods'),
            v('locked', '通道上锁', 'Locked gate'),
            v('structure', '搭建物', 'A structure'),
          ],
        },
      ],
      keywordsZh: ['消防通道', '生命通道', '消防车进不来', '安全出口', '堵路'],
    },
    {
      code: 'AQ-03',
      nameZh: '飞线充电',
      nameEn: 'E-bike charging cables',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-GA',
      attributes: [
        { code: 'floor', datatype: 'number', required: false, descriptionZh: '电线从几楼拉下', descriptionEn: 'Floor the cable hangs from' },
        {
          code: 'charging_place',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '充电位置',
          descriptionEn: 'Where the bike is charged',
          values: [
            v('outdoor_cable', '窗口拉线到室外', 'Cable from a window'),
            v('stairwell', '楼道内', 'In the stairwell'),
            v('indoors', '电动车进户', 'Inside the flat'),
            v('shed', '违规车棚', 'Unapproved shed'),
          ],
        },
      ],
      keywordsZh: ['电动车充电', '拉电线', '飞线', '电瓶车', '楼道充电'],
    },
    {
      code: 'AQ-04',
      nameZh: '高空坠物隐患',
      nameEn: 'Falling object risk',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      attributes: [
        {
          code: 'object_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '可能坠落的物体',
          descriptionEn: 'What might fall',
          values: [
            v('facade', '外墙饰面', 'Facade tiles'),
            v('window', '窗户玻璃', 'Window glass'),
            v('ac_unit', '空调外机', 'Air-conditioner unit'),
            v('sign', '招牌', 'Sign'),
            v('other', '其他', 'Other'),
          ],
        },
      ],
      keywordsZh: ['外墙脱落', '瓷砖掉落', '高空抛物', '空调架松动', '招牌要掉'],
    },
    {
      code: 'AQ-05',
      nameZh: '危房隐患',
      nameEn: 'Unsafe building',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      keywordsZh: ['危房', '墙体开裂', '房子倾斜', '房屋裂缝', '老房子'],
    },
    {
      code: 'AQ-06',
      nameZh: '工地安全隐患',
      nameEn: 'Construction site hazard',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      keywordsZh: ['工地', '围挡倒', '塔吊', '基坑', '脚手架'],
    },
  ]),

  // ── 市场秩序 ─────────────────────────────────────────────────────────────────────────────
  ...group('SC', '市场秩序', 'Market order', [
    {
      code: 'SC-01',
      nameZh: '无证经营',
      nameEn: 'Unlicensed business',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: true,
      departmentCode: 'QH-SJ',
      attributes: [
        {
          code: 'business_type',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '经营类别',
          descriptionEn: 'Kind of business',
          values: [
            v('catering', '餐饮', 'Catering'),
            v('retail', '零售', 'Retail'),
            v('services', '生活服务', 'Personal services'),
            v('other', '其他', 'Other'),
          ],
        },
        { code: 'shop_name', datatype: 'string', required: false, descriptionZh: '店铺名称或招牌', descriptionEn: 'Shop name or sign' },
      ],
      keywordsZh: ['无照经营', '没有营业执照', '黑作坊', '无证', '家庭作坊'],
    },
    {
      code: 'SC-02',
      nameZh: '食品安全',
      nameEn: 'Food safety',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      attributes: [
        {
          code: 'food_issue',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '问题类型',
          descriptionEn: 'What the problem is',
          values: [
            v('expired', '过期变质', 'Expired or spoiled'),
            v('hygiene', '卫生条件差', 'Poor hygiene'),
            v('illness', '食用后身体不适', 'Illness after eating'),
            v('fake', '假冒伪劣', 'Counterfeit'),
          ],
        },
        { code: 'purchase_time', datatype: 'datetime', required: false, descriptionZh: '购买或就餐时间', descriptionEn: 'When bought or eaten' },
        { code: 'merchant_name', datatype: 'string', required: false, descriptionZh: '商家名称', descriptionEn: 'Merchant name' },
      ],
      keywordsZh: ['过期食品', '吃坏肚子', '后厨脏', '食物中毒', '异物'],
    },
    {
      code: 'SC-03',
      nameZh: '价格违法',
      nameEn: 'Pricing violation',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      attributes: [
        { code: 'merchant_name', datatype: 'string', required: false, descriptionZh: '商家名称', descriptionEn: 'Merchant name' },
      ],
      keywordsZh: ['乱收费', '不明码标价', '价格欺诈', '宰客', '哄抬物价'],
    },
    {
      code: 'SC-04',
      nameZh: '缺斤少两',
      nameEn: 'Short weighing',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      keywordsZh: ['短斤缺两', '秤有问题', '鬼秤', '菜市场', '分量不足'],
    },
    {
      code: 'SC-05',
      nameZh: '消费纠纷',
      nameEn: 'Consumer dispute',
      respondHours: 24,
      handleWorkdays: 15,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      attributes: [
        { code: 'merchant_name', datatype: 'string', required: true, descriptionZh: '商家名称', descriptionEn: 'Merchant name' },
        { code: 'amount_yuan', datatype: 'number', required: false, descriptionZh: '涉及金额（元）', descriptionEn: 'Amount involved (yuan)' },
      ],
      keywordsZh: ['退货', '退款', '质量问题', '售后', '投诉商家'],
    },
    {
      code: 'SC-06',
      nameZh: '预付卡纠纷',
      nameEn: 'Prepaid card dispute',
      respondHours: 24,
      handleWorkdays: 15,
      photoRequired: false,
      departmentCode: 'QH-SJ',
      attributes: [
        { code: 'merchant_name', datatype: 'string', required: true, descriptionZh: '商家名称', descriptionEn: 'Merchant name' },
        { code: 'card_balance_yuan', datatype: 'number', required: false, descriptionZh: '卡内余额（元）', descriptionEn: 'Balance on the card (yuan)' },
      ],
      keywordsZh: ['办卡', '健身房跑路', '理发店关门', '充值卡', '退卡'],
    },
  ]),

  // ── 社会救助 ─────────────────────────────────────────────────────────────────────────────
  ...group('JZ', '社会救助', 'Social assistance', [
    {
      code: 'JZ-01',
      nameZh: '低保申请咨询',
      nameEn: 'Subsistence allowance inquiry',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      street: 'office',
      attributes: [
        { code: 'household_size', datatype: 'number', required: false, descriptionZh: '家庭人口数', descriptionEn: 'People in the household' },
        {
          code: 'hukou_local',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '是否本地户籍',
          descriptionEn: 'Registered locally (hukou)?',
          values: yesNo(),
        },
      ],
      keywordsZh: ['低保', '最低生活保障', '低收入', '申请条件', '特困'],
    },
    {
      code: 'JZ-02',
      nameZh: '困难群众临时救助',
      nameEn: 'Emergency hardship aid',
      respondHours: 4,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      street: 'office',
      attributes: [
        { code: 'household_size', datatype: 'number', required: false, descriptionZh: '家庭人口数', descriptionEn: 'People in the household' },
        {
          code: 'hardship_cause',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '困难原因',
          descriptionEn: 'Cause of hardship',
          values: [
            v('illness', '重病', 'Serious illness'),
            v('accident', '意外事故', 'Accident'),
            v('disaster', '火灾等灾害', 'Fire or other disaster'),
            v('unemployment', '失业', 'Job loss'),
            v('other', '其他', 'Other'),
          ],
        },
        { code: 'urgent_need', datatype: 'text', required: true, descriptionZh: '最急需的帮助', descriptionEn: 'What help is needed most urgently' },
      ],
      keywordsZh: ['临时救助', '生活困难', '看病没钱', '急难', '求助'],
    },
    {
      code: 'JZ-03',
      nameZh: '独居老人关爱',
      nameEn: 'Elderly living alone',
      respondHours: 2,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      street: 'office',
      attributes: [
        { code: 'age', datatype: 'number', required: false, descriptionZh: '老人年龄', descriptionEn: 'Age' },
        {
          code: 'concern',
          datatype: 'multivaluelist',
          required: true,
          descriptionZh: '担心的情况',
          descriptionEn: 'What you are worried about',
          values: [
            v('no_contact', '多日未见联系不上', 'Not seen for days'),
            v('health', '身体不适', 'Poor health'),
            v('daily_living', '生活不能自理', 'Cannot look after themselves'),
            v('home_safety', '居住安全', 'Unsafe home'),
          ],
        },
      ],
      keywordsZh: ['空巢老人', '独居', '孤寡老人', '老人没人管', '好几天没见'],
    },
    {
      code: 'JZ-04',
      nameZh: '残疾人帮扶',
      nameEn: 'Disability support',
      respondHours: 24,
      handleWorkdays: 15,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      street: 'office',
      attributes: [
        {
          code: 'support_needed',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '需要的帮助',
          descriptionEn: 'Support needed',
          values: [
            v('subsidy', '补贴申请', 'Subsidy application'),
            v('assistive_device', '辅具适配', 'Assistive devices'),
            v('home_adaptation', '无障碍改造', 'Home adaptation'),
            v('employment', '就业帮扶', 'Help finding work'),
          ],
        },
      ],
      keywordsZh: ['残疾人', '残疾证', '两项补贴', '轮椅', '无障碍改造'],
    },
    {
      code: 'JZ-05',
      nameZh: '流浪乞讨人员救助',
      nameEn: 'Homeless person in need',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      keywordsZh: ['流浪汉', '乞讨', '露宿街头', '救助站', '睡在路边'],
    },
    {
      code: 'JZ-06',
      nameZh: '困境儿童关爱',
      nameEn: 'Children in difficulty',
      respondHours: 4,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-MZ',
      street: 'office',
      keywordsZh: ['留守儿童', '孤儿', '没人照顾', '困境儿童', '儿童救助'],
    },
  ]),

  // ── 供水排水 ─────────────────────────────────────────────────────────────────────────────
  ...group('GS', '供水排水', 'Water supply and drainage', [
    {
      code: 'GS-01',
      nameZh: '下水道堵塞',
      nameEn: 'Blocked sewer',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-SW',
      attributes: [
        {
          code: 'sewer_symptom',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '堵塞表现',
          descriptionEn: 'What you see',
          values: [
            v('overflow', '污水冒溢', 'Sewage overflowing'),
            v('slow', '排水缓慢', 'Slow drainage'),
            v('odor', '臭味严重', 'Strong smell'),
          ],
        },
      ],
      keywordsZh: ['下水道', '污水', '管道堵了', '反水', '冒水'],
    },
    {
      code: 'GS-02',
      nameZh: '道路积水',
      nameEn: 'Flooded road',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-SW',
      attributes: [
        { code: 'depth_cm', datatype: 'number', required: false, descriptionZh: '积水大约深度（厘米）', descriptionEn: 'Approximate depth (cm)' },
      ],
      keywordsZh: ['积水', '内涝', '下雨淹了', '水漫', '排不出去'],
    },
    {
      code: 'GS-03',
      nameZh: '停水',
      nameEn: 'Water outage',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: false,
      departmentCode: 'QH-SW',
      attributes: [
        {
          code: 'affected_scope',
          datatype: 'singlevaluelist',
          required: true,
          descriptionZh: '停水范围',
          descriptionEn: 'Who is affected',
          values: [
            v('household', '仅本户', 'Just my home'),
            v('building', '整栋楼', 'Whole building'),
            v('estate', '整个小区', 'Whole estate'),
            v('area', '周边片区', 'Whole neighbourhood'),
          ],
        },
        { code: 'outage_start', datatype: 'datetime', required: false, descriptionZh: '开始停水时间', descriptionEn: 'When the water stopped' },
      ],
      keywordsZh: ['没水', '停水', '自来水', '断水', '什么时候来水'],
    },
    {
      code: 'GS-04',
      nameZh: '供水管道爆裂',
      nameEn: 'Burst water main',
      respondHours: 1,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-SW',
      keywordsZh: ['爆管', '水管破了', '漏水', '冒水', '水柱'],
    },
    {
      code: 'GS-05',
      nameZh: '水质异常',
      nameEn: 'Tap water quality',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: false,
      departmentCode: 'QH-SW',
      attributes: [
        {
          code: 'water_symptom',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '异常表现',
          descriptionEn: 'What is wrong with the water',
          values: [
            v('yellow', '发黄', 'Yellow'),
            v('turbid', '浑浊', 'Cloudy'),
            v('odor', '有异味', 'Smells'),
            v('particles', '有杂质', 'Particles'),
          ],
        },
      ],
      keywordsZh: ['水黄', '水浑', '水有味', '水质', '二次供水'],
    },
    {
      code: 'GS-06',
      nameZh: '水压不足',
      nameEn: 'Low water pressure',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: false,
      departmentCode: 'QH-SW',
      attributes: [
        { code: 'floor', datatype: 'number', required: false, descriptionZh: '所在楼层', descriptionEn: 'Floor' },
      ],
      keywordsZh: ['水压小', '水流小', '高层没水', '热水器打不着'],
    },
    {
      code: 'GS-07',
      nameZh: '雨水口堵塞',
      nameEn: 'Blocked storm drain',
      respondHours: 12,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-SW',
      keywordsZh: ['雨水箅子', '排水口', '雨水井', '落叶堵塞'],
    },
    {
      code: 'GS-08',
      nameZh: '河道漂浮物',
      nameEn: 'River litter',
      respondHours: 24,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-SW',
      keywordsZh: ['河道', '河面垃圾', '水葫芦', '死鱼', '河长'],
    },
  ]),

  // ── 交通秩序 ─────────────────────────────────────────────────────────────────────────────
  ...group('JT', '交通秩序', 'Traffic order', [
    {
      code: 'JT-01',
      nameZh: '共享单车乱停放',
      nameEn: 'Badly parked shared bikes',
      respondHours: 4,
      handleWorkdays: 2,
      photoRequired: true,
      departmentCode: 'QH-JT',
      attributes: [
        {
          code: 'operator',
          datatype: 'multivaluelist',
          required: false,
          descriptionZh: '单车品牌',
          descriptionEn: 'Bike operator',
          values: [
            v('meituan', '美团', 'Meituan'),
            v('hellobike', '哈啰', 'Hellobike'),
            v('qingju', '青桔', 'Qingju'),
            v('other', '其他', 'Other'),
          ],
        },
        { code: 'bike_count', datatype: 'number', required: false, descriptionZh: '大约数量（辆）', descriptionEn: 'Approximate number of bikes' },
      ],
      keywordsZh: ['共享单车', '单车堆积', '小黄车', '电单车', '挡路'],
    },
    {
      code: 'JT-02',
      nameZh: '机动车乱停放',
      nameEn: 'Illegal car parking',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-GA',
      attributes: [
        { code: 'plate_number', datatype: 'string', required: false, descriptionZh: '车牌号', descriptionEn: 'Plate number' },
        {
          code: 'blocking',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '影响情况',
          descriptionEn: 'What it blocks',
          values: [
            v('sidewalk', '占用人行道', 'Sidewalk'),
            v('driveway', '堵住出入口', 'An entrance'),
            v('lane', '占用车道', 'A traffic lane'),
            v('bus_stop', '占用公交站', 'A bus stop'),
          ],
        },
      ],
      keywordsZh: ['乱停车', '违停', '堵门', '占道停车', '挪车'],
    },
    {
      code: 'JT-03',
      nameZh: '出租车网约车违规',
      nameEn: 'Taxi or ride-hailing complaint',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-JT',
      attributes: [
        { code: 'plate_number', datatype: 'string', required: true, descriptionZh: '车牌号', descriptionEn: 'Plate number' },
        { code: 'incident_time', datatype: 'datetime', required: false, descriptionZh: '乘车时间', descriptionEn: 'When the trip was' },
        {
          code: 'violation',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '问题类型',
          descriptionEn: 'What happened',
          values: [
            v('refusal', '拒载', 'Refused the fare'),
            v('overcharge', '绕路多收费', 'Detour or overcharge'),
            v('attitude', '服务态度差', 'Rude driver'),
            v('unsafe', '危险驾驶', 'Unsafe driving'),
          ],
        },
      ],
      keywordsZh: ['出租车', '拒载', '绕路', '网约车', '黑车'],
    },
    {
      code: 'JT-04',
      nameZh: '公交服务问题',
      nameEn: 'Bus service problem',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-JT',
      attributes: [
        { code: 'route_number', datatype: 'string', required: false, descriptionZh: '公交线路', descriptionEn: 'Bus route' },
      ],
      keywordsZh: ['公交车', '甩站', '班次少', '等车太久', '司机态度'],
    },
    {
      code: 'JT-05',
      nameZh: '占道施工未设标志',
      nameEn: 'Unsigned roadworks',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-JT',
      keywordsZh: ['占道施工', '挖路', '没有警示', '施工围挡', '夜间无灯'],
    },
    {
      code: 'JT-06',
      nameZh: '渣土车违规',
      nameEn: 'Muck truck violation',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-CG',
      attributes: [
        { code: 'plate_number', datatype: 'string', required: false, descriptionZh: '车牌号', descriptionEn: 'Plate number' },
      ],
      keywordsZh: ['渣土车', '撒漏', '泥头车', '带泥上路', '超载'],
    },
  ]),

  // ── 生态环境 ─────────────────────────────────────────────────────────────────────────────
  ...group('HJ', '生态环境', 'Environmental pollution', [
    {
      code: 'HJ-01',
      nameZh: '餐饮油烟',
      nameEn: 'Restaurant fumes',
      respondHours: 24,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-HB',
      attributes: [
        { code: 'shop_name', datatype: 'string', required: false, descriptionZh: '店铺名称', descriptionEn: 'Restaurant name' },
      ],
      keywordsZh: ['油烟', '烧烤', '排烟', '油烟机', '熏得慌'],
    },
    {
      code: 'HJ-02',
      nameZh: '露天焚烧',
      nameEn: 'Open burning',
      respondHours: 2,
      handleWorkdays: 1,
      photoRequired: true,
      departmentCode: 'QH-HB',
      attributes: [
        {
          code: 'burning_material',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '焚烧物',
          descriptionEn: 'What is burning',
          values: [
            v('garbage', '垃圾', 'Garbage'),
            v('leaves_straw', '树叶秸秆', 'Leaves or straw'),
            v('cables', '电线塑料', 'Cables or plastic'),
            v('other', '其他', 'Other'),
          ],
        },
      ],
      keywordsZh: ['烧垃圾', '烧秸秆', '冒黑烟', '焚烧', '烧东西'],
    },
    {
      code: 'HJ-03',
      nameZh: '工地扬尘',
      nameEn: 'Construction dust',
      respondHours: 4,
      handleWorkdays: 3,
      photoRequired: true,
      departmentCode: 'QH-ZJ',
      attributes: [
        { code: 'site_name', datatype: 'string', required: false, descriptionZh: '工地或项目名称', descriptionEn: 'Site or project name' },
      ],
      keywordsZh: ['扬尘', '灰尘大', '未覆盖', '裸土', '不洒水'],
    },
    {
      code: 'HJ-04',
      nameZh: '异味废气',
      nameEn: 'Odour or exhaust fumes',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: false,
      departmentCode: 'QH-HB',
      attributes: [
        {
          code: 'odour_period',
          datatype: 'singlevaluelist',
          required: false,
          descriptionZh: '异味主要出现的时段',
          descriptionEn: 'When the smell mostly occurs',
          values: [
            v('daytime', '白天', 'Daytime'),
            v('night', '夜间', 'Night'),
            v('all_day', '全天持续', 'All day'),
          ],
        },
        { code: 'suspected_source', datatype: 'string', required: false, descriptionZh: '怀疑的来源', descriptionEn: 'Suspected source' },
      ],
      keywordsZh: ['臭味', '刺鼻', '化工味', '废气', '喷漆味'],
    },
    {
      code: 'HJ-05',
      nameZh: '污水乱排',
      nameEn: 'Illegal sewage discharge',
      respondHours: 4,
      handleWorkdays: 5,
      photoRequired: true,
      departmentCode: 'QH-HB',
      keywordsZh: ['偷排', '排污', '污水直排', '河水变色', '洗车水'],
    },
  ]),

  // ── 劳动保障 ─────────────────────────────────────────────────────────────────────────────
  ...group('LD', '劳动保障', 'Labour and social security', [
    {
      code: 'LD-01',
      nameZh: '拖欠工资',
      nameEn: 'Unpaid wages',
      respondHours: 24,
      handleWorkdays: 15,
      photoRequired: false,
      departmentCode: 'QH-RS',
      attributes: [
        { code: 'employer_name', datatype: 'string', required: true, descriptionZh: '用人单位或包工头', descriptionEn: 'Employer or contractor' },
        { code: 'worker_count', datatype: 'number', required: false, descriptionZh: '涉及人数', descriptionEn: 'Workers affected' },
        { code: 'amount_owed_yuan', datatype: 'number', required: false, descriptionZh: '拖欠金额（元）', descriptionEn: 'Amount owed (yuan)' },
      ],
      keywordsZh: ['欠薪', '讨薪', '农民工工资', '不发工资', '包工头跑了'],
    },
    {
      code: 'LD-02',
      nameZh: '社保咨询',
      nameEn: 'Social insurance inquiry',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-RS',
      keywordsZh: ['社保', '养老保险', '医保', '断缴', '退休手续'],
    },
    {
      code: 'LD-03',
      nameZh: '就业服务咨询',
      nameEn: 'Job-seeking help',
      respondHours: 24,
      handleWorkdays: 10,
      photoRequired: false,
      departmentCode: 'QH-RS',
      keywordsZh: ['找工作', '失业登记', '技能培训', '公益岗位', '招聘会'],
    },
  ]),
]
