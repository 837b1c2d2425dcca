// The service catalogue and applications in a real browser: staff put a service in the catalogue
// with the editor (a rule on age, a price in hours, a required document, a required form field) and
// activate it; the demo resident of 桂花 (verified, a registered adult under 60) checks their
// eligibility, applies on a phone paying with time-bank hours, is told about the empty required
// field, and uploads the document on the new application's page; a second resident, verified in
// person against a registry person of 60 or over, is refused with the failing rule named; staff apply
// at the counter for an adult without an account (found by name, their eligibility checked); staff find
// the application overdue in the queue, check the document, approve and deliver (which spends the
// hours; a resident's page left a version behind is told so); the resident rates it. axe checks the
// catalogue, the service page, the application page (both sides), my applications, the queue and
// the editor for serious or critical violations; the service page once more in English.
// Needs the built web app (`npm run build:web`) and a system Chromium; like the participation ones.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import { DEMO_PASSWORD, areaId, call, tokenFor, type TestPlatform } from './support.js'

const NAME = '青年就业创业指导（浏览器测试）'
const CODE = 'GH-BROWSER-JOBS'
const SENIOR = 'guihua.senior.browser'
/** The smallest file the server takes for a PDF: it decides by the bytes, not the name. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')

const session = browserSession({ what: 'the service catalogue browser test' })

describe.skipIf(session.skip)('service catalogue and application screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let guihua = 0
  let serviceId = 0
  let applicationId = 0
  let staff: Page
  let resident: Page
  /** An adult of 桂花 without an account, for whom staff apply at the counter. */
  let walkIn = { id: 0, name: '' }

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
      guihua = await areaId(p, 'JZ-QH-01-01')
      const staffToken = await tokenFor(p.app, 'guihua.staff')
      const adminToken = await tokenFor(p.app, 'guihua.admin')
      const userIdOf = async (username: string) =>
        (
          await p.database.db
            .selectFrom('app_user')
            .select('id')
            .where('username', '=', username)
            .executeTakeFirstOrThrow()
        ).id

      // The demo resident is verified by the services demo; verified here against an adult under 60 if not.
      const { path } = await p.database.db
        .selectFrom('area')
        .select('path')
        .where('id', '=', guihua)
        .executeTakeFirstOrThrow()
      const free = (older: boolean) =>
        p.database.db
          .selectFrom('person as pe')
          .innerJoin('area as a', 'a.id', 'pe.area_id')
          .leftJoin('resident_verification as v', 'v.person_id', 'pe.id')
          .select(['pe.id', 'pe.name'])
          .where('pe.status', '=', 'active')
          .where('a.path', 'like', `${path}%`)
          .where('v.user_id', 'is', null)
          .where('pe.birth_date', older ? '<=' : '>=', older ? '1956-01-01' : '1975-01-01')
          .where('pe.birth_date', '<=', '2000-01-01')
          .orderBy('pe.id')
          .limit(1)
          .executeTakeFirst()
      const residentToken = await tokenFor(p.app, 'guihua.resident')
      const mine = await call(p.app, 'GET', '/api/v1/verification', { token: residentToken })
      expect(mine.status).toBe(200)
      if (!mine.body.verified) {
        const adult = await free(false)
        if (!adult) throw new Error('no unverified adult under 60 in 桂花 in the demo registry')
        const v = await call(p.app, 'POST', '/api/v1/verification/in-person', {
          token: staffToken,
          body: { userId: await userIdOf('guihua.resident'), personId: adult.id },
        })
        expect(v.status, JSON.stringify(v.body)).toBe(204)
      }

      // A second resident, verified in person against a registry person of 60 or over.
      const senior = await free(true)
      if (!senior) throw new Error('no unverified person of 60 or over in 桂花 in the demo registry')
      const made = await call(p.app, 'POST', '/api/v1/users', {
        token: adminToken,
        body: {
          username: SENIOR,
          displayName: '桂花老年居民',
          password: DEMO_PASSWORD,
          grants: [{ role: 'resident', areaId: guihua }],
        },
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      const v = await call(p.app, 'POST', '/api/v1/verification/in-person', {
        token: staffToken,
        body: { userId: made.body.id, personId: senior.id },
      })
      expect(v.status, JSON.stringify(v.body)).toBe(204)

      const adult = await free(false)
      if (!adult) throw new Error('no second unverified adult under 60 in 桂花 in the demo registry')
      walkIn = adult
    })
  }, 120_000)

  afterAll(() => session.close())

  it('staff put a service in the catalogue with the editor and activate it', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/services/catalogue/editor')
    await staff.waitForSelector(byTestId('catalogue-editor-list'))
    await staff.waitForSelector(`${byTestId('service-card')}, .empty`)
    await axe(staff, 'catalogue editor list')
    await staff.click(byTestId('service-new'))
    await staff.waitForSelector(byTestId('service-editor'))
    // Nothing is sent while the form itself can tell what is missing.
    await staff.click(byTestId('editor-save-activate'))
    await staff.waitForSelector(byTestId('editor-error-areaId'))
    await staff.selectOption(byTestId('editor-area'), String(guihua))
    await staff.fill(byTestId('editor-code'), CODE)
    await staff.fill(byTestId('editor-name'), NAME)
    await staff.selectOption(byTestId('editor-category'), 'employment')
    await staff.fill(byTestId('editor-description'), '为辖区劳动年龄居民提供职业规划、创业政策解读和岗位推荐。')
    await staff.fill(byTestId('editor-review-days'), '3')
    await staff.fill(byTestId('editor-delivery-days'), '7')
    await staff.fill(byTestId('editor-hours'), '1.5')
    // The rule editor: age at most 59, in words as it is written.
    await staff.click(byTestId('rule-editor-add'))
    await staff.selectOption(`${byTestId('rule-row')} ${byTestId('rule-field')}`, 'age')
    await staff.selectOption(`${byTestId('rule-row')} ${byTestId('rule-op')}`, 'lte')
    await staff.fill(`${byTestId('rule-row')} ${byTestId('rule-value-number')}`, '59')
    expect(await staff.textContent(byTestId('rule-preview'))).toBe('不超过59周岁')
    // A second rule, the tags widget, then taken out again.
    await staff.click(byTestId('rule-editor-add'))
    await staff.selectOption(`${byTestId('rule-row')}[data-index="1"] ${byTestId('rule-field')}`, 'tags')
    await staff.selectOption(`${byTestId('rule-row')}[data-index="1"] ${byTestId('rule-op')}`, 'has_none')
    await staff.check(`${byTestId('rule-row')}[data-index="1"] ${byTestId('rule-value-veteran')}`)
    expect(await staff.textContent(`${byTestId('rule-row')}[data-index="1"] ${byTestId('rule-preview')}`)).toBe(
      '不具有“退役军人”标签',
    )
    await staff.click(`${byTestId('rule-row')}[data-index="1"] ${byTestId('rule-remove')}`)
    expect(await staff.$$(byTestId('rule-row'))).toHaveLength(1)
    // One required document and one required form field.
    await staff.click(byTestId('documents-builder-add'))
    await staff.fill(byTestId('document-key'), 'resume')
    await staff.fill(byTestId('document-label'), '个人简历')
    await staff.click(byTestId('form-builder-add'))
    await staff.fill(byTestId('field-key'), 'intention')
    await staff.fill(byTestId('field-label'), '求职意向')
    await staff.check(byTestId('field-required'))
    await axe(staff, 'catalogue editor (new service)')
    await shoot(staff, 'services-catalogue-editor.png')
    await staff.click(byTestId('editor-save-activate'))
    await staff.waitForFunction(() => /#\/services\/catalogue\/editor\/\d+$/.test(window.location.hash))
    serviceId = Number(/(\d+)$/.exec(await staff.evaluate(() => window.location.hash))![1])
    expect(serviceId).toBeGreaterThan(0)
    await staff.waitForSelector(`${byTestId('service-state')}[data-state="active"]`)
    const saved = await p.database.db
      .selectFrom('service')
      .select(['eligibility', 'documents', 'form', 'status', 'area_id', 'time_bank_hours'])
      .where('id', '=', serviceId)
      .executeTakeFirstOrThrow()
    expect(saved.status).toBe('active')
    expect(saved.area_id).toBe(guihua)
    expect(Number(saved.time_bank_hours)).toBe(1.5)
    expect(saved.eligibility).toEqual([{ field: 'age', op: 'lte', value: 59 }])
    expect(saved.documents).toEqual([{ key: 'resume', label: '个人简历', required: true }])
    expect(saved.form).toEqual([{ key: 'intention', label: '求职意向', type: 'text', required: true }])
    await axe(staff, 'catalogue editor (saved)')
    // Suspended and activated again from the editor, each a new version.
    await staff.click(byTestId('editor-suspend'))
    await staff.waitForSelector(`${byTestId('service-state')}[data-state="suspended"]`)
    await staff.click(byTestId('editor-activate'))
    await staff.waitForSelector(`${byTestId('service-state')}[data-state="active"]`)
    const audited = await p.database.db
      .selectFrom('service')
      .select(['status', 'version'])
      .where('id', '=', serviceId)
      .executeTakeFirstOrThrow()
    expect(audited).toEqual({ status: 'active', version: 3 })
  }, 90_000)

  it('the resident finds it, checks their eligibility and applies on a phone', async () => {
    resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/services/catalogue')
    const card = `${byTestId('service-card')}[data-id="${serviceId}"]`
    await resident.waitForSelector(card)
    await resident.fill(byTestId('catalogue-search'), '就业创业')
    // The search narrows the cards to names with the words.
    await resident.waitForFunction((sel) => {
      const names = [...document.querySelectorAll(sel)].map((a) => a.textContent ?? '')
      return names.length > 0 && names.every((n) => n.includes('就业创业'))
    }, byTestId('service-link'))
    await resident.waitForSelector(card)
    await axe(resident, 'catalogue (resident)')
    await shoot(resident, 'services-catalogue-list.png')
    await resident.click(`${card} ${byTestId('service-link')}`)
    await resident.waitForSelector(byTestId('apply-form'))
    expect(await resident.textContent(byTestId('service-rule'))).toBe('不超过59周岁')
    await resident.click(byTestId('eligibility-check'))
    await resident.waitForSelector(`${byTestId('eligibility-result')}[data-eligible="true"]`)
    await axe(resident, 'service page (resident)')
    await shoot(resident, 'services-catalogue-service.png')
    // The required field is named under itself, and nothing is sent.
    await resident.click(byTestId('apply-submit'))
    await resident.waitForSelector(byTestId('form-intention-error'))
    await resident.fill(byTestId('form-intention'), '社区养老服务相关岗位')
    // Paid with the hours the volunteers demo credited to the resident.
    await resident.check(byTestId('apply-pay-hours'))
    await resident.click(byTestId('apply-submit'))
    await resident.waitForSelector(byTestId('application-page'))
    await resident.waitForSelector(`${byTestId('application-state')}[data-state="submitted"]`)
    applicationId = Number(await resident.getAttribute(byTestId('application-page'), 'data-application-id'))
    expect(applicationId).toBeGreaterThan(0)
    expect(await resident.textContent(byTestId('application-reference'))).toMatch(/^FW-\d{4}-\d{6}$/)
    expect(await resident.textContent(byTestId('application-answer-intention'))).toBe('社区养老服务相关岗位')
    await resident.waitForSelector(byTestId('application-pay-hours'))
    // The document on the new application's page.
    await resident.setInputFiles(byTestId('document-upload-resume'), {
      name: '个人简历.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    })
    await resident.waitForSelector(`${byTestId('document')}[data-key="resume"][data-checked="unchecked"]`)
    await axe(resident, 'application page (resident, submitted)')
    await shoot(resident, 'services-catalogue-application.png')
    await goto(resident, '#/services/catalogue/mine')
    await resident.waitForSelector(`${byTestId('application-row')}[data-id="${applicationId}"]`)
    await axe(resident, 'my applications')
    // Left open on the application while staff work on it.
    await resident.click(`${byTestId('application-row')}[data-id="${applicationId}"] ${byTestId('application-link')}`)
    await resident.waitForSelector(byTestId('action-withdraw'))
  }, 90_000)

  it('a resident of 60 or over is refused with the failing rule named', async () => {
    const senior = await signIn(SENIOR, PHONE)
    await goto(senior, `#/services/catalogue/${serviceId}`)
    await senior.waitForSelector(byTestId('apply-form'))
    await senior.click(byTestId('eligibility-check'))
    await senior.waitForSelector(`${byTestId('eligibility-result')}[data-eligible="false"]`)
    expect(await senior.textContent(`${byTestId('eligibility-rule')}[data-ok="false"]`)).toContain('不超过59周岁')
    await senior.fill(byTestId('form-intention'), '社区志愿服务')
    await senior.click(byTestId('apply-submit'))
    await senior.waitForSelector(byTestId('apply-not-eligible'))
    expect(await senior.textContent(byTestId('apply-failing-rule'))).toBe('不超过59周岁')
    await axe(senior, 'service page (ineligible)')
    await shoot(senior, 'services-catalogue-ineligible.png')
    const none = await p.database.db
      .selectFrom('service_application')
      .select('id')
      .where('service_id', '=', serviceId)
      .execute()
    expect(none).toHaveLength(1)
  }, 60_000)

  it('staff apply at the counter for a resident without an account', async () => {
    await goto(staff, `#/services/catalogue/${serviceId}`)
    await staff.click(byTestId('counter-open'))
    await staff.fill(byTestId('counter-q'), walkIn.name)
    await staff.click(byTestId('counter-search'))
    await staff.click(`${byTestId('counter-person')}[data-id="${walkIn.id}"]`)
    await staff.click(byTestId('eligibility-check'))
    await staff.waitForSelector(`${byTestId('eligibility-result')}[data-eligible="true"]`)
    await staff.fill(byTestId('form-intention'), '保洁、保安岗位')
    await axe(staff, 'service page (staff at the counter)')
    await shoot(staff, 'services-catalogue-counter.png')
    await staff.click(byTestId('apply-submit'))
    await staff.waitForSelector(`${byTestId('application-page')}:not([data-application-id="${applicationId}"])`)
    expect(await staff.textContent(byTestId('application-person'))).toContain(walkIn.name)
    const made = await p.database.db
      .selectFrom('service_application')
      .select(['person_id', 'channel', 'applicant_user_id'])
      .where('service_id', '=', serviceId)
      .where('id', '<>', applicationId)
      .execute()
    expect(made).toEqual([{ person_id: walkIn.id, channel: 'counter', applicant_user_id: null }])
  }, 60_000)

  it('staff find it overdue in the queue, check the document, approve and deliver', async () => {
    // Four days later on the server's clock the three-day review limit has passed.
    p.clock.advance(4 * 86_400_000)
    await goto(staff, '#/services/catalogue/queue')
    const row = `${byTestId('application-row')}[data-id="${applicationId}"]`
    await staff.waitForSelector(`${row}[data-overdue="true"]`)
    await staff.check(byTestId('application-filter-overdue'))
    await staff.waitForSelector(`${row}[data-overdue="true"]`)
    await axe(staff, 'application queue')
    await shoot(staff, 'services-catalogue-queue.png')
    await staff.focus(`${row} ${byTestId('application-link')}`)
    await staff.keyboard.press('Enter')
    await staff.waitForSelector(byTestId('application-page'))
    await staff.waitForSelector(byTestId('application-person'))
    await staff.click(byTestId('document-ok'))
    await staff.waitForSelector(`${byTestId('document')}[data-checked="ok"]`)
    await staff.click(byTestId('action-approve'))
    await staff.click(byTestId('action-confirm'))
    await staff.waitForSelector(`${byTestId('application-state')}[data-state="approved"]`)
    // The resident's page is a version behind: withdrawing from it is refused and says why.
    await resident.click(byTestId('action-withdraw'))
    await resident.click(byTestId('action-confirm'))
    await resident.waitForSelector(byTestId('action-conflict'))
    await resident.click(byTestId('action-reload'))
    await resident.waitForSelector(`${byTestId('application-state')}[data-state="approved"]`)
    expect(await resident.$(byTestId('action-conflict'))).toBeNull()
    await staff.click(byTestId('action-deliver'))
    await staff.fill(byTestId('action-text'), '已安排就业指导员上门，推荐岗位三个。')
    await axe(staff, 'application page (staff)')
    await staff.click(byTestId('action-confirm'))
    await staff.waitForSelector(`${byTestId('application-state')}[data-state="delivered"]`)
    expect(await staff.textContent(byTestId('application-delivery-note'))).toContain('推荐岗位三个')
    // Delivery spent the service's hours from the applicant's time bank.
    const spent = await p.database.db
      .selectFrom('time_bank_entry')
      .select(['kind', 'hours'])
      .where('application_id', '=', applicationId)
      .execute()
    expect(spent.map((e) => [e.kind, Number(e.hours)])).toEqual([['spent', -1.5]])
    await shoot(staff, 'services-catalogue-delivered.png')
  }, 60_000)

  it('the resident rates the delivered service', async () => {
    await goto(resident, `#/services/catalogue/applications/${applicationId}`)
    await resident.reload()
    await resident.waitForSelector(byTestId('rate-form'))
    await resident.click(byTestId('rate-star-4'))
    await resident.fill(byTestId('rate-comment'), '指导很细致，谢谢社区。')
    await axe(resident, 'application page (rating)')
    await resident.click(byTestId('rate-submit'))
    await resident.waitForSelector(`${byTestId('application-rating')}[data-rating="4"]`)
    expect(await resident.$(byTestId('rate-form'))).toBeNull()
    const row = await p.database.db
      .selectFrom('service_application')
      .select(['status', 'rating', 'rating_comment'])
      .where('id', '=', applicationId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'delivered', rating: 4, rating_comment: '指导很细致，谢谢社区。' })
    await shoot(resident, 'services-catalogue-rated.png')
    // The same in English: the state, and the rule in words.
    await resident.selectOption(byTestId('lang-switch'), 'en')
    await resident.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'Delivered',
      byTestId('application-state'),
    )
    await goto(resident, `#/services/catalogue/${serviceId}`)
    await resident.waitForSelector(byTestId('service-rule'))
    expect(await resident.textContent(byTestId('service-rule'))).toBe('aged 59 or under')
    await axe(resident, 'service page (English)')
  }, 60_000)

  it('left no page errors and no serious accessibility violations', () => {
    expect(pageProblems).toEqual([])
    expect(a11yProblems).toEqual([])
  })
})
