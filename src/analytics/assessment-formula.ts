import { statsSchema } from './stats.js'
import { evaluationSchema } from './evaluation.js'

/*
 * The KPI formula language: figure names, numbers, + − × ÷ (also written + - * /), parentheses,
 * unary minus and min(…)/max(…) of one or more arguments. Parsed here by recursive descent into a
 * tree and evaluated over stored figures; nothing is ever handed to eval or to SQL.
 *
 * Figures are those /stats/cases and /stats/evaluation answer in their totals, one definition
 * each (the statistics' own): `stats.<name>` and `evaluation.<name>`. A bare name means the
 * statistics' figure when /stats/cases has it (onTimeClosureRate, satisfactionRate, responseRate,
 * reworkRate, closureRate, resolutionRate, …) and otherwise the evaluation's (dueCases, extended,
 * extensionRate, returned, returnRate); the evaluation's composite is `evaluation.score`.
 *
 * Value: null when any figure it reads is null (a rate without a denominator) or on a division by
 * zero; min and max are null when an argument is. A null KPI value drops out of the unit's score.
 */

export const statsFigures = Object.keys(statsSchema.properties.totals.properties) as string[]
export const evaluationFigures = Object.keys(evaluationSchema.properties.totals.properties) as string[]

/** The canonical name (`stats.x` / `evaluation.x`) of a name as written, or null when unknown. */
export function canonicalFigure(name: string): string | null {
  const dot = name.indexOf('.')
  if (dot >= 0) {
    const [src, fig] = [name.slice(0, dot), name.slice(dot + 1)]
    if (src === 'stats' && statsFigures.includes(fig)) return name
    if (src === 'evaluation' && evaluationFigures.includes(fig)) return name
    return null
  }
  if (statsFigures.includes(name)) return `stats.${name}`
  if (evaluationFigures.includes(name) && name !== 'score') return `evaluation.${name}`
  return null
}

export type Node =
  | { k: 'num'; v: number }
  | { k: 'fig'; name: string }
  | { k: 'neg'; a: Node }
  | { k: 'bin'; op: '+' | '-' | '*' | '/'; a: Node; b: Node }
  | { k: 'call'; fn: 'min' | 'max'; args: Node[] }

export class FormulaError extends Error {
  constructor(
    message: string,
    /** The unknown figure, when that is the fault. */
    readonly figure: string | null = null,
  ) {
    super(message)
  }
}

type Token = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string }

const MAX_LENGTH = 500
const MAX_DEPTH = 40

function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const num = /^(\d+(\.\d+)?|\.\d+)/.exec(src.slice(i))
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) })
      i += num[0].length
      continue
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(src.slice(i))
    if (ident) {
      out.push({ t: 'id', v: ident[0] })
      i += ident[0].length
      continue
    }
    const op = ({ '×': '*', '÷': '/', '−': '-' } as Record<string, string>)[c] ?? c
    if ('+-*/(),'.includes(op)) {
      out.push({ t: 'op', v: op })
      i++
      continue
    }
    throw new FormulaError(`unexpected character '${c}' at position ${i + 1}`)
  }
  return out
}

/** Parses a formula, refusing unknown figures; figure nodes carry canonical names. */
export function parseFormula(src: string): Node {
  if (src.length > MAX_LENGTH) throw new FormulaError(`a formula has at most ${MAX_LENGTH} characters`)
  const tokens = tokenize(src)
  let pos = 0
  const peek = () => tokens[pos]
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v
  const expect = (v: string) => {
    if (!isOp(v)) throw new FormulaError(`expected '${v}'${peek() ? ` before '${String(peek()!.v)}'` : ' at the end'}`)
    pos++
  }

  const expr = (depth: number): Node => {
    if (depth > MAX_DEPTH) throw new FormulaError('the formula is nested too deeply')
    let left = term(depth)
    while (isOp('+') || isOp('-')) {
      const op = peek()!.v as '+' | '-'
      pos++
      left = { k: 'bin', op, a: left, b: term(depth) }
    }
    return left
  }
  const term = (depth: number): Node => {
    let left = unary(depth)
    while (isOp('*') || isOp('/')) {
      const op = peek()!.v as '*' | '/'
      pos++
      left = { k: 'bin', op, a: left, b: unary(depth) }
    }
    return left
  }
  const unary = (depth: number): Node => {
    if (isOp('-')) {
      pos++
      return { k: 'neg', a: unary(depth + 1) }
    }
    if (isOp('+')) {
      pos++
      return unary(depth + 1)
    }
    return primary(depth)
  }
  const primary = (depth: number): Node => {
    const tok = peek()
    if (!tok) throw new FormulaError('the formula ends too early')
    if (tok.t === 'num') {
      pos++
      return { k: 'num', v: tok.v }
    }
    if (tok.t === 'op' && tok.v === '(') {
      pos++
      const inner = expr(depth + 1)
      expect(')')
      return inner
    }
    if (tok.t === 'id') {
      pos++
      if ((tok.v === 'min' || tok.v === 'max') && isOp('(')) {
        pos++
        const args = [expr(depth + 1)]
        while (isOp(',')) {
          pos++
          args.push(expr(depth + 1))
        }
        expect(')')
        return { k: 'call', fn: tok.v, args }
      }
      const name = canonicalFigure(tok.v)
      if (!name) throw new FormulaError(`unknown figure '${tok.v}'`, tok.v)
      return { k: 'fig', name }
    }
    throw new FormulaError(`unexpected '${tok.v}'`)
  }

  if (tokens.length === 0) throw new FormulaError('the formula is empty')
  const tree = expr(0)
  if (pos < tokens.length) throw new FormulaError(`unexpected '${String(tokens[pos]!.v)}'`)
  return tree
}

/** The canonical figure names a formula reads. */
export function figuresOf(node: Node, into = new Set<string>()): Set<string> {
  if (node.k === 'fig') into.add(node.name)
  else if (node.k === 'neg') figuresOf(node.a, into)
  else if (node.k === 'bin') {
    figuresOf(node.a, into)
    figuresOf(node.b, into)
  } else if (node.k === 'call') for (const a of node.args) figuresOf(a, into)
  return into
}

export function evaluate(node: Node, inputs: Record<string, number | null>): number | null {
  switch (node.k) {
    case 'num':
      return node.v
    case 'fig':
      return inputs[node.name] ?? null
    case 'neg': {
      const a = evaluate(node.a, inputs)
      return a === null ? null : -a
    }
    case 'bin': {
      const a = evaluate(node.a, inputs)
      const b = evaluate(node.b, inputs)
      if (a === null || b === null) return null
      if (node.op === '+') return a + b
      if (node.op === '-') return a - b
      if (node.op === '*') return a * b
      return b === 0 ? null : a / b
    }
    case 'call': {
      const vals = node.args.map((x) => evaluate(x, inputs))
      if (vals.some((v) => v === null)) return null
      return node.fn === 'min' ? Math.min(...(vals as number[])) : Math.max(...(vals as number[]))
    }
  }
}
