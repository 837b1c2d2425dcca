import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  areaId,
  backends,
  call,
  openTestPlatform,
  TEST_DATA_KEY,
  tokenFor,
  type TestPlatform,
} from '../../test/support.js'
import { fakePerson, residentId } from './fake.js'

const run = promisify(execFile)
const HEAD = ['姓名', '身份证号', '手机号码', '人口类型', '现住址', '户号', '与户主关系', '标签']

function csvOf(rows: string[][]): string {
  return `${[HEAD, ...rows]
    .map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
    .join('\n')}\n`
}

function goodRows(seed: number, n: number): string[][] {
  return Array.from({ length: n }, (_, i) => {
    const f = fakePerson(seed, i)
    return [
      f.name,
      f.idNumber,
      f.phone ?? '',
      f.residenceStatus === 'floating' ? '流动' : '户籍',
      f.address,
      `IMP-${seed}-${Math.floor(i / 3)}`,
      i % 3 === 0 ? '户主' : '子女',
      f.tags.includes('disabled') ? '残疾人' : '',
    ]
  })
}

const broken = (): string[][] => {
  const ok = residentId('330106', '1970-01-01', 5)
  return [
    ['坏校验', ok.slice(0, 17) + (ok[17] === '1' ? '2' : '1'), '', '户籍', '桂花路1号', '', '', ''],
    ['坏日期', residentId('330106', '1970-02-30', 5), '', '户籍', '桂花路1号', '', '', ''],
    ['坏电话', residentId('330106', '1971-01-01', 7), '12345', '户籍', '桂花路1号', '', '', ''],
    ['', residentId('330106', '1972-01-01', 9), '', '户籍', '桂花路1号', '', '', ''],
    ['坏类型', residentId('330106', '1973-01-01', 11), '', '外星', '桂花路1号', '', '', ''],
  ]
}

describe.each(backends())('people import on %s', (backend) => {
  let p: TestPlatform
  let staff: string
  let guihua: number

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    staff = await tokenFor(p.app, 'guihua.staff')
    guihua = await areaId(p, 'JZ-QH-01-01')
  })
  afterAll(() => p?.close())

  async function upload(data: Buffer, fileName: string, type = 'text/csv', extra = '') {
    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/imports?areaId=${guihua}&fileName=${encodeURIComponent(fileName)}${extra}`,
      headers: { authorization: `Bearer ${staff}`, 'content-type': type },
      payload: data,
    })
    return { status: res.statusCode, body: res.json() }
  }

  async function importFile(data: Buffer, fileName: string, type = 'text/csv') {
    const up = await upload(data, fileName, type)
    expect(up.status, JSON.stringify(up.body)).toBe(201)
    const started = await call(p.app, 'POST', `/api/v1/imports/${up.body.id}/start`, {
      token: staff,
      body: { mapping: up.body.suggestedMapping },
    })
    expect(started.status, JSON.stringify(started.body)).toBe(202)
    for (let i = 0; i < 600; i++) {
      const job = await call(p.app, 'GET', `/api/v1/imports/${up.body.id}`, { token: staff })
      if (job.body.status === 'done' || job.body.status === 'failed') return job.body
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('import did not finish')
  }

  it('imports a UTF-8 CSV: good rows in, bad rows reported with their reasons, nothing lost', async () => {
    // Someone registered in another community: reported, never overwritten or moved.
    const elsewhere = residentId('330106', '1966-06-06', 1)
    const cuizhu = await call(p.app, 'POST', '/api/v1/people', {
      token: await tokenFor(p.app, 'cuizhu.staff'),
      body: {
        areaId: await areaId(p, 'JZ-QH-02-01'),
        name: '翠竹居民',
        idNumber: elsewhere,
        residenceStatus: 'registered',
      },
    })
    expect(cuizhu.status).toBe(201)
    const rows = [...goodRows(101, 1200), ...broken(), ['冒名', elsewhere, '', '户籍', '桂花路1号', '', '', '']]
    const data = Buffer.from(csvOf(rows))
    const up = await upload(data, 'people.csv')
    expect(up.body).toMatchObject({ format: 'csv', encoding: 'utf-8', status: 'pending', headers: HEAD })
    expect(up.body.suggestedMapping).toEqual({
      姓名: 'name',
      身份证号: 'idNumber',
      手机号码: 'phone',
      人口类型: 'residenceStatus',
      现住址: 'address',
      户号: 'householdCode',
      与户主关系: 'relation',
      标签: 'tags',
    })
    const badMapping = await call(p.app, 'POST', `/api/v1/imports/${up.body.id}/start`, {
      token: staff,
      body: { mapping: { 姓名: 'name' } },
    })
    expect(badMapping.status).toBe(400)
    expect(badMapping.body.error.field).toBe('mapping')
    const job = await importFile(data, 'people.csv')
    expect(job.error).toBeNull()
    expect(job).toMatchObject({ status: 'done', processed: 1206, inserted: 1200, updated: 0, failed: 6 })
    const count = await p.database.db
      .selectFrom('person')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('area_id', '=', guihua)
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBeGreaterThanOrEqual(1200)
    const households = await p.database.db
      .selectFrom('household')
      .select('code')
      .where('code', 'like', 'IMP-101-%')
      .execute()
    expect(households).toHaveLength(400)
    const report = await p.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${job.id}/errors`,
      headers: { authorization: `Bearer ${staff}` },
    })
    const lines = report.body.trim().split('\n')
    expect(lines[0]).toMatch(/exported by guihua\.staff/)
    expect(lines[1]).toBe(['row', 'field', 'error', ...HEAD].join(','))
    expect(lines.slice(2).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '1202,idNumber',
      '1203,idNumber',
      '1204,phone',
      '1205,name',
      '1206,residenceStatus',
      '1207,idNumber',
    ])
    expect(report.body).toContain('坏校验')
    // The same file again changes nothing; one changed phone is an update with its history.
    const again = await importFile(data, 'people-again.csv')
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 1200, failed: 6 })
    const untouched = await p.database.db
      .selectFrom('person')
      .select(['name', 'area_id'])
      .where('id', '=', cuizhu.body.id)
      .executeTakeFirstOrThrow()
    expect(untouched.name).toBe('翠竹居民')
    const changed = goodRows(101, 3)
    changed[2]![2] = '13911112222'
    const update = await importFile(Buffer.from(csvOf(changed)), 'people-fix.csv')
    expect(update).toMatchObject({ inserted: 0, updated: 1, unchanged: 2 })
    const search = await call(p.app, 'POST', '/api/v1/people/search', {
      token: staff,
      body: { idNumber: changed[2]![1] },
    })
    expect(search.body.items[0].phone).toBe('139****2222')
    const history = await call(p.app, 'GET', `/api/v1/people/${search.body.items[0].id}/history`, { token: staff })
    expect(history.body.items.map((h: any) => h.action)).toEqual(['import_update', 'import'])
  })

  it('detects GBK files, refuses undecodable ones, and reads XLSX', async () => {
    const gbk = iconv.encode(csvOf(goodRows(102, 20)), 'gbk')
    const up = await upload(gbk, 'gbk.csv')
    expect(up.body).toMatchObject({ encoding: 'gb18030', headers: HEAD })
    const job = await importFile(gbk, 'gbk.csv')
    expect(job).toMatchObject({ status: 'done', inserted: 20, failed: 0 })
    const first = goodRows(102, 1)[0]!
    const found = await call(p.app, 'POST', '/api/v1/people/search', { token: staff, body: { idNumber: first[1] } })
    expect(found.body.items[0].name).toBe(first[0])
    const junk = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256))
    const bad = await upload(junk, 'junk.csv')
    expect(bad.status).toBe(422)
    expect(bad.body.error).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE', field: 'encoding' })

    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('人口')
    sheet.addRow(HEAD)
    for (const r of goodRows(103, 30)) sheet.addRow(r)
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer())
    const x = await importFile(xlsx, 'people.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    expect(x).toMatchObject({ format: 'xlsx', status: 'done', inserted: 30, failed: 0 })
  })

  it('refuses imports outside the caller’s role or area', async () => {
    const resident = await tokenFor(p.app, 'guihua.resident')
    const cuizhu = await tokenFor(p.app, 'cuizhu.staff')
    for (const token of [resident, cuizhu]) {
      const res = await p.app.inject({
        method: 'POST',
        url: `/api/v1/imports?areaId=${guihua}&fileName=x.csv`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        payload: csvOf(goodRows(104, 2)),
      })
      expect([403, 404]).toContain(res.statusCode)
    }
  })

  it.runIf(backend === 'postgresql')(
    'imports from the command line with a progress report and writes the error report',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'grassroots-import-'))
      const file = path.join(dir, 'people.csv')
      writeFileSync(file, csvOf([...goodRows(105, 500), ...broken()]))
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'import', 'people', file, '--area', 'JZ-QH-01-01'],
        {
          env: { ...process.env, DATABASE_URL: p.databaseUrl!, GRASSROOTS_DATA_KEY: TEST_DATA_KEY, LOG_LEVEL: 'warn' },
        },
      )
      expect(stdout).toMatch(/505 rows in [\d.]+ s \(\d+ rows\/s\): 500 new, 0 updated, 0 unchanged, 5 rejected/)
      const report = readFileSync(`${file}.errors.csv`, 'utf8')
      expect(report.trim().split('\n')).toHaveLength(7)
    },
  )
})
