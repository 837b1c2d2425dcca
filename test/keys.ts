/** The personal-data key of every test platform (the template databases hold data sealed with it). */
export const TEST_DATA_KEY = Buffer.alloc(32, 7).toString('base64')
