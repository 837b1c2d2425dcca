// A small XML writer for the GeoReport v2 documents. The spec's XML is schemaless and without
// namespaces: elements only, no attributes, lists as a wrapper element holding one element per item
// (<services><service>…</service></services>). The JSON form is the same tree (Spark convention),
// so one value renders both ways.

// Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF): dropped.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** Item element names of the lists in GeoReport v2 documents, by the list's element name. */
export const listItems: Record<string, string> = {
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  service_requests: 'request',
  errors: 'error',
}

function element(name: string, value: unknown, indent: string, out: string[]): void {
  if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`)
  if (value === null || value === undefined) {
    out.push(`${indent}<${name}/>`)
    return
  }
  if (Array.isArray(value)) {
    const item = listItems[name]
    if (!item) throw new Error(`no item element name for the list ${name}`)
    if (value.length === 0) {
      out.push(`${indent}<${name}/>`)
      return
    }
    out.push(`${indent}<${name}>`)
    for (const v of value) element(item, v, `${indent}  `, out)
    out.push(`${indent}</${name}>`)
    return
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    out.push(`${indent}<${name}>`)
    for (const [k, v] of entries) element(k, v, `${indent}  `, out)
    out.push(`${indent}</${name}>`)
    return
  }
  const text = value instanceof Date ? value.toISOString() : String(value)
  out.push(text === '' ? `${indent}<${name}/>` : `${indent}<${name}>${escapeXml(text)}</${name}>`)
}

/** A complete UTF-8 XML document with `value` as the root element `root`. */
export function xmlDocument(root: string, value: unknown): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  element(root, value, '', out)
  return `${out.join('\n')}\n`
}
