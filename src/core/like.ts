// LIKE patterns from user text: the text's own % _ and \ match themselves, not any characters.

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/** `%text%`: the text anywhere. */
export const containing = (s: string) => `%${escapeLike(s)}%`

/** `text%`: the text at the start. */
export const startingWith = (s: string) => `${escapeLike(s)}%`
