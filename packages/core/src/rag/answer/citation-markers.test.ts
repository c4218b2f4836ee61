import { describe, expect, it } from 'vitest';
import { citedNumbers, findCitationMarkers } from './citation-markers.js';

describe('findCitationMarkers', () => {
  it.each([
    ['one marker', 'Open Billing [1].', [1]],
    ['adjacent markers', 'Both say so [2][1].', [2, 1]],
    ['a list in one marker', 'Both say so [1, 2].', [1, 2]],
    ['no marker', 'Nothing cited.', []],
    ['a Markdown link is not a citation', 'See [1](https://example.com).', []],
  ])('%s', (_name, text, expected) => {
    expect(findCitationMarkers(text, 3).map((marker) => marker.citation)).toEqual(expected);
  });

  it('flags markers pointing to missing sources as invalid', () => {
    const markers = findCitationMarkers('Yes [1]. Also [4] and [0].', 2);
    expect(markers.map((marker) => [marker.citation, marker.valid])).toEqual([
      [1, true],
      [4, false],
      [0, false],
    ]);
    expect(markers[0]).toMatchObject({ start: 4, end: 7 });
  });

  it('lists distinct valid numbers in order of first appearance', () => {
    expect(citedNumbers('A [2]. B [1]. C [2]. D [9].', 3)).toEqual([2, 1]);
  });
});
