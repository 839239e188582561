// Finding a search text in logs: where each match is, case-insensitive, plain text (a log line
// is full of characters a regular expression would read as syntax).

export interface Match {
  start: number;
  end: number;
}

export function findMatches(text: string, query: string): Match[] {
  if (!query) return [];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const matches: Match[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) {
    matches.push({ start: at, end: at + needle.length });
  }
  return matches;
}
