// Just enough XML for libvirt: a builder that escapes every attribute and text it is given
// (domain, volume, pool and snapshot XML are generated from user-controlled names and paths),
// and a small, strict parser for what virsh prints (dumpxml, snapshot-dumpxml, capabilities).
// libvirt's output is plain XML: no DTDs, no namespaces that matter here, UTF-8.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (concatenated, entities decoded), without its children's. */
  text: string;
}

// --- Building ------------------------------------------------------------------------------

/** Escapes text or an attribute value: the five XML specials, and no control characters. */
export function escapeXml(value: string): string {
  // XML 1.0 allows no C0 controls but tab, newline and carriage return, even as references.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) {
    throw new Error(`cannot put a control character into libvirt XML: ${JSON.stringify(value)}`);
  }
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;')
    // Keep line breaks in attributes as they are (a raw newline in an attribute reads back as a space).
    .replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
}

/** A node for build(): an element, or text. Attributes whose value is undefined are left out. */
export type XmlNode = string | { name: string; attributes?: Record<string, string | number | undefined>; children?: XmlNode[] };

export function el(name: string, attributes: Record<string, string | number | undefined> = {}, ...children: (XmlNode | false | undefined)[]): XmlNode {
  return { name, attributes, children: children.filter((c): c is XmlNode => c !== false && c !== undefined) };
}

/** Serialises nodes with two-space indentation (text-only elements stay on one line). */
export function build(node: XmlNode, indent = ''): string {
  if (typeof node === 'string') return indent + escapeXml(node);
  if (!/^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/.test(node.name)) throw new Error(`invalid XML element name ${JSON.stringify(node.name)}`);
  const attrs = Object.entries(node.attributes ?? {})
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}='${escapeXml(String(value))}'`).join('');
  const children = node.children ?? [];
  if (children.length === 0) return `${indent}<${node.name}${attrs}/>`;
  if (children.every((c) => typeof c === 'string')) return `${indent}<${node.name}${attrs}>${children.map((c) => escapeXml(c as string)).join('')}</${node.name}>`;
  const inner = children.map((child) => build(child, `${indent}  `)).join('\n');
  return `${indent}<${node.name}${attrs}>\n${inner}\n${indent}</${node.name}>`;
}

// --- Parsing -------------------------------------------------------------------------------

const namedEntities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = namedEntities[ref];
    if (named === undefined) throw new Error(`unknown XML entity ${whole}`);
    return named;
  });
}

/** Parses one XML document and returns its root element; throws on anything malformed. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed XML at offset ${pos}: ${why} (near ${JSON.stringify(source.slice(pos, pos + 40))})`);
  };
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos))?.[0].length ?? 0;
      pos += ws;
      if (source.startsWith('<?', pos)) {
        const end = source.indexOf('?>', pos);
        if (end < 0) fail('unterminated processing instruction');
        pos = end + 2;
      } else if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<!DOCTYPE', pos)) {
        fail('DOCTYPE is not supported');
      } else {
        return;
      }
    }
  };
  const nameAt = (): string => {
    const match = /^[A-Za-z_][\w.:-]*/.exec(source.slice(pos, pos + 256));
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const element = (): XmlElement => {
    if (source[pos] !== '<') fail('expected "<"');
    pos += 1;
    const node: XmlElement = { name: nameAt(), attributes: {}, children: [], text: '' };
    for (;;) {
      pos += /^\s*/.exec(source.slice(pos, pos + 256))?.[0].length ?? 0;
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return node;
      }
      if (source[pos] === '>') {
        pos += 1;
        break;
      }
      const key = nameAt();
      const eq = /^\s*=\s*(["'])/.exec(source.slice(pos, pos + 64));
      if (!eq?.[1]) return fail(`expected ="..." after attribute ${key}`);
      pos += eq[0].length;
      const end = source.indexOf(eq[1], pos);
      if (end < 0) fail(`unterminated value of attribute ${key}`);
      if (Object.hasOwn(node.attributes, key)) fail(`attribute ${key} given twice`);
      node.attributes[key] = decode(source.slice(pos, end));
      pos = end + 1;
    }
    for (;;) {
      if (pos >= source.length) fail(`<${node.name}> is not closed`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = nameAt();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        pos += /^\s*/.exec(source.slice(pos, pos + 64))?.[0].length ?? 0;
        if (source[pos] !== '>') fail('expected ">"');
        pos += 1;
        return node;
      }
      if (source.startsWith('<!--', pos)) {
        const end = source.indexOf('-->', pos);
        if (end < 0) fail('unterminated comment');
        pos = end + 3;
      } else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        node.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source[pos] === '<') {
        node.children.push(element());
      } else {
        const end = source.indexOf('<', pos);
        node.text += decode(source.slice(pos, end < 0 ? source.length : end));
        pos = end < 0 ? source.length : end;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

/** The first child element named `name` (a path of names walks down: 'devices', 'graphics'). */
export function child(node: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = node;
  for (const name of names) current = current?.children.find((c) => c.name === name);
  return current;
}

export function children(node: XmlElement | undefined, name: string): XmlElement[] {
  return node?.children.filter((c) => c.name === name) ?? [];
}

/** The trimmed text of the child at `names`, or undefined. */
export function textOf(node: XmlElement | undefined, ...names: string[]): string | undefined {
  const found = child(node, ...names);
  return found ? found.text.trim() : undefined;
}
