import { splitAuthors } from './authors';

/** Author lists as book files give them, and a hostile one (a scan from every unclosed bracket took minutes). */
describe('splitAuthors', () => {
  it('splits author lists, keeping an inverted name whole and leaving out names in brackets', () => {
    expect(splitAuthors('Osamu Aoki (青木 修)')).toEqual(['Osamu Aoki']);
    expect(splitAuthors('Le Guin, Ursula K.')).toEqual(['Le Guin, Ursula K.']);
    expect(splitAuthors('Josip Rodin and Osamu Aoki; Debian Team')).toEqual(['Josip Rodin', 'Osamu Aoki', 'Debian Team']);
    expect(splitAuthors(`${'('.repeat(200_000)}Ursula K. Le Guin`)).toEqual([`${'('.repeat(200_000)}Ursula K. Le Guin`]);
    expect(splitAuthors(`${' '.repeat(200_000)}Ursula K. Le Guin${' '.repeat(200_000)}`)).toEqual(['Ursula K. Le Guin']);
  });
});
