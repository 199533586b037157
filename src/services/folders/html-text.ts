/**
 * HTML to plain text, fed piece by piece (a tag cut between two pieces is carried over): tags
 * are dropped, block elements become line breaks, `<script>`/`<style>` content is skipped, and
 * the common entities are decoded.
 *
 * @example
 * const h = new HtmlText(); h.push('<p>a &amp; b</p><scr'); h.push('ipt>x</script>c'); h.end() // 'a & b\nc'
 */
const BLOCK = /^(p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|pre|blockquote|hr|title)$/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export class HtmlText {
  private carry = '';
  private skipping: string | null = null;
  private readonly out: string[] = [];

  push(piece: string): void {
    const text = this.carry + piece;
    const lastOpen = text.lastIndexOf('<');
    const cut = lastOpen > text.lastIndexOf('>') ? lastOpen : text.length;
    this.carry = text.slice(cut);
    this.convert(text.slice(0, cut));
  }

  end(): string {
    this.convert(this.carry);
    this.carry = '';
    return this.out
      .join('')
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  }

  private convert(text: string): void {
    const re = /<(\/?)([A-Za-z][A-Za-z0-9]*)[^>]*>|<!--[\s\S]*?-->|<![^>]*>|([^<]+)|</g;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const [, closing, rawTag, body] = m;
      const tag = rawTag?.toLowerCase();
      if (this.skipping) {
        if (closing && tag === this.skipping) this.skipping = null;
        continue;
      }
      if (tag) {
        if (!closing && (tag === 'script' || tag === 'style')) this.skipping = tag;
        else if (BLOCK.test(tag)) this.out.push('\n');
        else if (tag === 'td' || tag === 'th') this.out.push(' ');
      } else if (body !== undefined) {
        this.out.push(decode(body.replace(/\s+/g, ' ')));
      }
    }
  }
}

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}
