// The events a domain publishes, by name, so that another module can subscribe to them without
// importing the domain: cases publish their steps, notifications offers them to webhooks. A step
// reaches the webhook outbox through a database trigger in the step's own transaction; what
// travels in-process is the catalogue of event names, which the subscriber reads when it is
// registered (every module has been loaded by then), never while modules are still loading.

const catalogue = new Map<string, readonly string[]>()

/** Announces the events of `source` (e.g. 'case'); announcing again replaces the earlier list. */
export function publishEvents<const T extends string>(source: string, types: readonly T[]): readonly T[] {
  catalogue.set(source, types)
  return types
}

/** Every published event name, each once, in the order the sources announced them. */
export function publishedEvents(): string[] {
  return [...new Set([...catalogue.values()].flat())]
}
