/** Colour for human output: only on a TTY, never with NO_COLOR. */
export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const COLOURS: Style = { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
const plain = (text: string) => text;
export const PLAIN: Style = { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };

export function styleFor(stream: NodeJS.WriteStream): Style {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return stream.isTTY && !noColor ? COLOURS : PLAIN;
}
