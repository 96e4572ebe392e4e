/** Positions in text, by line: where a line starts and ends, comment lines above, line numbers. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Just after the line containing offset - 1 (an offset at a line start is returned as is). */
export function lineEnd(text: string, offset: number): number {
  if (offset <= 0 || text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
}

/** Start of the run of comment lines directly above `start` (no blank line in between). */
export function commentsAbove(text: string, start: number): number {
  let cursor = start;
  while (cursor > 0) {
    const prev = lineStart(text, cursor - 1);
    if (!/^[ \t]*#/.test(text.slice(prev, cursor - 1))) break;
    cursor = prev;
  }
  return cursor;
}

export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
