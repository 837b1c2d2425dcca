import { describe, expect, it } from 'vitest'
import { residentIdCheckDigit } from '../registry/identity.js'
import { anonymise, checkTexts, findPersonalData } from './anonymise.js'

// A valid resident ID made here (region 110101, born 1990-03-07) and the same with a wrong check digit.
const first17 = '11010119900307123'
const validId = first17 + residentIdCheckDigit(first17)
const wrongId = first17 + (residentIdCheckDigit(first17) === '0' ? '1' : '0')

const kinds = (text: string, names: string[] = [], numbers: string[] = []) =>
  findPersonalData(text, names, numbers).map((f) => f.kind)

describe('the anonymisation check', () => {
  it('finds an 18-digit ID number only with the right GB 11643 check digit', () => {
    const found = findPersonalData(`当事人身份证号${validId}，已核实。`)
    expect(found).toEqual([{ kind: 'id_number', start: 7, end: 25, excerpt: `110101********${validId.slice(-4)}` }])
    expect(`当事人身份证号${validId}，已核实。`.slice(found[0]!.start, found[0]!.end)).toBe(validId)
    expect(kinds(`身份证号${wrongId}`)).toEqual([])
  })

  it('finds an ID ending in X, in either case', () => {
    // Search for a birth date whose check character is X.
    let id = ''
    for (let seq = 100; seq < 999 && !id; seq++) {
      const head = `32010219851112${seq}`
      if (residentIdCheckDigit(head) === 'X') id = `${head}X`
    }
    expect(id).not.toBe('')
    expect(kinds(`证件：${id}`)).toEqual(['id_number'])
    expect(kinds(`证件：${id.toLowerCase()}`)).toEqual(['id_number'])
  })

  it('finds the old 15-digit IDs with a real birth date, and not any 15 digits', () => {
    expect(kinds('老身份证110101900307123登记')).toEqual(['id_number'])
    expect(kinds('编号110101901307123登记')).toEqual([]) // month 13
    // Digits inside a longer number (a bank card) are not an ID.
    expect(kinds(`卡号6222${validId}`)).toEqual([])
  })

  it('finds a mobile number in a sentence, also written with spaces or hyphens', () => {
    const text = '业主说有事打13812345678找他'
    const [f] = findPersonalData(text)
    expect(f).toMatchObject({ kind: 'phone', excerpt: '138****5678' })
    expect(text.slice(f!.start, f!.end)).toBe('13812345678')
    expect(kinds('联系电话 138 1234 5678。')).toEqual(['phone'])
    expect(kinds('联系电话138-1234-5678')).toEqual(['phone'])
    expect(kinds('电话+86 139 0000 1111')).toEqual(['phone'])
    // Not a mobile: 12 as the second digit, or part of a longer number.
    expect(kinds('编号12812345678')).toEqual([])
    expect(kinds('订单号9913812345678')).toEqual([])
  })

  it('finds landlines with their area code and e-mail addresses', () => {
    expect(kinds('物业值班室0571-87654321')).toEqual(['landline'])
    expect(kinds('物业值班室01087654321')).toEqual(['landline'])
    const f = findPersonalData('来信请寄 zhang.wei@example.com 谢谢')
    expect(f).toMatchObject([{ kind: 'email', excerpt: 'z***@example.com' }])
    // Dates and amounts are not numbers to remove.
    expect(kinds('2026年11月23日协商，赔偿3500元，涉及12户')).toEqual([])
  })

  it('finds the source’s people by name, also inside a longer word', () => {
    const text = '王建国家的卫生间漏水，楼下李秀英多次协商未果。'
    const found = findPersonalData(text, ['王建国', '李秀英', '张'])
    expect(found.map((f) => [f.kind, text.slice(f.start, f.end), f.excerpt])).toEqual([
      ['name', '王建国', '王**'],
      ['name', '李秀英', '李**'],
    ])
    // Every occurrence; a one-character name is not looked for.
    expect(kinds('李秀英说，李秀英家', ['李秀英', '张'])).toEqual(['name', 'name'])
    expect(kinds('Tom Lee called', ['tom lee'])).toEqual(['name'])
  })

  it('names the field of each finding', () => {
    const findings = checkTexts({ title: '邻里漏水纠纷', problem: `王建国电话13812345678` }, ['王建国'])
    expect(findings.map((f) => [f.field, f.kind, f.start, f.end])).toEqual([
      ['problem', 'name', 0, 3],
      ['problem', 'phone', 5, 16],
    ])
  })

  it('anonymises: names become 某某, numbers their shape in stars, and the check then passes', () => {
    const text = `王建国（身份证${validId}，电话138 1234 5678，座机0571-87654321，邮箱a@b.cn）反映楼道堆物。`
    const out = anonymise(text, ['王建国'])
    expect(out).toBe(`某某（身份证${'*'.repeat(18)}，电话1**********，座机0***-********，邮箱***@***）反映楼道堆物。`)
    expect(findPersonalData(out, ['王建国'])).toEqual([])
    expect(anonymise('没有个人信息的文字')).toBe('没有个人信息的文字')
  })
})

describe('the source’s own numbers', () => {
  it('finds a landline given without its area code by its digits', () => {
    expect(kinds('值班电话87654321', [], ['87654321'])).toEqual(['landline'])
    expect(kinds('值班电话87654321')).toEqual([])
    expect(anonymise('值班电话87654321', [], ['8765-4321'])).toBe('值班电话********')
  })
})
