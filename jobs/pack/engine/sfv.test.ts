import { crcHex, renderSfv, sfvFileName } from './sfv';

describe('SFV', () => {
  it('writes the comment, then one "name CRC" line per file (8 upper-case hex digits), each ended by CRLF', () => {
    const text = renderSfv([{ fileName: 'esaw12.zip', crc32: 'a1b2c3d4' }, { fileName: 'esaw1201.zip', crc32: 'ff' }], 'eBook Scene Packer');
    expect(text).toBe('; eBook Scene Packer\r\nesaw12.zip A1B2C3D4\r\nesaw1201.zip 000000FF\r\n');
  });

  it('renders a CRC-32 as 8 upper-case hex digits, negative (signed) values included', () => {
    expect(crcHex(0xab)).toBe('000000AB');
    expect(crcHex(-1)).toBe('FFFFFFFF');
  });

  it('names the checksum file after the release', () => {
    expect(sfvFileName('Author.Title.2020.RETAiL.ePub.eBook-ESP')).toBe('Author.Title.2020.RETAiL.ePub.eBook-ESP.sfv');
  });
});
