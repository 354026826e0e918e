/** Bounded capture of a stream: the first 16 KiB and the last 64 KiB, each chunk with its time. */
import { StringDecoder } from 'node:string_decoder';
import { stripVTControlCharacters } from 'node:util';
import { now } from './time.js';

const HEAD_CHARS = 16 * 1024;
const TAIL_CHARS = 64 * 1024;

interface Chunk {
  at: number;
  text: string;
}

export class OutputBuffer {
  private readonly decoder = new StringDecoder('utf8');
  private head = '';
  private tail: Chunk[] = [];
  private tailChars = 0;
  private dropped = 0;
  totalChars = 0;

  push(data: Buffer | string): void {
    let text = typeof data === 'string' ? data : this.decoder.write(data);
    this.totalChars += text.length;
    if (this.head.length < HEAD_CHARS && this.dropped === 0 && this.tail.length === 0) {
      const room = HEAD_CHARS - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text.length === 0) return;
    if (text.length > TAIL_CHARS) {
      this.dropped += text.length - TAIL_CHARS;
      text = text.slice(-TAIL_CHARS);
    }
    this.tail.push({ at: now(), text });
    this.tailChars += text.length;
    while (this.tailChars > TAIL_CHARS && this.tail.length > 1) {
      const first = this.tail.shift()!;
      this.tailChars -= first.text.length;
      this.dropped += first.text.length;
    }
  }

  /** What was kept, ANSI colour codes stripped, with a marker where the middle was dropped. */
  text(): string {
    const tail = this.tail.map((c) => c.text).join('');
    const gap = this.dropped > 0 ? `\n[… ${this.dropped} characters not kept …]\n` : '';
    return stripVTControlCharacters(this.head + gap + tail);
  }

  /** The last `chars` characters, for reports. */
  last(chars: number): string {
    const text = this.text();
    return text.length <= chars ? text : `[…]${text.slice(-chars)}`;
  }
}
