// The standard classes of city-management problems, after GB/T 30428.2-2013 《数字化城市管理信息系统
// 第2部分：管理部件和事件》 (which took them over from CJ/T 214-2007): components (部件, physical assets
// with a place and an owner) and events (事件, everything else that goes wrong in public space), each
// in main classes (大类, two digits) and subclasses (小类, the main class and two more digits). The
// main classes are the standard's six of each kind; the subclasses are the ones a community's
// catalogue and inventory need, numbered as in the standard's tables. An operator who needs one we
// leave out adds it here (a subclass code is only accepted when it is listed).

export const classKinds = ['component', 'event'] as const
export type ClassKind = (typeof classKinds)[number]

export interface StandardClass {
  kind: ClassKind
  /** '01' for a main class, '0101' for a subclass. */
  code: string
  nameZh: string
  nameEn: string
}

type Entry = [code: string, nameZh: string, nameEn: string]

const componentClasses: Entry[] = [
  ['01', '公用设施', 'Public utilities'],
  ['0101', '上水井盖', 'Water-supply manhole cover'],
  ['0102', '污水井盖', 'Sewage manhole cover'],
  ['0103', '雨水井盖', 'Storm-water manhole cover'],
  ['0104', '雨水箅子', 'Storm-drain grate'],
  ['0105', '电力井盖', 'Power manhole cover'],
  ['0106', '路灯井盖', 'Street-light manhole cover'],
  ['0107', '通信井盖', 'Telecom manhole cover'],
  ['0110', '热力井盖', 'District-heating manhole cover'],
  ['0111', '燃气井盖', 'Gas manhole cover'],
  ['0113', '无主井盖', 'Manhole cover of unknown owner'],
  ['0116', '消防栓', 'Fire hydrant'],
  ['0120', '路灯', 'Street light'],
  ['0121', '地灯', 'Ground light'],
  ['0122', '景观灯', 'Decorative light'],
  ['02', '道路交通', 'Roads and traffic'],
  ['0201', '停车场', 'Car park'],
  ['0202', '公交站亭', 'Bus shelter'],
  ['0204', '交通标志牌', 'Traffic sign'],
  ['0205', '交通信号灯', 'Traffic light'],
  ['0206', '护栏', 'Guardrail'],
  ['0208', '路名牌', 'Street-name sign'],
  ['0210', '非机动车停放点', 'Bicycle parking'],
  ['03', '市容环境', 'City appearance and sanitation'],
  ['0301', '公共厕所', 'Public toilet'],
  ['0302', '公厕指示牌', 'Public-toilet sign'],
  ['0303', '垃圾间（楼）', 'Refuse room'],
  ['0304', '垃圾箱', 'Litter bin'],
  ['0306', '广告牌匾', 'Advertising sign'],
  ['04', '园林绿化', 'Landscaping and greening'],
  ['0401', '古树名木', 'Heritage tree'],
  ['0402', '行道树', 'Street tree'],
  ['0403', '护树设施', 'Tree guard'],
  ['0405', '绿地', 'Green space'],
  ['0407', '街头座椅', 'Street bench'],
  ['05', '房屋土地', 'Buildings and land'],
  ['0501', '宣传栏', 'Notice board'],
  ['0502', '人防工事', 'Civil air-defence works'],
  ['0503', '地下通道出入口', 'Underpass entrance'],
  ['06', '其他设施', 'Other facilities'],
  ['0601', '重大危险源', 'Major hazard installation'],
  ['0602', '工地', 'Construction site'],
  ['0603', '水域附属设施', 'Waterside facility'],
]

const eventClasses: Entry[] = [
  ['01', '市容环境', 'City appearance and sanitation'],
  ['0101', '私搭乱建', 'Illegal structure'],
  ['0102', '暴露垃圾', 'Exposed garbage'],
  ['0103', '积存垃圾渣土', 'Accumulated garbage or spoil'],
  ['0104', '道路不洁', 'Dirty road'],
  ['0105', '水域不洁', 'Dirty water surface'],
  ['0106', '绿地脏乱', 'Dirty green space'],
  ['0107', '废弃车辆', 'Abandoned vehicle'],
  ['0108', '焚烧垃圾树叶', 'Burning garbage or leaves'],
  ['0109', '动物尸体', 'Animal carcass'],
  ['0110', '油烟污染', 'Cooking-fume pollution'],
  ['0111', '垃圾满溢', 'Overflowing refuse'],
  ['02', '宣传广告', 'Publicity and advertising'],
  ['0201', '非法小广告', 'Illegal flyers'],
  ['0202', '违章张贴悬挂', 'Illegal posting or hanging'],
  ['0203', '违规户外广告', 'Unauthorised outdoor advertising'],
  ['0204', '乱涂写乱刻画', 'Graffiti'],
  ['03', '施工管理', 'Construction management'],
  ['0301', '施工扰民', 'Construction disturbance'],
  ['0302', '工地扬尘', 'Construction dust'],
  ['0303', '道路遗撒', 'Spillage on the road'],
  ['0304', '施工占道', 'Roadworks occupying the road'],
  ['0305', '渣土运输违规', 'Spoil transport violation'],
  ['04', '突发事件', 'Emergencies'],
  ['0401', '路面塌陷', 'Road collapse'],
  ['0402', '自来水管破裂', 'Burst water main'],
  ['0403', '燃气管道泄漏', 'Gas leak'],
  ['0404', '下水道堵塞或破损', 'Blocked or broken sewer'],
  ['0405', '道路积水', 'Flooded road'],
  ['0406', '树木倒伏', 'Fallen tree'],
  ['0407', '火灾隐患', 'Fire hazard'],
  ['0408', '安全隐患', 'Safety hazard'],
  ['05', '街面秩序', 'Street order'],
  ['0501', '无照经营游商', 'Unlicensed street vending'],
  ['0502', '店外经营', 'Trading outside the shop'],
  ['0503', '占道堆物', 'Goods stacked on the road'],
  ['0504', '机动车乱停放', 'Illegal car parking'],
  ['0505', '非机动车乱停放', 'Badly parked bicycles'],
  ['0506', '流浪乞讨', 'Vagrancy and begging'],
  ['0507', '噪声扰民', 'Noise nuisance'],
  ['0508', '乱拉乱挂', 'Illegal lines and banners'],
  ['06', '其他事件', 'Other events'],
  ['0601', '绿地破坏', 'Damaged green space'],
  ['0602', '病虫害', 'Plant pests'],
  ['0603', '河道漂浮物', 'Litter in a river'],
  ['0604', '污水乱排', 'Illegal sewage discharge'],
  ['0699', '其他', 'Other'],
]

const build = (kind: ClassKind, entries: Entry[]): StandardClass[] =>
  entries.map(([code, nameZh, nameEn]) => ({ kind, code, nameZh, nameEn }))

/** Every standard class, components first, each main class before its subclasses. */
export const standardClasses: readonly StandardClass[] = [
  ...build('component', componentClasses),
  ...build('event', eventClasses),
]

const byKey = new Map(standardClasses.map((c) => [`${c.kind}:${c.code}`, c]))

/** The class of this kind and code (main class or subclass), or undefined. */
export const standardClass = (kind: ClassKind, code: string): StandardClass | undefined => byKey.get(`${kind}:${code}`)

/** A subclass's main class: the first two digits. */
export const mainClassOf = (code: string): string => code.slice(0, 2)

/** Whether a code names a subclass (four digits) rather than a main class (two). */
export const isSubclass = (code: string): boolean => /^[0-9]{4}$/.test(code)
