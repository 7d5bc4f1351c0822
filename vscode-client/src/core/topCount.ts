/** The batch's "how many of the hottest functions" answer: a whole number from 1 to 100. */
export const MAX_TOP = 100;

export function parseTop(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== "" && Number.isInteger(value) && value >= 1 && value <= MAX_TOP ? value : undefined;
}
