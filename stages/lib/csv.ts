// Minimal RFC 4180 CSV reading and writing: the example's data files are plain numbers, but
// production logs may carry quoted fields, so quotes and CRLF are understood.

export interface CsvTable {
  header: string[];
  /** Each record's fields, as text; `line` is the 1-based line where the record starts. */
  records: { fields: string[]; line: number }[];
}

/** Parse CSV text. Blank lines are skipped; a record with the wrong field count is reported. */
export function parseCsv(text: string): CsvTable | { error: string; line: number } {
  const rows: { fields: string[]; line: number }[] = [];
  let field = '';
  let fields: string[] = [];
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = (): void => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !fieldStarted;
    if (!blank) rows.push({ fields, line: recordLine });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      inQuotes = true;
      fieldStarted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (inQuotes) return { error: 'unterminated quoted field', line: recordLine };
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  if (rows.length === 0) return { error: 'no header line', line: 1 };
  const [head, ...records] = rows;
  const header = head!.fields.map((h) => h.trim());
  for (const r of records) {
    if (r.fields.length !== header.length) {
      return { error: `expected ${header.length} fields, found ${r.fields.length}`, line: r.line };
    }
  }
  return { header, records };
}

function quoteField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Serialise rows of text fields; always LF line ends and a final newline, so output is stable. */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(quoteField).join(',')];
  for (const r of rows) lines.push(r.map(quoteField).join(','));
  return lines.join('\n') + '\n';
}
