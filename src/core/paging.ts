/** One paging contract for every list: ?page=1&pageSize=50 → {items, page, pageSize, total}. */
export const pageQuerySchema = {
  page: { type: 'integer', minimum: 1, maximum: 1000000, default: 1 },
  pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
} as const

export interface PageRequest {
  page: number
  pageSize: number
}

export interface Page<T> {
  items: T[]
  page: number
  pageSize: number
  total: number
  /** True when `total` is a lower bound: counting stopped there (see COUNT_AHEAD). */
  totalCapped?: boolean
  /**
   * Lists with keyset paging: pass as `after` for the next page (null on the last one). A deep
   * page by `after` costs what the first does; by `page` it reads every row before it.
   */
  nextAfter?: number | null
}

/**
 * Large lists count only this many rows past the requested page: an exact total over millions of
 * cases costs more than the page itself, and "10,000 more" pages no differently.
 */
export const COUNT_AHEAD = 10_000

/** How far to count for a page: its end plus COUNT_AHEAD. */
export const countLimitOf = (p: PageRequest) => offsetOf(p) + p.pageSize + COUNT_AHEAD

export const offsetOf = (p: PageRequest) => (p.page - 1) * p.pageSize

/** A page of `items` as every list answers it. */
export function paginate<T>(
  request: PageRequest,
  items: T[],
  total: number,
  extra: Pick<Page<T>, 'totalCapped' | 'nextAfter'> = {},
): Page<T> {
  return { items, page: request.page, pageSize: request.pageSize, total, ...extra }
}

export function pageSchema<const Item extends object>(item: Item) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items', 'page', 'pageSize', 'total'],
    properties: {
      items: { type: 'array', items: item },
      page: { type: 'integer' },
      pageSize: { type: 'integer' },
      total: { type: 'integer' },
      totalCapped: { type: 'boolean' },
      nextAfter: { type: ['integer', 'null'] },
    },
  } as const
}
