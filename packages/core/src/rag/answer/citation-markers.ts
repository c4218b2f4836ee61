/** One `[n]` marker found in an answer. */
export interface CitationMarker {
  /** The cited number. */
  citation: number;
  /** Offset of the opening bracket in the text. */
  start: number;
  /** Offset just after the closing bracket. */
  end: number;
  /** True when a source with this number exists. */
  valid: boolean;
}

const markerPattern = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/**
 * Finds the citation markers of an answer: `[1]`, `[2][3]` and `[1, 2]`. A
 * number outside `1..sourceCount` is returned with `valid: false`; callers
 * ignore it for citations and count it against confidence. A Markdown link
 * `[1](https://...)` is not a citation.
 */
export function findCitationMarkers(text: string, sourceCount: number): CitationMarker[] {
  const markers: CitationMarker[] = [];
  for (const match of text.matchAll(markerPattern)) {
    const start = match.index;
    const end = start + match[0].length;
    if (text[end] === '(') continue;
    for (const part of match[1]!.split(',')) {
      const citation = Number(part.trim());
      markers.push({
        citation,
        start,
        end,
        valid: Number.isInteger(citation) && citation >= 1 && citation <= sourceCount,
      });
    }
  }
  return markers;
}

/** The distinct valid citation numbers of a text, in order of first appearance. */
export function citedNumbers(text: string, sourceCount: number): number[] {
  const seen = new Set<number>();
  for (const marker of findCitationMarkers(text, sourceCount)) {
    if (marker.valid) seen.add(marker.citation);
  }
  return [...seen];
}
