import { defineConfig } from 'vitest/config'
import LongPolesFirst from './test/sequencer.js'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: two test files at a time, each with its own databases.
    maxWorkers: 2,
    fileParallelism: true,
    // The known long files first, so none of them is the run's tail (test/sequencer.ts).
    sequence: { sequencer: LongPolesFirst },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    // Servers started by tests (and the processes they spawn) run their embedded MQTT broker on
    // free ports, so files running side by side never fight over 1883.
    env: { MQTT_PORT: '0', MQTT_WS_PORT: '0' },
  },
})
