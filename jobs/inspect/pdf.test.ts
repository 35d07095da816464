import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writePdf } from './fixtures/books';
import { readPdfInfo, readPdfMetadata } from './pdf';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-pdf-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);
const inspect = async (name: string) => readPdfMetadata(file(name), await readPdfInfo(file(name)));

const xmpPacket = (description: string) =>
  '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">' +
  '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
  `${description}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

describe('readPdfMetadata', () => {
  it('reads the XMP title and the info dictionary author past 150,000 unclosed <dc:creator> tags, then the next book', async () => {
    const xmp = xmpPacket(`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">The Hobbit</rdf:li></rdf:Alt></dc:title>${'<dc:creator>'.repeat(150_000)}`);
    writePdf(file('creators.pdf'), { author: 'J. R. R. Tolkien', xmp });
    writePdf(file('next.pdf'), { title: 'Tehanu', author: 'Ursula K. Le Guin' });
    expect(await inspect('creators.pdf')).toMatchObject({ format: 'pdf', title: 'The Hobbit', authors: ['J. R. R. Tolkien'] });
    // The next upload is read by the same worker: a packet scanned in quadratic time kept it waiting for minutes.
    expect(await inspect('next.pdf')).toMatchObject({ title: 'Tehanu', authors: ['Ursula K. Le Guin'] });
  });

  it('reads the XMP creators of a well-formed packet, list items and tags inside them', async () => {
    const xmp = xmpPacket('<dc:creator><rdf:Seq><rdf:li>Ursula K. <b>Le Guin</b></rdf:li><rdf:li>Ruth Robbins</rdf:li></rdf:Seq></dc:creator>');
    writePdf(file('xmp.pdf'), { title: 'A Wizard of Earthsea', author: 'Someone Else', xmp });
    expect(await inspect('xmp.pdf')).toMatchObject({ title: 'A Wizard of Earthsea', authors: ['Ursula K. Le Guin', 'Ruth Robbins'] });
  });

  it('skips an info dictionary title of 300,000 spaces and a CR, and reads the other fields', async () => {
    const xmp = xmpPacket('<dc:title>The Hobbit</dc:title>');
    writePdf(file('spaces.pdf'), { title: `${' '.repeat(300_000)}The\rHobbit`, author: 'J. R. R. Tolkien', xmp });
    expect(await inspect('spaces.pdf')).toMatchObject({ title: 'The Hobbit', authors: ['J. R. R. Tolkien'], pages: 1 });
  });
});
