import autocannon from 'autocannon'
import * as hdr from 'hdr-histogram-js'

export interface ThroughputResult {
  /** Successful (2xx) requests per second over the run. */
  rps: number
  p50: number
  p99: number
  requests: number
  non2xx: number
  errors: number
  timeouts: number
  seconds: number
}

/**
 * A fixed-duration closed-loop load at `connections` concurrent connections (autocannon: one
 * request in flight per connection). `body()` is called for every request, so each is distinct.
 * Latency percentiles come from autocannon's HDR histogram (milliseconds).
 */
export async function throughput(opts: {
  url: string
  method: 'POST' | 'GET'
  path: string
  connections: number
  seconds: number
  headers?: Record<string, string>
  body?: () => string
  /** Per request: a path and headers of its own (e.g. another proposal, another resident's token). */
  vary?: () => { path?: string; headers?: Record<string, string> }
}): Promise<ThroughputResult> {
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.seconds,
    timeout: 30,
    requests: [
      {
        method: opts.method,
        path: opts.path,
        headers: opts.headers ?? {},
        ...(opts.body || opts.vary
          ? {
              setupRequest: (req: autocannon.Request) => {
                const v = opts.vary?.() ?? {}
                return {
                  ...req,
                  ...(opts.body ? { body: opts.body() } : {}),
                  ...(v.path ? { path: v.path } : {}),
                  ...(v.headers ? { headers: { ...req.headers, ...v.headers } } : {}),
                }
              },
            }
          : {}),
      },
    ],
  })
  const ok = result['2xx']
  return {
    rps: ok / (result.duration || opts.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  }
}

export interface LatencyResult {
  p50: number
  p95: number
  p99: number
  max: number
  samples: number
  failures: number
  lastStatus: number
}

/**
 * Latency of one request repeated `samples` times, one at a time (after `warmup` uncounted ones),
 * recorded in an HDR histogram at microsecond resolution; milliseconds out.
 */
export async function latency(fn: () => Promise<Response>, samples: number, warmup: number): Promise<LatencyResult> {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  })
  let failures = 0
  let lastStatus = 0
  for (let i = 0; i < warmup + samples; i++) {
    const t0 = performance.now()
    const res = await fn()
    await res.arrayBuffer()
    const us = Math.round((performance.now() - t0) * 1000)
    lastStatus = res.status
    if (!res.ok) failures++
    if (i >= warmup) h.recordValue(Math.max(1, us))
  }
  const ms = (v: number) => Math.round(v / 10) / 100
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
    samples,
    failures,
    lastStatus,
  }
}
