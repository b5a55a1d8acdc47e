// The row errors of a refused import, read back from the API's message (import-free: the
// unit tests load it alone). The message lists them as "file:row [column]: reason; …" (a
// whole-file error has no row), at most 20, then "(and N more)".

export interface RowError {
  where: string;
  column: string;
  reason: string;
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The errors in `detail` about `file` (the uploaded file's name); none if it lists none. */
export function rowErrors(detail: string, file: string): RowError[] {
  const marker = "error(s): ";
  const start = detail.indexOf(marker);
  if (start < 0 || file === "") return [];
  const list = detail.slice(start + marker.length).replace(/ \(and \d+ more\)$/, "");
  const name = escaped(file);
  const items = list.split(new RegExp(`; (?=${name}(?::\\d+)?(?: \\[|: ))`));
  const item = new RegExp(`^(${name}(?::\\d+)?)(?: \\[([^\\]]*)\\])?: ([\\s\\S]*)$`);
  return items.map((text) => {
    const match = item.exec(text);
    return match ? { where: match[1] ?? "", column: match[2] ?? "", reason: match[3] ?? "" } : { where: "", column: "", reason: text };
  });
}
