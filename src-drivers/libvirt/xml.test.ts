// The XML builder escapes everything it is given; the parser reads what virsh prints and
// refuses what is malformed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, child, el, escapeXml, parseXml, textOf } from './xml.ts';

test('escapes the XML specials in text and attributes, and round-trips through the parser', () => {
  const nasty = `a'b"c<d>e&f]]>g\n`;
  const xml = build(el('domain', { type: nasty }, el('name', {}, nasty), el('empty')));
  assert.doesNotMatch(xml, /<d>|&f|'b/);
  const parsed = parseXml(xml);
  assert.equal(parsed.attributes.type, nasty);
  assert.equal(child(parsed, 'name')?.text, nasty);
  assert.deepEqual(child(parsed, 'empty'), { name: 'empty', attributes: {}, children: [], text: '' });
});

test('refuses control characters and bad element names instead of writing broken XML', () => {
  assert.throws(() => escapeXml('a\u0001b'), /control character/);
  assert.throws(() => build(el('bad name')), /invalid XML element name/);
});

test('parses virsh-style output: declaration, comments, entities, CDATA, nesting', () => {
  const doc = parseXml(`<?xml version="1.0"?>
<!-- a comment -->
<domain type='qemu' id="3">
  <name>corral-a&amp;b-1234</name>
  <devices>
    <graphics type='vnc' port='5900' websocket='5700' listen='127.0.0.1' passwd='p&apos;w&#38;&#x21;'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <!-- inside -->
    <x><![CDATA[<raw & text>]]></x>
  </devices>
</domain>
`);
  assert.equal(doc.attributes.id, '3');
  assert.equal(textOf(doc, 'name'), 'corral-a&b-1234');
  assert.equal(child(doc, 'devices', 'graphics')?.attributes.passwd, "p'w&!");
  assert.equal(child(doc, 'devices', 'graphics', 'listen')?.attributes.address, '127.0.0.1');
  assert.equal(textOf(doc, 'devices', 'x'), '<raw & text>');
});

test('refuses malformed documents', () => {
  for (const bad of ['<a>', '<a></b>', '<a x=1/>', '<a/><b/>', '<a>&bogus;</a>', '<!DOCTYPE a><a/>', '<a x="1" x="2"/>']) {
    assert.throws(() => parseXml(bad), /malformed XML|unknown XML entity/, bad);
  }
});
