// How search compares words, shared by the worker's index and the popup's highlighting.

/** "Crème Brûlée" → "creme brulee": the same key for every case and accent (NFD, marks dropped). */
export function foldTerm(term: string): string {
  return term.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
