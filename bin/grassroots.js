#!/usr/bin/env node
// Runs the compiled CLI; `npm start` (or `npm run build`) produces dist/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
if (!existsSync(cli)) {
  console.error('grassroots: dist/ is missing; run `npm run build` (or `npm start`) first.')
  process.exit(1)
}
await import(cli)
