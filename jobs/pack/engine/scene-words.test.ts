import { sceneWords } from './scene-words';

describe('sceneWords', () => {
  it('capitalises all-lower-case words except small joining words after the first', () => {
    expect(sceneWords('the lord of the rings')).toEqual(['The', 'Lord', 'of', 'the', 'Rings']);
    expect(sceneWords('a tale of two cities')).toEqual(['A', 'Tale', 'of', 'Two', 'Cities']);
    // Joining words of other languages too, and a small word first is still capitalised.
    expect(sceneWords('der weg von der welt')).toEqual(['Der', 'Weg', 'von', 'der', 'Welt']);
  });

  // The whole list, one word at a time: each left lower case between two capitalised words.
  it.each([
    ...['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'with'],
    ...['de', 'del', 'la', 'le', 'les', 'du', 'des', 'et', 'y', 'e', 'der', 'die', 'das', 'und', 'von', 'no', 'wa', 'ga', 'ni', 'wo'],
  ])('leaves the joining word "%s" lower case inside a title', (word) => {
    expect(sceneWords(`house ${word} leaves`)).toEqual(['House', word, 'Leaves']);
  });

  it('capitalises a short word that is not a joining word', () => {
    expect(sceneWords('house is up')).toEqual(['House', 'Is', 'Up']);
  });

  it('keeps the case of words that have capitals of their own', () => {
    expect(sceneWords('iPhone for dummies')).toEqual(['iPhone', 'for', 'Dummies']);
    expect(sceneWords('NASA and the OSS')).toEqual(['NASA', 'and', 'the', 'OSS']);
  });

  it("reads '&' as and, drops apostrophes inside words, and splits on every other symbol", () => {
    expect(sceneWords('McDonald’s & friends')).toEqual(['McDonalds', 'and', 'Friends']);
    expect(sceneWords("rock'n'roll: a history (2nd ed.)")).toEqual(['Rocknroll', 'a', 'History', '2nd', 'Ed']);
    expect(sceneWords('one/two_three+four')).toEqual(['One', 'Two', 'Three', 'Four']);
  });

  it('keeps hyphens inside words, one at a time, and none at their ends', () => {
    expect(sceneWords('--well-known--  co--op -')).toEqual(['Well-known', 'Co-op']);
  });

  it('writes accented and non-Latin text in ASCII, romanised by convention', () => {
    expect(sceneWords("L'été de la mort")).toEqual(['Lete', 'de', 'la', 'Mort']);
    expect(sceneWords('Преступление и наказание', 'ru')).toEqual(['Prestuplenie', 'I', 'Nakazanie']);
    expect(sceneWords('Ελληνικά')).toEqual(['Ellinika']);
  });

  it('gives no words for no text', () => {
    expect(sceneWords(undefined)).toEqual([]);
    expect(sceneWords('')).toEqual([]);
    expect(sceneWords(' ?! ')).toEqual([]);
  });
});
