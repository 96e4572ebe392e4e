/**
 * CSV as spreadsheets write it (RFC 4180): a header row, commas, fields in double quotes when they hold commas,
 * quotes or line breaks, `""` for a quote inside quotes, CRLF or LF line ends, an optional byte-order mark.
 * A semicolon-separated file (what some spreadsheets export in many locales) is recognised by its header row.
 */

export interface CsvRow {
  /** 1-based line where the row starts (after the header: line 2 for the first row). */
  line: number;
  cells: string[];
}

export type CsvParse = { ok: true; header: string[]; rows: CsvRow[] } | { ok: false; line: number; message: string };

export function parseCsv(input: string): CsvParse {
  const text = input.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const separator = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const records: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let atCellStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && atCellStart) {
      quoted = true;
      atCellStart = false;
    } else if (c === '"') {
      return { ok: false, line, message: 'a quote inside an unquoted field (quote the whole field and double the quote: "a ""b""")' };
    } else if (c === separator) {
      cells.push(cell);
      cell = '';
      atCellStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      records.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      atCellStart = true;
      line++;
      rowLine = line;
    } else {
      cell += c;
      atCellStart = false;
    }
  }
  if (quoted) return { ok: false, line: rowLine, message: 'a quoted field is not closed' };
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    records.push({ line: rowLine, cells });
  }
  const nonEmpty = records.filter((r) => r.cells.some((c) => c.trim() !== ''));
  const [header, ...rows] = nonEmpty;
  if (!header) return { ok: false, line: 1, message: 'the file is empty (a header row is required)' };
  return { ok: true, header: header.cells.map((h) => h.trim()), rows };
}

/** One CSV line (without line end), quoting only the fields that need it. */
export function formatCsvRow(cells: readonly string[]): string {
  return cells.map((c) => (/[",\r\n;]|^\s|\s$/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}
