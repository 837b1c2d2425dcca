import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

// Two processes opening one PGlite data directory corrupt it. The server holds this lock file for
// its lifetime; CLI commands either take it briefly or, when a live server holds it, talk to that
// server through the control channel whose address and token the file carries.

export interface LockInfo {
  pid: number
  url: string | null
  token: string | null
}

const lockPath = (dataDir: string) => path.join(dataDir, 'grassroots.lock')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The live holder of the lock, if any; a lock left by a dead process counts as free. */
export function lockHolder(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo
    return info.pid !== process.pid && alive(info.pid) ? info : null
  } catch {
    return null
  }
}

export interface DataDirLock {
  update(info: Partial<LockInfo>): void
  release(): void
}

export function acquireLock(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const file = lockPath(dataDir)
  const holder = lockHolder(dataDir)
  if (holder) throw new Error(`the data directory ${dataDir} is in use by process ${holder.pid}`)
  rmSync(file, { force: true })
  let info: LockInfo = { pid: process.pid, url: null, token: null }
  // 'wx' fails if another process created the file since the check above.
  const fd = openSync(file, 'wx', 0o600)
  writeFileSync(fd, JSON.stringify(info))
  closeSync(fd)
  let released = false
  return {
    update(patch) {
      info = { ...info, ...patch }
      writeFileSync(file, JSON.stringify(info), { mode: 0o600 })
    },
    release() {
      if (released) return
      released = true
      rmSync(file, { force: true })
    },
  }
}
