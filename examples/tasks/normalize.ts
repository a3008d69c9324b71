// A local helper module, imported by hash.ts inside the worker.

/** Trims and lower-cases text, and folds runs of whitespace to one space. */
export function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}
