import { latency } from '../lib/load.js'
import type { Measurement, Section } from '../lib/types.js'

const PAGE_SIZE = 20

export const lists: Section = {
  name: 'lists',
  description:
    'case list with filters and paging (first page, page 1000 by number and by cursor) and case detail with timeline, signed in as admin',
  async run(ctx) {
    const pg = ctx.data.backend === 'postgresql'
    const auth = { headers: { authorization: `Bearer ${ctx.tokens.admin}` } }
    const year = new Date(new Date(ctx.data.until).getTime() - 365 * 86_400_000).toISOString()
    const filter = `areaId=${ctx.data.street.id}&from=${encodeURIComponent(year)}&sort=newest&pageSize=${PAGE_SIZE}`
    // Page 1000 exists only when the filter matches 20,000 cases; on smaller data the last page.
    const first = (await (await fetch(`${ctx.url}/api/v1/cases?${filter}&page=1`, auth)).json()) as {
      total: number
      totalCapped?: boolean
    }
    // A capped total is a lower bound (the list counts 10,000 past the page): probe page 1000 itself.
    const probe = first.totalCapped
      ? ((await (await fetch(`${ctx.url}/api/v1/cases?${filter}&page=1000`, auth)).json()) as { items: unknown[] })
      : null
    const deep = probe?.items.length ? 1000 : Math.max(1, Math.min(1000, Math.ceil(first.total / PAGE_SIZE)))
    const matching = first.totalCapped
      ? `≥ ${probe?.items.length ? 1000 * PAGE_SIZE : first.total}`
      : String(first.total)
    // The same deep page by cursor: the nextAfter of the page before it, fetched once.
    const before =
      deep > 1
        ? ((await (await fetch(`${ctx.url}/api/v1/cases?${filter}&page=${deep - 1}`, auth)).json()) as {
            nextAfter?: number | null
          })
        : null
    const cursor = before?.nextAfter ? `&after=${before.nextAfter}` : '&page=1'
    const requests: [string, (i: number) => string][] = [
      [`case list, street, 1 year, page 1`, () => `/api/v1/cases?${filter}&page=1`],
      [`case list, street, 1 year, page ${deep}`, () => `/api/v1/cases?${filter}&page=${deep}`],
      [`case list, street, 1 year, page ${deep} by cursor (after=)`, () => `/api/v1/cases?${filter}${cursor}`],
      [
        `case list, open + overdue, district, page 1`,
        () => `/api/v1/cases?areaId=${ctx.data.district.id}&overdue=true&sort=due&pageSize=${PAGE_SIZE}`,
      ],
      [`case detail with timeline`, (i) => `/api/v1/cases/${ctx.data.caseIds[i % ctx.data.caseIds.length]}`],
    ]
    const rows: Measurement[] = []
    for (const [name, path] of requests) {
      let i = 0
      const r = await latency(() => fetch(`${ctx.url}${path(i++)}`, auth), ctx.profile.samples, ctx.profile.warmup)
      const limit = pg ? 50 : null
      rows.push({
        section: 'lists',
        name: `${name} p95`,
        unit: 'ms',
        value: r.p95,
        ...(limit ? { target: `≤ ${limit} ms`, met: r.p95 <= limit } : {}),
        ...(r.failures
          ? { note: `${r.failures} failed (last status ${r.lastStatus})` }
          : name.includes('street')
            ? { note: `${matching} matching cases` }
            : {}),
        detail: { ...r },
      })
    }
    return rows
  },
}
