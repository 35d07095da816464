import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitAuthors } from '../metadata/authors';
import { detectLanguage } from '../metadata/detect-language';
import { meaningful } from '../metadata/junk';
import { readPdfInfo, readPdfMetadata } from './pdf';
import { copyrightHolders, printedYear } from './pdf-title-page';

/** A one-page PDF with no info dictionary: a title in large type and an author line below it. */
function titlePagePdf(file: string, lines: { text: string; size: number; y: number }[], extra = ''): void {
  const content = lines.map((l) => `BT /F1 ${l.size} Tf 72 ${l.y} Td (${l.text}) Tj ET`).join('\n') + extra;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  fs.writeFileSync(file, body, 'latin1');
}

describe('PDF reading from the printed title page', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-title-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes title and authors from the largest type on page 1 when the info dictionary has none', async () => {
    const file = path.join(dir, 'untitled.pdf');
    titlePagePdf(file, [
      { text: 'The Art of Packing', size: 28, y: 600 },
      { text: 'Ebooks for Everyone', size: 28, y: 566 },
      { text: 'Jane Porter and Hans Meier', size: 14, y: 500 },
      { text: 'Published 3 March 2019. This book explains how release groups pack the books they', size: 10, y: 300 },
      { text: 'publish, with the rules that apply to each archive and text file in the release.', size: 10, y: 288 },
    ]);
    expect(execFileSync('pdfinfo', [file]).toString()).not.toMatch(/^Title:/m);
    const metadata = await readPdfMetadata(file, await readPdfInfo(file));
    expect(metadata).toMatchObject({ title: 'The Art of Packing Ebooks for Everyone', authors: ['Jane Porter', 'Hans Meier'], year: 2019, language: 'en' });
    expect(metadata.languageDetected?.confidence).toBeGreaterThan(0);
  });

  it('recognises junk metadata', () => {
    for (const junk of ['Microsoft Word - thesis.doc', 'chapter1.tex', '[FAMILY Given]', 'untitled', 'Unknown', 'someone@example.org', 'Document1']) {
      expect(meaningful(junk)).toBeUndefined();
    }
    expect(meaningful('SiSU: - Free Culture')).toBe('Free Culture');
    expect(meaningful('Debian Reference')).toBe('Debian Reference');
  });

  it('splits author lists the way real files write them', () => {
    expect(splitAuthors('A. Smith, B. Jones and C. Brown')).toEqual(['A. Smith', 'B. Jones', 'C. Brown']);
    expect(splitAuthors('Pierre Dupont et Marie Curie')).toEqual(['Pierre Dupont', 'Marie Curie']);
    expect(splitAuthors('Hans Meier und Eva Braun')).toEqual(['Hans Meier', 'Eva Braun']);
    expect(splitAuthors('青木修、山田太郎')).toEqual(['青木修', '山田太郎']);
    expect(splitAuthors('Le Guin, Ursula K.')).toEqual(['Le Guin, Ursula K.']);
    expect(splitAuthors('Osamu Aoki (青木 修)')).toEqual(['Osamu Aoki']);
  });

  it('reads printed dates and copyright holders', () => {
    expect(printedYear('STEAD3\nПетр Косых\n19 апреля 2020 г.')).toBe(2020);
    expect(printedYear('Publikationsdatum: 31.01.2024')).toBe(2024);
    expect(printedYear('(第 2.100 版) (2023-02-04 11:59:01 UTC)')).toBe(2023);
    expect(copyrightHolders('製作著作 © 2013-2021 Osamu Aoki (青木 修)')).toEqual(['Osamu Aoki']);
  });

  it('detects the language of a text by its script and words', () => {
    expect(detectLanguage('これは日本語の文章です。Debian システムの広範な概論を提供します。本書は非開発者を対象にしています。')?.language).toBe('ja');
    expect(detectLanguage('本书旨在为安装后的用户提供一个广泛的概述，通过命令行例子说明系统管理的许多方面。')?.language).toBe('zh');
    expect(detectLanguage('Ce livre donne un aperçu général du système Debian et de son administration après installation.')?.language).toBe('fr');
    expect(detectLanguage('Это руководство описывает систему Debian и её администрирование для обычных пользователей.')?.language).toBe('ru');
    expect(detectLanguage('short')).toBeUndefined();
  });
});
