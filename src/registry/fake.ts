import { between, mulberry32, pick } from '../core/random.js'
import { residentIdCheckDigit } from './identity.js'

// Deterministic, realistic-looking people for the demo, tests, benchmarks and the generator. Every
// resident ID is valid (region, birth date, check digit); phones are mainland mobiles.

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const GIVEN =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰红梅志强晓东海燕丹宇浩然子涵欣怡梓轩雨萱一诺思远佳琪俊杰文博嘉怡晨曦宏伟淑珍立新春梅金凤德明永红婷婷'
const STREETS = ['桂花路', '翠竹街', '清河大道', '东湖路', '望江路', '人民路', '解放街', '建设路', '和平里', '幸福巷']
const PROVINCES = [
  '33',
  '32',
  '34',
  '36',
  '41',
  '51',
  '11',
  '31',
  '35',
  '37',
  '42',
  '43',
  '44',
  '45',
  '50',
  '52',
  '53',
  '61',
  '62',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '46',
  '54',
  '63',
  '64',
  '65',
]

export interface FakePerson {
  name: string
  idNumber: string
  sex: 'male' | 'female'
  birthDate: string
  phone: string | null
  address: string
  residenceStatus: 'registered' | 'floating' | 'abroad'
  tags: string[]
}

/** A valid resident ID for the region, birth date and sequence (odd sequence: male). */
export function residentId(region: string, birth: string, seq: number): string {
  const body = `${region}${birth.replace(/-/g, '')}${String(seq % 1000).padStart(3, '0')}`
  return body + residentIdCheckDigit(body)
}

/** The n-th fake person of a seed: the same (seed, n) always gives the same person, unique ID per n. */
export function fakePerson(seed: number, n: number): FakePerson {
  const r = mulberry32(seed * 1_000_003 + n)
  const age = Math.floor(r() * r() * 95)
  const year = 2026 - age - 1
  const month = between(r, 1, 12)
  const day = between(r, 1, 28)
  const birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  const male = r() < 0.5
  // (region, sequence) is unique per n: IDs never collide below 155 million people.
  const regionIndex = Math.floor(n / 500)
  const region =
    PROVINCES[regionIndex % PROVINCES.length]! +
    String(Math.floor(regionIndex / PROVINCES.length) % 10000).padStart(4, '0')
  const seq = (n % 500) * 2 + (male ? 1 : 0)
  const name = pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : '')
  const tags: string[] = []
  if (age >= 70 && r() < 0.15) tags.push('elderly_alone')
  if (r() < 0.03) tags.push('disabled')
  if (r() < 0.04) tags.push('low_income')
  if (age < 16 && r() < 0.05) tags.push('left_behind_child')
  const status = r()
  return {
    name,
    idNumber: residentId(region, birthDate, seq),
    sex: male ? 'male' : 'female',
    birthDate,
    phone: age >= 12 ? `1${pick(r, '3456789')}${String(Math.floor(r() * 1e9)).padStart(9, '0')}` : null,
    address: `${pick(r, STREETS)}${between(r, 1, 300)}号${between(r, 1, 20)}幢${between(r, 1, 6)}单元${between(r, 100, 1899)}室`,
    residenceStatus: status < 0.75 ? 'registered' : status < 0.98 ? 'floating' : 'abroad',
    tags,
  }
}
