import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { areaId, backends, call, openTestPlatform, tokenFor, type TestPlatform } from '../../test/support.js'
import { ageOn, tagMismatch } from './care-tags.js'
import { residentId } from './fake.js'

describe('care tags against age and sex', () => {
  it('reckons whole years to the day', () => {
    expect(ageOn('1966-12-08', '2026-12-07')).toBe(59)
    expect(ageOn('1966-12-07', '2026-12-07')).toBe(60)
    expect(ageOn('2010-02-10', '2026-12-07')).toBe(16)
  })
  it('names what does not fit, and lets the rest pass', () => {
    const day = '2026-12-07'
    expect(tagMismatch('elderly_alone', '2023-05-01', 'female', day)).toMatch(/60 or more; the person is 3/)
    expect(tagMismatch('elderly', '1966-12-07', 'male', day)).toBeNull()
    expect(tagMismatch('elderly', '1966-12-08', 'male', day)).toMatch(/is 59/)
    expect(tagMismatch('left_behind_child', '2010-12-08', 'male', day)).toBeNull()
    expect(tagMismatch('left_behind_child', '2010-12-07', 'male', day)).toMatch(/under 16; the person is 16/)
    expect(tagMismatch('veteran', '2010-01-01', 'male', day)).toMatch(/18 or more/)
    expect(tagMismatch('pregnant', '1990-01-01', 'male', day)).toMatch(/recorded as male/)
    expect(tagMismatch('pregnant', '1990-01-01', 'female', day)).toBeNull()
    expect(tagMismatch('disabled', '2025-01-01', 'male', day)).toBeNull()
    // Without a birth date on record only the sex can be checked.
    expect(tagMismatch('elderly', null, 'unknown', day)).toBeNull()
  })
})

describe.each(backends())('care tags in the registry on %s', (backend) => {
  let p: TestPlatform
  let staff: string
  let guihua: number
  const count = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from person`.execute(p.database.db)).rows[0]!.n

  beforeAll(async () => {
    p = await openTestPlatform(backend)
    staff = await tokenFor(p.app, 'guihua.staff')
    guihua = await areaId(p, 'JZ-QH-01-01')
  })
  afterAll(() => p?.close())

  const create = (body: Record<string, unknown>) =>
    call(p.app, 'POST', '/api/v1/people', {
      token: staff,
      body: { areaId: guihua, residenceStatus: 'registered', ...body },
    })

  it('refuses a tag that contradicts the age or sex from the resident ID, and writes nothing', async () => {
    const before = await count()
    for (const [idNumber, tags, pattern] of [
      [residentId('330106', '2023-05-01', 31), ['elderly_alone'], /elderly_alone needs an age of 60/],
      [residentId('330106', '1999-05-01', 33), ['elderly'], /elderly needs an age of 60/],
      [residentId('330106', '2008-01-01', 35), ['left_behind_child'], /left_behind_child needs an age under 16/],
      [residentId('330106', '2012-01-01', 37), ['veteran'], /veteran needs an age of 18/],
      [residentId('330106', '1990-01-01', 39), ['pregnant'], /recorded as male/],
    ] as const) {
      const res = await create({ name: '错标签', idNumber, tags })
      expect(res.status, JSON.stringify(res.body)).toBe(422)
      expect(res.body.error).toMatchObject({ code: 'PERSON_TAG_MISMATCH', field: 'tags' })
      expect(res.body.error.message).toMatch(pattern)
    }
    expect(await count()).toBe(before)
    const ok = await create({
      name: '合标签',
      idNumber: residentId('330106', '1950-05-01', 41),
      tags: ['elderly_alone', 'disabled'],
    })
    expect(ok.status, JSON.stringify(ok.body)).toBe(201)
    const child = await create({
      name: '留守童',
      idNumber: residentId('330106', '2016-05-01', 43),
      tags: ['left_behind_child'],
    })
    expect(child.status, JSON.stringify(child.body)).toBe(201)
    // A change of tags is checked against the person's age too.
    const patched = await call(p.app, 'PATCH', `/api/v1/people/${child.body.id}`, {
      token: staff,
      body: { version: child.body.version, reason: '核对', tags: ['left_behind_child', 'elderly'] },
    })
    expect(patched.status).toBe(422)
    expect(patched.body.error).toMatchObject({ code: 'PERSON_TAG_MISMATCH', field: 'tags' })
  })

  it('checks the tags still held when the birth date of a passport holder is corrected', async () => {
    const res = await create({
      name: 'Anna Müller',
      idType: 'passport',
      idNumber: 'C01X00T47',
      sex: 'female',
      birthDate: '1955-03-03',
      tags: ['elderly'],
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const younger = await call(p.app, 'PATCH', `/api/v1/people/${res.body.id}`, {
      token: staff,
      body: { version: res.body.version, reason: '证件核对', birthDate: '1985-03-03' },
    })
    expect(younger.status).toBe(422)
    expect(younger.body.error).toMatchObject({ code: 'PERSON_TAG_MISMATCH', field: 'tags' })
    const row = await p.database.db
      .selectFrom('person')
      .select(['birth_date', 'version'])
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ birth_date: '1955-03-03', version: res.body.version })
    // Dropping the tag with the correction is accepted.
    const fixed = await call(p.app, 'PATCH', `/api/v1/people/${res.body.id}`, {
      token: staff,
      body: { version: res.body.version, reason: '证件核对', birthDate: '1985-03-03', tags: [] },
    })
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200)
  })

  it('rejects an import row whose tag contradicts the age, naming the field', async () => {
    const csv = [
      '姓名,身份证号,人口类型,标签',
      `老人,${residentId('330106', '1948-02-02', 51)},户籍,独居老人`,
      `幼儿,${residentId('330106', '2023-02-02', 53)},户籍,独居老人`,
    ].join('\n')
    const up = await p.app.inject({
      method: 'POST',
      url: `/api/v1/imports?areaId=${guihua}&fileName=tags.csv`,
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'text/csv' },
      payload: Buffer.from(`${csv}\n`),
    })
    expect(up.statusCode, up.body).toBe(201)
    const job = up.json()
    const started = await call(p.app, 'POST', `/api/v1/imports/${job.id}/start`, {
      token: staff,
      body: { mapping: job.suggestedMapping },
    })
    expect(started.status, JSON.stringify(started.body)).toBe(202)
    let done: { status: string; inserted: number; failed: number } | null = null
    for (let i = 0; i < 600 && !done; i++) {
      const s = await call(p.app, 'GET', `/api/v1/imports/${job.id}`, { token: staff })
      if (s.body.status === 'done' || s.body.status === 'failed') done = s.body
      else await new Promise((r) => setTimeout(r, 50))
    }
    expect(done).toMatchObject({ status: 'done', inserted: 1, failed: 1 })
    const report = await p.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${job.id}/errors`,
      headers: { authorization: `Bearer ${staff}` },
    })
    expect(report.body).toMatch(/\n3,tags,the tag elderly_alone needs an age of 60 or more; the person is 3,/)
  })

  it('the demo registry holds no tag that contradicts an age or sex', async () => {
    const { rows } = await sql<{ id: number; tags: string[]; birth_date: string; sex: string }>`
      select id, tags, birth_date, sex from person
      where (tags && array['elderly', 'elderly_alone'] and age(current_date, birth_date) < interval '60 years')
         or ('left_behind_child' = any (tags) and age(current_date, birth_date) >= interval '16 years')
         or ('veteran' = any (tags) and age(current_date, birth_date) < interval '18 years')
         or ('pregnant' = any (tags) and sex = 'male')`.execute(p.database.db)
    expect(rows).toEqual([])
    // …and it does hold people of both kinds, so the check above is about something.
    const { rows: kinds } = await sql<{ tag: string; n: number }>`
      select t as tag, count(*)::int as n from person, unnest(tags) t
      where t in ('elderly_alone', 'left_behind_child') group by t order by t`.execute(p.database.db)
    expect(kinds.map((k) => k.tag)).toEqual(['elderly_alone', 'left_behind_child'])
  })
})
