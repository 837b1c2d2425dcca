// The notice screens in a real browser: Guihua's staff publish a pinned policy with an explainer to the
// community and attach its full text as a PDF with a Chinese file name; the resident finds it first in
// the list (pinned, marked as a policy and unread), opens it (the explainer in its own block, the PDF
// served as application/pdf with its name) and it counts as read; the staff see the read count per
// area, give it an expiry date, then withdraw it with a reason, and it leaves the resident's list. The
// staff pages in English.
// axe checks every notice page for serious or critical violations.
// Needs the built web app (`npm run build:web`) and a system Chromium; like test/disputes-browser.test.ts.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE, browserSession, byTestId } from './browser-support.js'
import type { TestPlatform } from './support.js'

const TITLE = '桂花社区电动自行车停放充电管理规定（浏览器测试）'
const BODY = '为消除电动自行车进楼入户和飞线充电的火灾隐患，经居民议事会讨论，制定本规定。全文见附件。'
const EXPLAINER = '简单说：电动自行车请停在小区东门的集中车棚充电，不要推进楼道，也不要从家里拉电线充电。'
const FILE_NAME = '电动自行车管理规定全文.pdf'
const REASON = '条款需按消防部门意见修改，修改后重新发布'
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
)

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

const session = browserSession({
  what: 'the notices browser test',
})

describe.skipIf(session.skip)('notice screens in a browser (pglite)', () => {
  let p: TestPlatform
  const { signIn, shoot, goto, axe, pageProblems, a11yProblems } = session
  let staff: Page
  let resident: Page
  let noticeId = 0

  beforeAll(async () => {
    p = await session.open(async (platform) => {
      p = platform
    })
  })

  afterAll(() => session.close())

  it('staff publish a pinned policy with an explainer, and attach its full text as a PDF', async () => {
    staff = await signIn('guihua.staff')
    await goto(staff, '#/participation/notices')
    await staff.waitForSelector(byTestId('notices-list-page'))
    await axe(staff, 'staff notice list')
    await staff.click(byTestId('notice-new'))
    await staff.waitForSelector(byTestId('notice-form'))
    // The area defaults to the staff member's community once the tree has loaded.
    await staff.waitForFunction(
      (sel) => (document.querySelector(sel) as HTMLSelectElement | null)?.value !== '',
      byTestId('notice-area'),
    )
    // Refused at once, naming the field, when the title is missing.
    await staff.click(byTestId('notice-submit'))
    expect(await staff.textContent(byTestId('notice-form-error'))).toContain('标题')
    await staff.check(byTestId('notice-kind-policy'))
    await staff.fill(byTestId('notice-title-input'), TITLE)
    await staff.fill(byTestId('notice-body-input'), BODY)
    await staff.fill(byTestId('notice-explainer-input'), EXPLAINER)
    await staff.check(byTestId('notice-pinned'))
    await shoot(staff, 'notices-01-publish-form.png')
    await axe(staff, 'publish form')
    await staff.click(byTestId('notice-submit'))
    await staff.waitForSelector(byTestId('notice-detail-page'))
    await staff.waitForSelector(byTestId('notice-staff'))
    noticeId = Number(await staff.getAttribute(byTestId('notice-article'), 'data-id'))
    expect(noticeId).toBeGreaterThan(0)
    expect(await staff.textContent(byTestId('notice-title'))).toBe(TITLE)
    await staff.setInputFiles(byTestId('notice-attachment-file'), {
      name: FILE_NAME,
      mimeType: 'application/pdf',
      buffer: PDF,
    })
    await staff.click(byTestId('notice-attachment-upload'))
    await staff.waitForSelector(`${byTestId('notice-attachment')}`)
    expect(await staff.textContent(byTestId('notice-attachment'))).toContain(FILE_NAME)
    // A text file named .pdf is refused by its bytes.
    await staff.setInputFiles(byTestId('notice-attachment-file'), {
      name: '假的.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('not a pdf at all'),
    })
    await staff.click(byTestId('notice-attachment-upload'))
    await staff.waitForSelector(byTestId('notice-attachment-error'))
    expect(await staff.locator(byTestId('notice-attachment')).count()).toBe(1)
    // An image attached by mistake is removed again.
    await staff.setInputFiles(byTestId('notice-attachment-file'), {
      name: '示意图.png',
      mimeType: 'image/png',
      buffer: PNG,
    })
    await staff.click(byTestId('notice-attachment-upload'))
    await staff.waitForFunction((sel) => document.querySelectorAll(sel).length === 2, byTestId('notice-attachment'))
    await staff.click(`${byTestId('notice-attachment')}:has-text("示意图.png") ${byTestId('notice-attachment-remove')}`)
    await staff.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, byTestId('notice-attachment'))
    await shoot(staff, 'notices-02-staff-detail.png')
    await axe(staff, 'staff notice detail')
    const row = await p.database.db
      .selectFrom('notice')
      .select(['kind', 'pinned', 'explainer', 'status'])
      .where('id', '=', noticeId)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ kind: 'policy', pinned: true, explainer: EXPLAINER, status: 'published' })
  })

  it('the resident sees it first, pinned and unread, opens it and it counts as read', async () => {
    resident = await signIn('guihua.resident', PHONE)
    await goto(resident, '#/participation/notices')
    await resident.waitForSelector(byTestId('notice-card'))
    const first = resident.locator(byTestId('notice-card')).first()
    expect(Number(await first.getAttribute('data-id'))).toBe(noticeId)
    expect(await first.locator(byTestId('notice-pinned-badge')).count()).toBe(1)
    expect(await first.locator(byTestId('notice-policy-badge')).count()).toBe(1)
    expect(await first.locator(byTestId('notice-unread')).count()).toBe(1)
    await shoot(resident, 'notices-03-resident-list.png')
    await axe(resident, 'resident notice list')
    await first.locator(byTestId('notice-link')).click()
    await resident.waitForSelector(byTestId('notice-explainer'))
    expect(await resident.textContent(byTestId('notice-explainer'))).toContain(EXPLAINER)
    expect(await resident.textContent(byTestId('notice-body'))).toContain(BODY)
    expect(await resident.locator(byTestId('notice-staff')).count()).toBe(0)
    // Opening it marked it read.
    await resident.waitForSelector(byTestId('notice-read'))
    const file = await resident.evaluate(
      async (href) => {
        const r = await fetch(href)
        const bytes = new Uint8Array(await r.arrayBuffer())
        return {
          status: r.status,
          type: r.headers.get('content-type'),
          disposition: r.headers.get('content-disposition'),
          head: String.fromCharCode(...bytes.slice(0, 5)),
        }
      },
      await resident.getAttribute(byTestId('notice-attachment-download'), 'href'),
    )
    expect(file).toMatchObject({ status: 200, type: 'application/pdf', head: '%PDF-' })
    expect(file.disposition).toContain(`filename*=UTF-8''${encodeURIComponent(FILE_NAME)}`)
    await shoot(resident, 'notices-04-resident-detail.png')
    await axe(resident, 'resident notice detail')
    await goto(resident, '#/participation/notices')
    await resident.waitForSelector(`${byTestId('notice-card')}[data-id="${noticeId}"][data-read="true"]`)
  })

  it('staff see the read count per area', async () => {
    await staff.reload()
    await staff.waitForSelector(byTestId('notice-reads-total'))
    expect(await staff.textContent(byTestId('notice-reads-total'))).toContain('1')
    // The demo resident reads for their registry grid (verified in G04).
    const grid = staff.locator(`${byTestId('notice-reads-row')}[data-code="JZ-QH-01-01-G04"]`)
    expect(await grid.locator('td').textContent()).toBe('1')
    await goto(staff, '#/participation/notices')
    await staff.waitForSelector(`${byTestId('notice-card')}[data-id="${noticeId}"]`)
    expect(
      await staff.textContent(`${byTestId('notice-card')}[data-id="${noticeId}"] ${byTestId('notice-read-count')}`),
    ).toContain('1')
  })

  it('staff edit it: an expiry date', async () => {
    await goto(staff, `#/participation/notices/${noticeId}`)
    await staff.click(byTestId('notice-edit'))
    await staff.waitForSelector(byTestId('notice-edit-page'))
    await staff.waitForSelector(byTestId('notice-form'))
    expect(await staff.inputValue(byTestId('notice-title-input'))).toBe(TITLE)
    await axe(staff, 'edit form')
    await staff.fill(byTestId('notice-expires-at'), '2099-06-30T18:00')
    await staff.click(byTestId('notice-submit'))
    await staff.waitForSelector(byTestId('notice-article'))
    const row = await p.database.db
      .selectFrom('notice')
      .select(['expires_at', 'title', 'pinned'])
      .where('id', '=', noticeId)
      .executeTakeFirstOrThrow()
    // The browser's time zone is Asia/Shanghai: 18:00 there is 10:00 UTC.
    expect(row).toEqual({ expires_at: new Date('2099-06-30T10:00:00Z'), title: TITLE, pinned: true })
    expect(await staff.textContent(byTestId('notice-article'))).toContain('2099')
  })

  it('staff withdraw it with a reason; it leaves the resident’s list', async () => {
    await goto(staff, `#/participation/notices/${noticeId}`)
    await staff.waitForSelector(byTestId('notice-withdraw-open'))
    await staff.click(byTestId('notice-withdraw-open'))
    await staff.click(byTestId('notice-withdraw-submit'))
    await staff.waitForSelector(byTestId('notice-withdraw-error'))
    await axe(staff, 'withdraw form')
    await staff.fill(byTestId('notice-withdraw-reason'), REASON)
    await staff.click(byTestId('notice-withdraw-submit'))
    await staff.waitForSelector(byTestId('notice-withdrawn-reason'))
    expect(await staff.textContent(byTestId('notice-withdrawn-reason'))).toContain(REASON)
    await shoot(staff, 'notices-05-withdrawn.png')
    await axe(staff, 'withdrawn notice')
    const audit = await p.database.db
      .selectFrom('audit_log')
      .select('detail')
      .where('action', '=', 'notice.withdraw')
      .where('entity_id', '=', String(noticeId))
      .executeTakeFirstOrThrow()
    expect(audit.detail).toMatchObject({ reason: REASON })

    await resident.reload()
    await resident.waitForSelector(byTestId('notices-list-page'))
    await resident.waitForLoadState('networkidle')
    expect(await resident.locator(`${byTestId('notice-card')}[data-id="${noticeId}"]`).count()).toBe(0)
    await goto(resident, `#/participation/notices/${noticeId}`)
    await resident.waitForSelector(`${byTestId('notice-detail-page')} .error-banner`)
  })

  it('shows the staff pages in English', async () => {
    await staff.selectOption(byTestId('lang-switch'), 'en')
    await goto(staff, `#/participation/notices/${noticeId}`)
    await staff.waitForSelector(byTestId('notice-reads-total'))
    expect(await staff.textContent(byTestId('notice-reads-total'))).toContain('readers in all')
    expect(await staff.textContent(byTestId('notice-withdrawn'))).toContain('Withdrawn')
    await axe(staff, 'staff notice detail (en)')
    await goto(staff, '#/participation/notices/new')
    await staff.waitForSelector(byTestId('notice-form'))
    expect(await staff.textContent(byTestId('notice-form'))).toContain('Publish a notice or policy')
    await shoot(staff, 'notices-06-form-en.png')
    await axe(staff, 'publish form (en)')
  })

  it('finds no serious or critical accessibility violation and no page error', () => {
    expect(a11yProblems).toEqual([])
    expect(pageProblems).toEqual([])
  })
})
